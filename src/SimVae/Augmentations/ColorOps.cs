using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Augmentations;

/// <summary>Batched colour adjustments with per-image factors (N, 1, 1, 1), following torchvision's tensor functions.</summary>
internal static class ColorOps
{
    // ITU-R 601-2 luma, as torchvision's rgb_to_grayscale.
    private static readonly float[] LumaWeights = [0.2989f, 0.587f, 0.114f];

    /// <summary>Gray (N, 1, H, W) of RGB or gray images.</summary>
    internal static Tensor Grayscale(Tensor images)
    {
        if (images.size(1) == 1) return images.alias();
        using var weights = torch.tensor(LumaWeights, [1, 3, 1, 1], device: images.device);
        using var weighted = images * weights;
        return weighted.sum(1, keepdim: true);
    }

    /// <summary>factor·a + (1 − factor)·b, clamped to [0, 1] (torchvision's _blend). Factor 1 returns a exactly.</summary>
    internal static Tensor Blend(Tensor a, Tensor b, Tensor factor)
    {
        using var rest = 1.0 - factor;
        using var fb = b * rest;
        return (a * factor).add_(fb).clamp_(0, 1);
    }

    internal static Tensor Brightness(Tensor images, Tensor factor) => (images * factor).clamp_(0, 1);

    internal static Tensor Contrast(Tensor images, Tensor factor)
    {
        using var gray = Grayscale(images);
        using var mean = gray.mean([1, 2, 3], keepdim: true);
        return Blend(images, mean, factor);
    }

    internal static Tensor Saturation(Tensor images, Tensor factor)
    {
        using var gray = Grayscale(images);
        return Blend(images, gray, factor);
    }

    /// <summary>Shifts the hue (in turns, [−0.5, 0.5]) through HSV, as torchvision's adjust_hue. RGB only.</summary>
    internal static Tensor Hue(Tensor images, Tensor shift)
    {
        using var scope = NewDisposeScope();
        var r = images.narrow(1, 0, 1);
        var g = images.narrow(1, 1, 1);
        var b = images.narrow(1, 2, 1);
        var maxc = images.amax([1], keepdim: true);
        var minc = images.amin([1], keepdim: true);
        var eqc = maxc.eq(minc);
        var cr = maxc - minc;
        var ones = torch.ones_like(maxc);
        var s = cr / torch.where(eqc, ones, maxc);
        var crDivisor = torch.where(eqc, ones, cr);
        var rc = (maxc - r) / crDivisor;
        var gc = (maxc - g) / crDivisor;
        var bc = (maxc - b) / crDivisor;
        var isR = maxc.eq(r);
        var isG = maxc.eq(g).logical_and(isR.logical_not());
        var isB = isR.logical_or(isG).logical_not();
        var zeros = torch.zeros_like(maxc);
        var h = torch.where(isR, bc - gc, zeros) + torch.where(isG, 2.0 + rc - bc, zeros) + torch.where(isB, 4.0 + gc - rc, zeros);
        // h/6 + 1 wrapped to [0, 1), then shifted and wrapped again.
        var hue = (h / 6.0 + 1.0 + shift).remainder(1.0);
        // HSV to RGB: channel n in (5, 3, 1) is v·(1 − s·clamp(min(k, 4 − k), 0, 1)), k = (n + 6h) mod 6.
        var h6 = hue * 6.0;
        var channels = new Tensor[3];
        int[] offsets = [5, 3, 1];
        for (int c = 0; c < 3; c++)
        {
            var k = (h6 + offsets[c]).remainder(6.0);
            var m = torch.minimum(k, 4.0 - k).clamp(0, 1);
            channels[c] = maxc * (1.0 - s * m);
        }
        var rgb = torch.cat(channels, 1).clamp(0, 1);
        return rgb.MoveToOuterDisposeScope();
    }
}
