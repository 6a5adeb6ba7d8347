namespace SimVae.Augmentations;

/// <summary>
/// The augmentation pipelines of the methods this library implements, with their papers' settings.
/// Each returns a single-view transform; wrap it in <see cref="MultiViewTransform"/> for J views
/// (or use <see cref="MultiView"/>).
/// </summary>
public static class AugmentationPresets
{
    /// <summary>
    /// SimVAE's FashionMNIST/MNIST augmentations (Bizeul, Schölkopf, Allen 2024, authors' code):
    /// RandomResizedCrop(size, scale [0.4, 1], ratio [0.75, 1.3]) then RandomVerticalFlip(0.5);
    /// no horizontal flip, no colour jitter.
    /// </summary>
    public static Compose SimVaeFashionMnist(int size = 28) => new(
        new RandomResizedCrop(size, minScale: 0.4, maxScale: 1.0, minRatio: 0.75, maxRatio: 1.3),
        new RandomVerticalFlip(0.5));

    /// <summary>
    /// SimVAE's CIFAR-10 augmentations (authors' code): ColorJitter(brightness 0.8, contrast 0.8, saturation 0.8,
    /// hue 0.2) then RandomResizedCrop(size, scale [0.6, 1], torchvision's default ratio [3/4, 4/3]).
    /// </summary>
    public static Compose SimVaeCifar10(int size = 32) => new(
        new ColorJitter(brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.2),
        new RandomResizedCrop(size, minScale: 0.6, maxScale: 1.0));

    /// <summary>
    /// SimCLR's augmentations (Chen et al. 2020): RandomResizedCrop(size, scale [0.08, 1]), horizontal flip (0.5),
    /// ColorJitter(0.4, 0.4, 0.4, 0.1) with probability 0.8, RandomGrayscale(0.2), and — for images of 64 pixels or
    /// more unless <paramref name="blur"/> says otherwise — GaussianBlur (kernel ≈ 10% of the side, odd; σ in
    /// [0.1, 2]; p = 0.5). The SimCLR paper omits blur on CIFAR-10's 32×32 images.
    /// </summary>
    public static Compose SimClr(int size = 32, bool? blur = null)
    {
        var steps = new List<IImageTransform>
        {
            new RandomResizedCrop(size, minScale: 0.08, maxScale: 1.0),
            new RandomHorizontalFlip(0.5),
            new ColorJitter(0.4, 0.4, 0.4, 0.1, p: 0.8),
            new RandomGrayscale(0.2),
        };
        if (blur ?? size >= 64)
        {
            int kernel = Math.Max(3, (int)(0.1 * size) | 1);
            steps.Add(new GaussianBlur(kernel, 0.1, 2.0, p: 0.5));
        }
        return new Compose(steps.ToArray());
    }

    /// <summary>A <see cref="MultiViewTransform"/> producing <paramref name="views"/> views with <paramref name="transform"/>.</summary>
    public static MultiViewTransform MultiView(IImageTransform transform, int views = 2) => new(transform, views);
}
