using System.Diagnostics;
using SimVae.Data;
using SimVae.Featurization;
using static TorchSharp.torch;

namespace SimVae.Research.Baselines;

/// <summary>
/// The baselines of one comparison, each created once and its features of each image set computed once: a baseline has
/// no training, so only its probes depend on the seed, and ResNet-18 featurizes ~30 rows/s on a CPU (ten minutes per seed
/// for FashionMNIST's tasks). The featurizing speed reported for every seed is the one measured when the features were computed.
/// </summary>
internal sealed class BaselineFeatureCache : IDisposable
{
    private readonly Dictionary<string, CachedBaseline> baselines = [];

    /// <summary>The baseline called <paramref name="name"/>, created on first use.</summary>
    public CachedBaseline Get(string name)
    {
        if (!baselines.TryGetValue(name, out var baseline)) baselines[name] = baseline = new CachedBaseline(BaselineFeatures.Create(name));
        return baseline;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var baseline in baselines.Values) baseline.Dispose();
        baselines.Clear();
    }
}

/// <summary>A baseline whose features of an image set (by reference) are computed once; batches of tensors (the augmented views) are not cached.</summary>
internal sealed class CachedBaseline(BaselineFeatures baseline) : IFeatureSource
{
    private readonly Dictionary<ImageDataset, (FeatureMatrix Features, double Seconds)> computed = new(ReferenceEqualityComparer.Instance);

    /// <inheritdoc/>
    public string ViewAugmentation => baseline.ViewAugmentation;

    /// <inheritdoc/>
    public FeatureMatrix Transform(ImageDataset images)
    {
        if (!computed.TryGetValue(images, out var entry))
        {
            var clock = Stopwatch.StartNew();
            computed[images] = entry = (baseline.Transform(images), clock.Elapsed.TotalSeconds);
        }
        return entry.Features;
    }

    /// <summary>Rows per second when the features of <paramref name="sets"/> were computed.</summary>
    public double RowsPerSecond(params ImageDataset[] sets) =>
        sets.Sum(s => s.Count) / Math.Max(sets.Sum(s => computed[s].Seconds), 1e-9);

    /// <inheritdoc/>
    public FeatureMatrix Transform(Tensor images) => baseline.Transform(images);

    /// <inheritdoc/>
    public void Dispose() => baseline.Dispose();
}
