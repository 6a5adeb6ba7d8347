using SimVae.Data;
using SimVae.Featurization;
using SimVae.Methods;
using static TorchSharp.torch;

namespace SimVae.Research.Baselines;

/// <summary>
/// The comparison's baselines: methods that need no training, featurizing the same images for the same probes.
/// <c>pixels</c>: the raw pixels scaled to [0, 1] (<see cref="PixelFeatures"/>); <c>resnet18</c>: ML.NET's pretrained
/// ResNet-18 featurizer (<see cref="ResNet18Features"/>). Their view invariance is measured with SimVAE's default
/// augmentation.
/// </summary>
public abstract class BaselineFeatures : IFeatureSource
{
    /// <summary>The baselines' names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["pixels", "resnet18"];

    /// <summary>A baseline by name.</summary>
    /// <exception cref="ArgumentException">Not a baseline.</exception>
    public static BaselineFeatures Create(string name) => name switch
    {
        "pixels" => new PixelFeatures(),
        "resnet18" => new ResNet18Features(),
        _ => throw new ArgumentException($"unknown baseline '{name}'; expected one of {string.Join(", ", Names)}", nameof(name)),
    };

    /// <inheritdoc/>
    public string ViewAugmentation => SslMethods.Defaults("simvae").Augmentation;

    /// <inheritdoc/>
    public FeatureMatrix Transform(ImageDataset images)
    {
        ArgumentNullException.ThrowIfNull(images);
        const int batch = 1024;
        var parts = new List<FeatureMatrix>();
        for (int start = 0; start < images.Count; start += batch)
        {
            using var scope = NewDisposeScope();
            parts.Add(Transform(images.ToTensor(Enumerable.Range(start, Math.Min(batch, images.Count - start)).ToArray())));
        }
        int columns = parts.Count == 0 ? 0 : parts[0].Columns;
        return new FeatureMatrix(parts.SelectMany(p => p.Values).ToArray(), images.Count, columns);
    }

    /// <inheritdoc/>
    public abstract FeatureMatrix Transform(Tensor images);

    /// <inheritdoc/>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
