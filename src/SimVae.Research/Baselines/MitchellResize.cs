using static TorchSharp.torch;

namespace SimVae.Research.Baselines;

/// <summary>
/// The resize of ML.NET's <c>ResizeImages</c> with its default (IsoCrop, centre anchor): the image is scaled by
/// max(outH / H, outW / W), centred, and cropped, sampled with the Mitchell–Netravali cubic (B = C = 1/3) that
/// <c>MLImage</c> draws with through SkiaSharp, edges clamped. Done as two matrix products (rows, then columns), so the
/// baseline needs no ImageAnalytics (whose SkiaSharp 2.88 build cannot run beside ScottPlot's SkiaSharp 3).
/// </summary>
public static class MitchellResize
{
    /// <summary>Resizes (n, C, H, W) images to (n, C, <paramref name="height"/>, <paramref name="width"/>).</summary>
    public static Tensor Apply(Tensor images, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(images);
        int inHeight = (int)images.shape[2], inWidth = (int)images.shape[3];
        double scale = Math.Max((double)height / inHeight, (double)width / inWidth);
        using var rows = tensor(Weights(inHeight, height, scale), [height, inHeight], dtype: images.dtype, device: images.device);
        using var columns = tensor(Weights(inWidth, width, scale), [width, inWidth], dtype: images.dtype, device: images.device);
        using var tall = matmul(rows, images);
        return matmul(tall, columns.t());
    }

    /// <summary>
    /// The (output × input) sampling weights along one axis. MLImage draws the image into a destination of
    /// (int)(inputs · scale) pixels at offset (int)((outputs − inputs · scale) / 2) (negative when cropped), so output
    /// pixel i's centre maps to input coordinate (i + ½ − offset) · inputs / extent − ½.
    /// </summary>
    internal static float[] Weights(int inputs, int outputs, double scale)
    {
        int extent = (int)(inputs * scale), offset = (int)((outputs - inputs * scale) / 2);
        var weights = new float[outputs * inputs];
        for (int i = 0; i < outputs; i++)
        {
            double u = (i + 0.5 - offset) * inputs / extent - 0.5;
            int first = (int)Math.Floor(u) - 1;
            for (int j = first; j < first + 4; j++)
                weights[i * inputs + Math.Clamp(j, 0, inputs - 1)] += (float)Mitchell(u - j);
        }
        return weights;
    }

    /// <summary>The Mitchell–Netravali kernel with B = C = 1/3 (Mitchell and Netravali 1988, eq. 8).</summary>
    internal static double Mitchell(double x)
    {
        const double b = 1.0 / 3, c = 1.0 / 3;
        x = Math.Abs(x);
        if (x < 1) return ((12 - 9 * b - 6 * c) * x * x * x + (-18 + 12 * b + 6 * c) * x * x + (6 - 2 * b)) / 6;
        if (x < 2) return ((-b - 6 * c) * x * x * x + (6 * b + 30 * c) * x * x + (-12 * b - 48 * c) * x + (8 * b + 24 * c)) / 6;
        return 0;
    }
}
