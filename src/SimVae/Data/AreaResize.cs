namespace SimVae.Data;

/// <summary>
/// Resizes one uint8 plane by pixel-area relation (OpenCV's INTER_AREA): output pixel o of an axis covers the source
/// interval [o·s, (o + 1)·s), s = source / output size, and takes the mean of the source pixels weighted by how much
/// of each that interval overlaps. Shrinking averages boxes; enlarging blends the two source pixels an output pixel
/// straddles. Separable: rows, then columns, in float; rounded to the nearest byte. The same size copies exactly.
/// </summary>
internal static class AreaResize
{
    /// <summary>Resizes <paramref name="source"/> (h × w, row-major) into <paramref name="destination"/> (height × width).</summary>
    public static void Resize(ReadOnlySpan<byte> source, int h, int w, Span<byte> destination, int height, int width)
    {
        if (h == height && w == width)
        {
            source.CopyTo(destination);
            return;
        }
        var across = Weights(w, width);
        var down = Weights(h, height);
        var rows = new float[(long)h * width]; // horizontal pass: h rows of the output width
        for (int y = 0; y < h; y++)
        {
            var row = source.Slice(y * w, w);
            for (int o = 0; o < width; o++)
            {
                float sum = 0;
                foreach (var (index, weight) in across[o]) sum += weight * row[index];
                rows[(long)y * width + o] = sum;
            }
        }
        for (int o = 0; o < height; o++)
            for (int x = 0; x < width; x++)
            {
                float sum = 0;
                foreach (var (index, weight) in down[o]) sum += weight * rows[(long)index * width + x];
                destination[o * width + x] = (byte)Math.Clamp(MathF.Round(sum), 0, 255);
            }
    }

    /// <summary>For each output index, the source indices it overlaps and their weights (summing to 1).</summary>
    internal static (int Index, float Weight)[][] Weights(int sourceSize, int outputSize)
    {
        double scale = (double)sourceSize / outputSize;
        var result = new (int, float)[outputSize][];
        var taps = new List<(int, float)>();
        for (int o = 0; o < outputSize; o++)
        {
            double start = o * scale, end = Math.Min(sourceSize, (o + 1) * scale);
            taps.Clear();
            for (int i = (int)Math.Floor(start); i < end && i < sourceSize; i++)
            {
                double overlap = Math.Min(end, i + 1) - Math.Max(start, i);
                if (overlap > 1e-9) taps.Add((i, (float)(overlap / scale)));
            }
            result[o] = taps.ToArray();
        }
        return result;
    }
}
