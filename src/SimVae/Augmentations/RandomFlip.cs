using static TorchSharp.torch;

namespace SimVae.Augmentations;

/// <summary>
/// Mirrors each image left–right with probability <see cref="P"/> (torchvision's <c>RandomHorizontalFlip</c>).
/// Exact (a flip, no resampling). Parameter column: <c>hflip</c> (1 = flipped).
/// </summary>
public sealed class RandomHorizontalFlip(double p = 0.5) : ImageTransform
{
    /// <summary>Probability of flipping an image.</summary>
    public double P { get; } = CheckProbability(p, nameof(p));

    /// <inheritdoc />
    protected override Tensor Transform(Tensor images, Random random, ViewParameters? parameters)
    {
        var flags = Draw(random, (int)images.size(0), P);
        parameters?.Add("hflip", AsFloats(flags));
        return Select(flags, () => images.flip(3), images);
    }
}

/// <summary>
/// Mirrors each image top–bottom with probability <see cref="P"/> (torchvision's <c>RandomVerticalFlip</c>).
/// Exact. Parameter column: <c>vflip</c> (1 = flipped).
/// </summary>
public sealed class RandomVerticalFlip(double p = 0.5) : ImageTransform
{
    /// <summary>Probability of flipping an image.</summary>
    public double P { get; } = CheckProbability(p, nameof(p));

    /// <inheritdoc />
    protected override Tensor Transform(Tensor images, Random random, ViewParameters? parameters)
    {
        var flags = Draw(random, (int)images.size(0), P);
        parameters?.Add("vflip", AsFloats(flags));
        return Select(flags, () => images.flip(2), images);
    }
}
