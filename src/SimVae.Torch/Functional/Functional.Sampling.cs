using SimVae.Torch.Native;

namespace SimVae.Torch;

/// <summary>How <see cref="Functional.GridSample"/> reads between pixels.</summary>
public enum GridSampleMode
{
    /// <summary>Bilinear interpolation.</summary>
    Bilinear = 0,
    /// <summary>Nearest pixel.</summary>
    Nearest = 1,
}

/// <summary>What <see cref="Functional.GridSample"/> reads outside the image.</summary>
public enum GridPadding
{
    /// <summary>Zeros.</summary>
    Zeros = 0,
    /// <summary>The nearest border pixel.</summary>
    Border = 1,
    /// <summary>The image mirrored at its border.</summary>
    Reflection = 2,
}

public static partial class Functional
{
    private static readonly Op AffineGridOp = new("aten::affine_grid_generator");
    private static readonly Op GridSamplerOp = new("aten::grid_sampler");
    private static readonly Op UpsampleBilinearOp = new("aten::upsample_bilinear2d", "vec");
    private static readonly Op UpsampleNearestOp = new("aten::upsample_nearest2d", "vec");

    /// <summary>Sampling grid (N, H, W, 2) for a batch of 2×3 affine matrices <paramref name="theta"/> (N, 2, 3).</summary>
    public static Tensor AffineGrid(Tensor theta, long[] size, bool alignCorners = false) => AffineGridOp.Call(theta, size, alignCorners);

    /// <summary>Samples <paramref name="x"/> (N, C, H, W) at the normalised coordinates of <paramref name="grid"/> (N, H', W', 2).</summary>
    public static Tensor GridSample(Tensor x, Tensor grid, GridSampleMode mode = GridSampleMode.Bilinear, GridPadding padding = GridPadding.Zeros, bool alignCorners = false) =>
        GridSamplerOp.Call(x, grid, (long)mode, (long)padding, alignCorners);

    /// <summary>Resizes NCHW images to (height, width), bilinearly or by nearest pixel.</summary>
    public static Tensor Interpolate(Tensor x, long height, long width, bool bilinear = true, bool alignCorners = false) =>
        bilinear
            ? UpsampleBilinearOp.Call(x, new[] { height, width }, alignCorners, OpArg.None)
            : UpsampleNearestOp.Call(x, new[] { height, width }, OpArg.None);
}
