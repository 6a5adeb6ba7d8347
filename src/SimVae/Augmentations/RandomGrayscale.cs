using static TorchSharp.torch;

namespace SimVae.Augmentations;

/// <summary>
/// Converts each image to gray with probability <see cref="P"/>, keeping its channel count (torchvision's
/// <c>RandomGrayscale</c>; luma 0.2989 R + 0.587 G + 0.114 B). Gray inputs are unchanged.
/// Parameter column: <c>grayscale</c> (1 = converted).
/// </summary>
public sealed class RandomGrayscale(double p = 0.1) : ImageTransform
{
    /// <summary>Probability of converting an image.</summary>
    public double P { get; } = CheckProbability(p, nameof(p));

    /// <inheritdoc />
    protected override Tensor Transform(Tensor images, Random random, ViewParameters? parameters)
    {
        var flags = Draw(random, (int)images.size(0), P);
        parameters?.Add("grayscale", AsFloats(flags));
        if (images.size(1) == 1) return images;
        return Select(flags, () =>
        {
            using var gray = ColorOps.Grayscale(images);
            return gray.expand(images.shape).contiguous();
        }, images);
    }
}
