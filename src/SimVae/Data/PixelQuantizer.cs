namespace SimVae.Data;

/// <summary>
/// Turns rows of float pixels into the 8-bit images training works on: the one place that checks the range of float
/// pixels and rounds them. A value v becomes round(clamp(v·scale, 0, 1)·255); v·scale must lie in [0, 1] (a rounding
/// slack of 1e-3 is accepted). After the last row, <see cref="Finish"/> catches data that was scaled twice: when no
/// scaled value exceeds 1/255, every pixel would round to 0 or 1 and training would see black images.
/// </summary>
public sealed class PixelQuantizer
{
    private const float Slack = 1e-3f;
    private readonly float scale;
    private readonly string source;
    private readonly string? parameterName;
    private float largest;
    private long rows;

    /// <summary>Creates a quantizer for the rows of <paramref name="source"/> (named in messages).</summary>
    /// <param name="scale">Factor that brings the float values into [0, 1] (1 for values already there, 1/255 for 0–255).</param>
    /// <param name="source">What the rows come from, e.g. "column 'Pixels'".</param>
    /// <param name="parameterName">The parameter the exceptions name, if any.</param>
    /// <exception cref="ArgumentOutOfRangeException">The scale is not a positive finite number.</exception>
    public PixelQuantizer(float scale, string source, string? parameterName = null)
    {
        if (!(scale > 0) || !float.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "the pixel scale must be a positive number");
        this.scale = scale;
        this.source = source;
        this.parameterName = parameterName;
    }

    /// <summary>Converts one row into <paramref name="destination"/> (same length).</summary>
    /// <exception cref="ArgumentException">A value times the scale lies outside [0, 1]; the message names the row, index and value.</exception>
    public void Quantize(ReadOnlySpan<float> row, Span<byte> destination)
    {
        if (row.Length != destination.Length) throw new ArgumentException($"{source}: row {rows} has {row.Length} values, expected {destination.Length}", parameterName);
        for (int i = 0; i < row.Length; i++)
        {
            float scaled = row[i] * scale;
            if (!(scaled >= -Slack && scaled <= 1 + Slack))
                throw new ArgumentException(
                    $"{source}: row {rows} holds {row[i]} at index {i}, which times the input scale {scale} is outside [0, 1]; " +
                    $"use an input scale that maps the pixels to [0, 1] (1/255 for 0–255 values, 1 for values already in [0, 1])", parameterName);
            if (scaled > largest) largest = scaled;
            destination[i] = (byte)MathF.Round(Math.Clamp(scaled, 0f, 1f) * 255f);
        }
        rows++;
    }

    /// <summary>Rows converted so far.</summary>
    public long Rows => rows;

    /// <summary>Checks the whole set once all rows are in.</summary>
    /// <exception cref="ArgumentException">The largest scaled value is positive but at most 1/255: the pixels were scaled twice.</exception>
    public void Finish()
    {
        if (largest > 0 && largest <= 1f / 255f + Slack / 255f)
            throw new ArgumentException(
                $"{source}: every value times the input scale {scale} is at most {largest:G4} (≤ 1/255), so the images would train as black: " +
                $"the pixels look scaled twice (e.g. ExtractPixels(scaleImage: 1f/255) followed by an input scale of 1/255); use an input scale of {scale * 255f:G4}", parameterName);
    }
}
