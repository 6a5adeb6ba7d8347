using SimVae.Data;
using SimVae.Featurization;
using static TorchSharp.torch;

namespace SimVae.Research;

/// <summary>
/// What turns a comparison's images into the features its probes see: a trained model's <see cref="Featurizer"/>
/// (<see cref="TrainedFeatures"/>) or a baseline that needs no training (<see cref="Baselines.BaselineFeatures"/>).
/// </summary>
public interface IFeatureSource : IDisposable
{
    /// <summary>The augmentation preset (<see cref="Augmentations.AugmentationNames"/>) whose two views measure view invariance.</summary>
    string ViewAugmentation { get; }

    /// <summary>Features of every image of <paramref name="images"/>, one row per image.</summary>
    FeatureMatrix Transform(ImageDataset images);

    /// <summary>Features of a batch of images (n, C, H, W) with values in [0, 1].</summary>
    FeatureMatrix Transform(Tensor images);
}

/// <summary>The features of a trained model: its <see cref="Featurizer"/>; views use the model's training augmentation.</summary>
/// <param name="featurizer">The model's featurizer (disposed with this).</param>
public sealed class TrainedFeatures(Featurizer featurizer) : IFeatureSource
{
    /// <inheritdoc/>
    public string ViewAugmentation => featurizer.Options.Augmentation;

    /// <inheritdoc/>
    public FeatureMatrix Transform(ImageDataset images) => featurizer.Transform(images);

    /// <inheritdoc/>
    public FeatureMatrix Transform(Tensor images) => featurizer.Transform(images);

    /// <inheritdoc/>
    public void Dispose() => featurizer.Dispose();
}
