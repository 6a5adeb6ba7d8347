using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Linear = SimVae.Engine.Linear;

namespace SimVae.Backbones;

/// <summary>
/// The projection heads of BYOL, MoCo v2, Barlow Twins and DINO: Linear layers of the given widths with (optionally)
/// BatchNorm1d and an activation between them, nothing after the last, as a <see cref="Sequential"/>.
/// </summary>
public static class ProjectionHead
{
    /// <summary>Linear(widths[0]→widths[1]) [BN] act … Linear(widths[^2]→widths[^1]).</summary>
    /// <param name="widths">Input width, hidden widths, output width.</param>
    /// <param name="batchNorm">Put BatchNorm1d after each hidden Linear (BYOL, Barlow Twins).</param>
    /// <param name="gelu">GELU instead of ReLU between layers (DINO).</param>
    /// <param name="lastBias">Whether the last Linear has a bias.</param>
    public static Sequential Create(long[] widths, bool batchNorm = false, bool gelu = false, bool lastBias = true)
    {
        ArgumentNullException.ThrowIfNull(widths);
        if (widths.Length < 2 || widths.Any(w => w < 1))
            throw new ArgumentException($"a head needs positive input and output widths: [{string.Join(", ", widths)}]", nameof(widths));
        var layers = new List<nn.Module<Tensor, Tensor>>();
        for (int k = 0; k + 1 < widths.Length; k++)
        {
            bool last = k + 2 == widths.Length;
            layers.Add(new Linear(widths[k], widths[k + 1], hasBias: !last || lastBias));
            if (last) break;
            if (batchNorm) layers.Add(nn.BatchNorm1d(widths[k + 1]));
            layers.Add(gelu ? nn.GELU() : nn.ReLU());
        }
        return nn.Sequential(layers);
    }
}
