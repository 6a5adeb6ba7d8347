using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Augmentations;

/// <summary>
/// Inverts the pixels at or above <see cref="Threshold"/> (x → 1 − x) of each image with probability <see cref="P"/>
/// (torchvision's <c>RandomSolarize</c>; BYOL uses threshold 0.5). Parameter column: <c>solarize</c> (1 = applied).
/// </summary>
public sealed class Solarize : ImageTransform
{
    /// <summary>Creates the transform.</summary>
    /// <param name="threshold">Pixels ≥ threshold are inverted (in [0, 1]).</param>
    /// <param name="p">Probability of solarizing an image.</param>
    public Solarize(double threshold = 0.5, double p = 0.2)
    {
        if (threshold is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "must be within [0, 1]");
        Threshold = threshold;
        P = CheckProbability(p, nameof(p));
    }

    /// <summary>Inversion threshold.</summary>
    public double Threshold { get; }

    /// <summary>Probability of solarizing an image.</summary>
    public double P { get; }

    /// <inheritdoc />
    protected override Tensor Transform(Tensor images, Random random, ViewParameters? parameters)
    {
        var flags = Draw(random, (int)images.size(0), P);
        parameters?.Add("solarize", AsFloats(flags));
        return Select(flags, () =>
        {
            using var above = images.ge(Threshold);
            using var inverted = 1.0 - images;
            return torch.where(above, inverted, images);
        }, images);
    }
}
