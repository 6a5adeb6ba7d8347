using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Augmentations;

/// <summary>
/// Blurs each image with probability <see cref="P"/> by a Gaussian of standard deviation uniform in
/// [<see cref="MinSigma"/>, <see cref="MaxSigma"/>] pixels (torchvision's <c>GaussianBlur</c>; SimCLR uses a kernel of
/// about 10% of the image side, σ in [0.1, 2]). Reflect padding; one grouped separable convolution for the batch.
/// Parameter column: <c>blur_sigma</c> (0 = not blurred).
/// </summary>
public sealed class GaussianBlur : ImageTransform
{
    /// <summary>Creates the transform.</summary>
    /// <param name="kernelSize">Odd kernel side in pixels (≥ 3).</param>
    /// <param name="minSigma">Smallest standard deviation in pixels (&gt; 0).</param>
    /// <param name="maxSigma">Largest standard deviation.</param>
    /// <param name="p">Probability of blurring an image.</param>
    public GaussianBlur(int kernelSize, double minSigma = 0.1, double maxSigma = 2.0, double p = 1.0)
    {
        if (kernelSize < 3 || kernelSize % 2 == 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "must be odd and at least 3");
        if (!(minSigma > 0 && minSigma <= maxSigma)) throw new ArgumentOutOfRangeException(nameof(minSigma), $"sigma range [{minSigma}, {maxSigma}] must satisfy 0 < min <= max");
        KernelSize = kernelSize;
        MinSigma = minSigma;
        MaxSigma = maxSigma;
        P = CheckProbability(p, nameof(p));
    }

    /// <summary>Kernel side in pixels.</summary>
    public int KernelSize { get; }

    /// <summary>Smallest standard deviation.</summary>
    public double MinSigma { get; }

    /// <summary>Largest standard deviation.</summary>
    public double MaxSigma { get; }

    /// <summary>Probability of blurring an image.</summary>
    public double P { get; }

    /// <inheritdoc />
    protected override Tensor Transform(Tensor images, Random random, ViewParameters? parameters)
    {
        int n = (int)images.size(0), c = (int)images.size(1), h = (int)images.size(2), w = (int)images.size(3);
        var flags = Draw(random, n, P);
        var sigmas = new float[n];
        for (int i = 0; i < n; i++) sigmas[i] = flags[i] ? (float)(MinSigma + random.NextDouble() * (MaxSigma - MinSigma)) : 0f;
        parameters?.Add("blur_sigma", sigmas);
        if (Array.IndexOf(flags, true) < 0) return images;
        int k = KernelSize, pad = k / 2;
        if (pad >= h || pad >= w) throw new ArgumentException($"kernel {k} is too large for {h}x{w} images (reflect padding needs kernel/2 < side)");
        var kernels = new float[n * c * k];
        for (int i = 0; i < n; i++)
        {
            var row = kernels.AsSpan(i * c * k, k);
            if (!flags[i]) row[pad] = 1f; // a delta: unblurred images pass through exactly
            else
            {
                double sum = 0;
                for (int t = 0; t < k; t++) sum += Math.Exp(-0.5 * Math.Pow((t - pad) / (double)sigmas[i], 2));
                for (int t = 0; t < k; t++) row[t] = (float)(Math.Exp(-0.5 * Math.Pow((t - pad) / (double)sigmas[i], 2)) / sum);
            }
            for (int ch = 1; ch < c; ch++) row.CopyTo(kernels.AsSpan((i * c + ch) * k, k));
        }
        var device = images.device;
        var vertical = torch.tensor(kernels, [n * c, 1, k, 1], device: device);
        var horizontal = torch.tensor(kernels, [n * c, 1, 1, k], device: device);
        var padded = nn.functional.pad(images, [pad, pad, pad, pad], PaddingModes.Reflect).reshape(1, n * c, h + 2 * pad, w + 2 * pad);
        var blurred = nn.functional.conv2d(nn.functional.conv2d(padded, vertical, groups: n * c), horizontal, groups: n * c);
        return blurred.reshape(n, c, h, w);
    }
}
