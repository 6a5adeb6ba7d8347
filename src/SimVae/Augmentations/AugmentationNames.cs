namespace SimVae.Augmentations;

/// <summary>Resolves the augmentation preset names used in method options.</summary>
public static class AugmentationNames
{
    /// <summary>The preset names <see cref="Create"/> accepts.</summary>
    public static readonly IReadOnlyList<string> Known = ["simvae-fashion-mnist", "simvae-cifar10", "simclr", "none"];

    /// <summary>The J-view transform for a preset name at the given image size.</summary>
    public static MultiViewTransform? Create(string name, int size, int views) => name switch
    {
        "simvae-fashion-mnist" => AugmentationPresets.MultiView(AugmentationPresets.SimVaeFashionMnist(size), views),
        "simvae-cifar10" => AugmentationPresets.MultiView(AugmentationPresets.SimVaeCifar10(size), views),
        "simclr" => AugmentationPresets.MultiView(AugmentationPresets.SimClr(size), views),
        "none" => null,
        _ => throw new ArgumentException($"unknown augmentation '{name}'; expected one of {string.Join(", ", Known)}", nameof(name)),
    };

    /// <summary>
    /// The transform a training loader uses: <see cref="Create"/>'s, except that "none" with J &gt; 1 gives J copies
    /// of each image (the model reads J·N view-major rows; without copies it would pair different images).
    /// </summary>
    public static MultiViewTransform? ForTraining(string name, int size, int views) =>
        Create(name, size, views) ?? (views > 1 ? new MultiViewTransform(new Compose(), views) : null);
}
