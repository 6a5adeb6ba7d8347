using SimVae.Torch;

namespace SimVae.Augmentations;

/// <summary>Batched colour adjustments with per-image factors (N, 1, 1, 1), following torchvision's tensor functions.</summary>
internal static class ColorOps
{
    // ITU-R 601-2 luma, as torchvision's rgb_to_grayscale.
    private static readonly float[] LumaWeights = [0.2989f, 0.587f, 0.114f];

    /// <summary>Gray (N, 1, H, W) of RGB or gray images.</summary>
    internal static Tensor Grayscale(Tensor images)
    {
        if (images.Size(1) == 1) return images.Alias();
        using var weights = Tensor.FromSpan<float>(LumaWeights, [1, 3, 1, 1], images.Device);
        using var weighted = images * weights;
        return weighted.Sum(1, keepDim: true);
    }

    /// <summary>factor·a + (1 − factor)·b, clamped to [0, 1] (torchvision's _blend). Factor 1 returns a exactly.</summary>
    internal static Tensor Blend(Tensor a, Tensor b, Tensor factor)
    {
        using var fa = a * factor;
        using var rest = 1.0 - factor;
        using var fb = b * rest;
        using var sum = fa + fb;
        return sum.Clamp(0, 1);
    }

    internal static Tensor Brightness(Tensor images, Tensor factor)
    {
        using var scaled = images * factor;
        return scaled.Clamp(0, 1);
    }

    internal static Tensor Contrast(Tensor images, Tensor factor)
    {
        using var gray = Grayscale(images);
        using var mean = gray.Mean([1, 2, 3], keepDim: true);
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
        using var scope = DisposeScope.Open();
        var r = images.Narrow(1, 0, 1);
        var g = images.Narrow(1, 1, 1);
        var b = images.Narrow(1, 2, 1);
        var maxc = images.Amax([1], keepDim: true);
        var minc = images.Amin([1], keepDim: true);
        var eqc = maxc.Eq(minc);
        var cr = maxc - minc;
        var ones = maxc.OnesLike();
        var s = cr / Tensor.Where(eqc, ones, maxc);
        var crDivisor = Tensor.Where(eqc, ones, cr);
        var rc = (maxc - r) / crDivisor;
        var gc = (maxc - g) / crDivisor;
        var bc = (maxc - b) / crDivisor;
        var isR = maxc.Eq(r);
        var isG = maxc.Eq(g).LogicalAnd(isR.LogicalNot());
        var isB = isR.LogicalOr(isG).LogicalNot();
        var zeros = maxc.ZerosLike();
        var h = Tensor.Where(isR, bc - gc, zeros) + Tensor.Where(isG, 2.0 + rc - bc, zeros) + Tensor.Where(isB, 4.0 + gc - rc, zeros);
        // h/6 + 1 wrapped to [0, 1), then shifted and wrapped again.
        var hue = (h / 6.0 + 1.0 + shift).Remainder(1.0);
        // HSV to RGB: channel n in (5, 3, 1) is v·(1 − s·clamp(min(k, 4 − k), 0, 1)), k = (n + 6h) mod 6.
        var h6 = hue * 6.0;
        var channels = new Tensor[3];
        int[] offsets = [5, 3, 1];
        for (int c = 0; c < 3; c++)
        {
            var k = (h6 + offsets[c]).Remainder(6.0);
            var m = k.Minimum(4.0 - k).Clamp(0, 1);
            channels[c] = maxc * (1.0 - s * m);
        }
        var rgb = Tensor.Cat(channels, 1).Clamp(0, 1);
        return rgb.MoveToOuterScope();
    }
}
