namespace SimVae.Export;

/// <summary>
/// How <see cref="OnnxExporter"/> shapes an exported encoder's input and output. The defaults take float32 pixels in
/// 0–255, planar channel-height-width order (what ML.NET's <c>ExtractPixels</c> gives with its defaults), and scale
/// them to the [0, 1] range the model was trained on.
/// </summary>
public sealed record OnnxExportOptions
{
    /// <summary>The input's element type (default <see cref="OnnxPixelType.Single"/>).</summary>
    public OnnxPixelType PixelType { get; init; } = OnnxPixelType.Single;

    /// <summary>
    /// The factor a float input is multiplied by inside the graph (default 1/255: 0–255 pixels become [0, 1]). Use 1 for
    /// pixels already in [0, 1]. Positive and finite. Ignored for <see cref="OnnxPixelType.Byte"/>, which always divides by 255.
    /// </summary>
    public float InputScale { get; init; } = 1f / 255f;

    /// <summary>The graph input's name (default "pixels"): the column name ML.NET's <c>ApplyOnnxModel</c> reads.</summary>
    public string InputName { get; init; } = "pixels";

    /// <summary>The graph output's name (default "features").</summary>
    public string OutputName { get; init; } = "features";

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">A name is empty or blank, both names are equal, or the scale is not positive and finite.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(PixelType))
            throw new ArgumentException($"{nameof(PixelType)} must be {OnnxPixelType.Single} or {OnnxPixelType.Byte}; got {(int)PixelType}", nameof(PixelType));
        if (!float.IsFinite(InputScale) || InputScale <= 0)
            throw new ArgumentException($"{nameof(InputScale)} must be positive and finite; got {InputScale}", nameof(InputScale));
        if (string.IsNullOrWhiteSpace(InputName))
            throw new ArgumentException($"{nameof(InputName)} must not be empty", nameof(InputName));
        if (string.IsNullOrWhiteSpace(OutputName))
            throw new ArgumentException($"{nameof(OutputName)} must not be empty", nameof(OutputName));
        if (InputName == OutputName)
            throw new ArgumentException($"{nameof(InputName)} and {nameof(OutputName)} must differ; both are '{InputName}'", nameof(OutputName));
    }
}
