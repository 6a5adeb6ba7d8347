using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Augmentations;

/// <summary>A crop box in input pixels: rows [Top, Top + Height), columns [Left, Left + Width).</summary>
public readonly record struct CropBox(int Top, int Left, int Height, int Width);

/// <summary>
/// Crops a random part of each image and resizes it to <see cref="OutputHeight"/>×<see cref="OutputWidth"/>
/// (Szegedy et al. 2015; torchvision's <c>RandomResizedCrop</c>). Box sampling follows torchvision exactly
/// (<see cref="SampleBox"/>); the whole batch is then resampled by one bilinear <c>grid_sample</c>
/// (align_corners = false, border padding) whose grid — what <c>affine_grid</c> would give for the box — is built
/// from per-image row and column coordinates. That equals cropping then bilinear resizing, except that samples
/// within half a pixel of a crop edge read the neighbouring input pixels instead of repeating the edge, and that
/// down-scaling is not anti-aliased. A box covering the whole image at the same output size returns the input
/// pixels exactly.
/// <para>Parameter columns: <c>crop_scale</c> (box area / image area), <c>crop_ratio</c> (box width / height),
/// <c>crop_cx</c>, <c>crop_cy</c> (box centre as a fraction of the image width / height, in (0, 1)).</para>
/// </summary>
public sealed class RandomResizedCrop : ImageTransform
{
    /// <summary>Creates the transform; the defaults are torchvision's (scale [0.08, 1], ratio [3/4, 4/3]).</summary>
    /// <param name="height">Output height.</param>
    /// <param name="width">Output width.</param>
    /// <param name="minScale">Smallest box area as a fraction of the image area.</param>
    /// <param name="maxScale">Largest box area fraction.</param>
    /// <param name="minRatio">Smallest aspect ratio (width / height) of the box.</param>
    /// <param name="maxRatio">Largest aspect ratio.</param>
    public RandomResizedCrop(int height, int width, double minScale = 0.08, double maxScale = 1.0, double minRatio = 3.0 / 4.0, double maxRatio = 4.0 / 3.0)
    {
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), $"output size {height}x{width} must be positive");
        if (!(minScale > 0 && minScale <= maxScale)) throw new ArgumentOutOfRangeException(nameof(minScale), $"scale range [{minScale}, {maxScale}] must satisfy 0 < min <= max");
        if (!(minRatio > 0 && minRatio <= maxRatio)) throw new ArgumentOutOfRangeException(nameof(minRatio), $"ratio range [{minRatio}, {maxRatio}] must satisfy 0 < min <= max");
        OutputHeight = height;
        OutputWidth = width;
        MinScale = minScale;
        MaxScale = maxScale;
        MinRatio = minRatio;
        MaxRatio = maxRatio;
    }

    /// <summary>A square output of side <paramref name="size"/>.</summary>
    public RandomResizedCrop(int size, double minScale = 0.08, double maxScale = 1.0, double minRatio = 3.0 / 4.0, double maxRatio = 4.0 / 3.0)
        : this(size, size, minScale, maxScale, minRatio, maxRatio) { }

    /// <summary>Output height in pixels.</summary>
    public int OutputHeight { get; }

    /// <summary>Output width in pixels.</summary>
    public int OutputWidth { get; }

    /// <summary>Smallest box area fraction.</summary>
    public double MinScale { get; }

    /// <summary>Largest box area fraction.</summary>
    public double MaxScale { get; }

    /// <summary>Smallest box aspect ratio (width / height).</summary>
    public double MinRatio { get; }

    /// <summary>Largest box aspect ratio.</summary>
    public double MaxRatio { get; }

    /// <summary>
    /// torchvision's <c>RandomResizedCrop.get_params</c>: up to 10 tries of an area fraction uniform in the scale
    /// range and a log-uniform aspect ratio, rounded to whole pixels and accepted when the box fits; otherwise a
    /// centred box of the whole image with its aspect ratio clamped to the ratio range.
    /// </summary>
    public static CropBox SampleBox(int height, int width, Random random, double minScale, double maxScale, double minRatio, double maxRatio)
    {
        double area = (double)height * width;
        double logMin = Math.Log(minRatio), logMax = Math.Log(maxRatio);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double targetArea = area * (minScale + random.NextDouble() * (maxScale - minScale));
            double aspect = Math.Exp(logMin + random.NextDouble() * (logMax - logMin));
            int w = (int)Math.Round(Math.Sqrt(targetArea * aspect)); // round half to even, as Python's round
            int h = (int)Math.Round(Math.Sqrt(targetArea / aspect));
            if (w > 0 && w <= width && h > 0 && h <= height)
                return new CropBox(random.Next(0, height - h + 1), random.Next(0, width - w + 1), h, w);
        }
        double inRatio = (double)width / height;
        int fw, fh;
        if (inRatio < minRatio) { fw = width; fh = (int)Math.Round(fw / minRatio); }
        else if (inRatio > maxRatio) { fh = height; fw = (int)Math.Round(fh * maxRatio); }
        else { fw = width; fh = height; }
        return new CropBox((height - fh) / 2, (width - fw) / 2, fh, fw);
    }

    /// <inheritdoc />
    protected override Tensor Transform(Tensor images, Random random, ViewParameters? parameters)
    {
        int n = (int)images.size(0), height = (int)images.size(2), width = (int)images.size(3);
        var boxes = new CropBox[n];
        for (int i = 0; i < n; i++) boxes[i] = SampleBox(height, width, random, MinScale, MaxScale, MinRatio, MaxRatio);
        if (parameters is not null) Record(boxes, height, width, parameters);
        return Crop(images, boxes, OutputHeight, OutputWidth);
    }

    /// <summary>Writes the parameter columns of <paramref name="boxes"/> (see the class remarks).</summary>
    public static void Record(IReadOnlyList<CropBox> boxes, int height, int width, ViewParameters parameters)
    {
        int n = boxes.Count;
        float[] scale = new float[n], ratio = new float[n], cx = new float[n], cy = new float[n];
        for (int i = 0; i < n; i++)
        {
            var b = boxes[i];
            scale[i] = (float)((double)b.Height * b.Width / ((double)height * width));
            ratio[i] = (float)((double)b.Width / b.Height);
            cx[i] = (float)((b.Left + b.Width / 2.0) / width);
            cy[i] = (float)((b.Top + b.Height / 2.0) / height);
        }
        parameters.Add("crop_scale", scale);
        parameters.Add("crop_ratio", ratio);
        parameters.Add("crop_cx", cx);
        parameters.Add("crop_cy", cy);
    }

    /// <summary>
    /// Crops each image to its box and resizes it to <paramref name="outputHeight"/>×<paramref name="outputWidth"/>,
    /// in one grid sample for the batch. Boxes may extend outside the image (border pixels are repeated).
    /// </summary>
    public static Tensor Crop(Tensor images, IReadOnlyList<CropBox> boxes, int outputHeight, int outputWidth)
    {
        int n = (int)images.size(0), height = (int)images.size(2), width = (int)images.size(3);
        if (boxes.Count != n) throw new ArgumentException($"{boxes.Count} boxes for {n} images", nameof(boxes));
        // The sampling grid of an axis-aligned box is separable: x depends on the output column only, y on the row.
        // Output column o samples input pixel left + (o + 0.5) * w / W' - 0.5, i.e. normalised x = (2 left + (2o + 1) w / W') / W - 1
        // (align_corners = false). Built on the host as (N, W') and (N, H') vectors, broadcast on the device.
        var xs = new float[n * outputWidth];
        var ys = new float[n * outputHeight];
        var identity = new bool[n];
        for (int i = 0; i < n; i++)
        {
            var b = boxes[i];
            if (b.Height < 1 || b.Width < 1) throw new ArgumentException($"box {i} ({b}) is empty", nameof(boxes));
            for (int o = 0; o < outputWidth; o++)
                xs[i * outputWidth + o] = (float)((2.0 * b.Left + (2.0 * o + 1) * b.Width / outputWidth) / width - 1);
            for (int o = 0; o < outputHeight; o++)
                ys[i * outputHeight + o] = (float)((2.0 * b.Top + (2.0 * o + 1) * b.Height / outputHeight) / height - 1);
            identity[i] = b.Top == 0 && b.Left == 0 && b.Height == height && b.Width == width && outputHeight == height && outputWidth == width;
        }
        var device = images.device;
        Tensor output;
        using (var x = torch.tensor(xs, [n, 1, outputWidth], device: device))
        using (var y = torch.tensor(ys, [n, outputHeight, 1], device: device))
        using (var xGrid = x.expand(n, outputHeight, outputWidth))
        using (var yGrid = y.expand(n, outputHeight, outputWidth))
        using (var grid = torch.stack([xGrid, yGrid], 3))
            output = nn.functional.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);
        if (Array.IndexOf(identity, true) < 0) return output;
        // Bilinear sampling at exact pixel centres is off by float rounding; identity boxes return the input as is.
        using (output)
        using (var mask = torch.tensor(identity, [n, 1, 1, 1], device: device))
            return torch.where(mask, images, output);
    }
}
