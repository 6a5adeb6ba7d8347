namespace SimVae.Data;

/// <summary>Options of <see cref="SyntheticShapes"/>; the defaults give 28×28 gray images like FashionMNIST.</summary>
public sealed record SyntheticShapesOptions
{
    /// <summary>Number of images (default 10,000). Class of image i is i mod 10, so classes are balanced.</summary>
    public int Count { get; init; } = 10_000;

    /// <summary>Image side in pixels (default 28; at least 8).</summary>
    public int Size { get; init; } = 28;

    /// <summary>Seed: the same seed and options give the same images and labels, bit for bit.</summary>
    public int Seed { get; init; } = 0;

    /// <summary>Number of equal-width bins each style factor's label is cut into (default 3).</summary>
    public int Bins { get; init; } = 3;
}

/// <summary>
/// A synthetic content/style data set generated deterministically from a seed: each gray image shows one of
/// 10 procedurally drawn shapes (the content class) under independently, uniformly sampled style factors. Every
/// factor is exposed twice: its continuous value in <see cref="ImageDataset.FactorColumns"/> and a label in
/// <see cref="ImageDataset.LabelColumns"/> that cuts its range into <see cref="SyntheticShapesOptions.Bins"/>
/// equal-width bins (label = ⌊(value − min) / (max − min) · bins⌋, 0 ≤ label &lt; bins).
/// <list type="table">
/// <listheader><term>factor</term><description>range, meaning</description></listheader>
/// <item><term><c>position_x</c></term><description>[0.38, 0.62): shape centre, fraction of the width from the left.</description></item>
/// <item><term><c>position_y</c></term><description>[0.38, 0.62): shape centre, fraction of the height from the top.</description></item>
/// <item><term><c>scale</c></term><description>[0.20, 0.30): shape radius as a fraction of the image side.</description></item>
/// <item><term><c>rotation</c></term><description>[−45, 45) degrees, counter-clockwise. Only identifiable for shapes without a
/// symmetry inside that range: the disk and ring are rotation invariant, the star repeats every 72°, the triangle every 120°.</description></item>
/// <item><term><c>intensity</c></term><description>[0.6, 1.0): gray level of the shape.</description></item>
/// <item><term><c>background</c></term><description>[0.0, 0.3): gray level of the background.</description></item>
/// </list>
/// Shapes (class = index): 0 disk, 1 square, 2 triangle, 3 plus, 4 ring, 5 star, 6 L, 7 T, 8 crescent, 9 frame
/// (hollow square). Pixels are anti-aliased by 3×3 supersampling and stored as uint8.
/// </summary>
public static class SyntheticShapes
{
    /// <summary>The content class names, index = label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = ["disk", "square", "triangle", "plus", "ring", "star", "L", "T", "crescent", "frame"];

    /// <summary>The style factors in label-column order, with their ranges [Min, Max).</summary>
    public static IReadOnlyList<(string Name, double Min, double Max)> Factors { get; } =
    [
        ("position_x", 0.38, 0.62),
        ("position_y", 0.38, 0.62),
        ("scale", 0.20, 0.30),
        ("rotation", -45.0, 45.0),
        ("intensity", 0.6, 1.0),
        ("background", 0.0, 0.3),
    ];

    private const int Supersample = 3;

    /// <summary>Generates the data set (in parallel; the result does not depend on the thread count).</summary>
    public static ImageDataset Generate(SyntheticShapesOptions? options = null)
    {
        options ??= new SyntheticShapesOptions();
        if (options.Count < 0) throw new ArgumentOutOfRangeException(nameof(options), options.Count, "Count must not be negative");
        if (options.Size is < 8 or > 1024) throw new ArgumentOutOfRangeException(nameof(options), options.Size, "Size must be 8..1024");
        if (options.Bins < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Bins, "Bins must be at least 1");
        int n = options.Count, size = options.Size;
        if ((long)n * size * size > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(options), options.Count,
                $"{n:N0} images of {size}x{size} would need {(long)n * size * size:N0} bytes, more than the {Array.MaxLength:N0} one data set can hold; generate fewer or smaller images");
        var pixels = new byte[(long)n * size * size];
        var labels = new int[n];
        var values = Factors.Select(_ => new float[n]).ToArray();
        var bins = Factors.Select(_ => new int[n]).ToArray();
        Parallel.For(0, n, i =>
        {
            var random = new Random(Seeds.Derive(options.Seed, i));
            int shape = i % 10;
            labels[i] = shape;
            var f = new double[Factors.Count];
            for (int k = 0; k < f.Length; k++)
            {
                var (_, min, max) = Factors[k];
                f[k] = min + random.NextDouble() * (max - min);
                values[k][i] = (float)f[k];
                bins[k][i] = Math.Clamp((int)Math.Floor((f[k] - min) / (max - min) * options.Bins), 0, options.Bins - 1);
            }
            Render(pixels.AsSpan(i * size * size, size * size), size, shape, f[0], f[1], f[2], f[3], f[4], f[5]);
        });
        return new ImageDataset(pixels, n, 1, size, size, labels, ClassNames,
            Factors.Select((x, k) => (x.Name, bins[k])).ToDictionary(p => p.Name, p => p.Item2),
            Factors.Select((x, k) => (x.Name, values[k])).ToDictionary(p => p.Name, p => p.Item2),
            $"SyntheticShapes(seed {options.Seed}, {n} images)");
    }

