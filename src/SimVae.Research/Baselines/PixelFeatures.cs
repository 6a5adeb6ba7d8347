using SimVae.Featurization;
using static TorchSharp.torch;

namespace SimVae.Research.Baselines;

/// <summary>The raw-pixel baseline: each image's C·H·W pixels in [0, 1], one row per image.</summary>
public sealed class PixelFeatures : BaselineFeatures
{
    /// <inheritdoc/>
    public override FeatureMatrix Transform(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        int n = (int)images.shape[0], columns = (int)(images.numel() / Math.Max(1, n));
        using var flat = images.reshape(n, columns).to(float32).cpu().contiguous();
        return new FeatureMatrix(flat.data<float>().ToArray(), n, columns);
    }
}