    private static void Render(Span<byte> image, int size, int shape, double cx, double cy, double scale, double rotationDeg,
        double intensity, double background)
    {
        double radius = scale * size, angle = rotationDeg * Math.PI / 180;
        double cos = Math.Cos(angle), sin = Math.Sin(angle);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int inside = 0;
                for (int sy = 0; sy < Supersample; sy++)
                    for (int sx = 0; sx < Supersample; sx++)
                    {
                        // Sample point relative to the centre, in units of the radius; y grows downwards.
                        double dx = (x + (sx + 0.5) / Supersample - cx * size) / radius;
                        double dy = (y + (sy + 0.5) / Supersample - cy * size) / radius;
                        // Undo a counter-clockwise rotation (on screen, with y pointing down).
                        double u = cos * dx - sin * dy, v = sin * dx + cos * dy;
                        if (Inside(shape, u, v)) inside++;
                    }
                double coverage = inside / (double)(Supersample * Supersample);
                double value = background + coverage * (intensity - background);
                image[y * size + x] = (byte)Math.Clamp(Math.Round(value * 255), 0, 255);
            }
    }

    private static readonly (double X, double Y)[] Triangle = [(0, -1), (0.866, 0.5), (-0.866, 0.5)];
    private static readonly (double X, double Y)[] Star = Enumerable.Range(0, 10)
        .Select(k => (R: k % 2 == 0 ? 1.0 : 0.42, A: -Math.PI / 2 + k * Math.PI / 5))
        .Select(p => (p.R * Math.Cos(p.A), p.R * Math.Sin(p.A))).ToArray();
    private static readonly (double X, double Y)[] LShape = [(-0.7, -1), (-0.2, -1), (-0.2, 0.5), (0.7, 0.5), (0.7, 1), (-0.7, 1)];
    private static readonly (double X, double Y)[] TShape = [(-1, -1), (1, -1), (1, -0.5), (0.25, -0.5), (0.25, 1), (-0.25, 1), (-0.25, -0.5), (-1, -0.5)];

    private static bool Inside(int shape, double u, double v)
    {
        double r2 = u * u + v * v, au = Math.Abs(u), av = Math.Abs(v);
        return shape switch
        {
            0 => r2 <= 1,
            1 => au <= 0.8 && av <= 0.8,
            2 => InPolygon(Triangle, u, v),
            3 => (au <= 0.3 && av <= 1) || (av <= 0.3 && au <= 1),
            4 => r2 <= 1 && r2 >= 0.55 * 0.55,
            5 => InPolygon(Star, u, v),
            6 => InPolygon(LShape, u, v),
            7 => InPolygon(TShape, u, v),
            8 => r2 <= 1 && (u - 0.45) * (u - 0.45) + v * v > 0.75 * 0.75,
            9 => au <= 0.85 && av <= 0.85 && !(au <= 0.5 && av <= 0.5),
            _ => false,
        };
    }

    // Even-odd ray casting.
    private static bool InPolygon((double X, double Y)[] polygon, double x, double y)
    {
        bool inside = false;
        for (int i = 0, j = polygon.Length - 1; i < polygon.Length; j = i++)
        {
            var (xi, yi) = polygon[i];
            var (xj, yj) = polygon[j];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
        }
        return inside;
    }
}
