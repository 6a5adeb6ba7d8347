using SimVae.Torch.Tests.TestSupport;

namespace SimVae.Torch.Tests.Ops;

[TestClass]
public class SamplingTests
{
    private static Tensor Theta(double a, double b, double c, double d, double e, double f) => T.F([(float)a, (float)b, (float)c, (float)d, (float)e, (float)f], 1, 2, 3);

    [TestMethod]
    public void AffineGrid_IdentityGivesPixelCentres()
    {
        using var scope = DisposeScope.Open();
        var g = Functional.AffineGrid(Theta(1, 0, 0, 0, 1, 0), [1, 1, 2, 3]);
        TensorAssert.ShapeIs(g, 1, 2, 3, 2);
        // align_corners=false: x in {-2/3, 0, 2/3}, y in {-1/2, 1/2}; grid[..., 0] is x
        TensorAssert.Close(g, [-2.0 / 3, -0.5, 0, -0.5, 2.0 / 3, -0.5, -2.0 / 3, 0.5, 0, 0.5, 2.0 / 3, 0.5], [1, 2, 3, 2]);
        // align_corners=true: corners at -1 and 1
        TensorAssert.Close(Functional.AffineGrid(Theta(1, 0, 0, 0, 1, 0), [1, 1, 2, 3], alignCorners: true),
            [-1, -1, 0, -1, 1, -1, -1, 1, 0, 1, 1, 1], [1, 2, 3, 2]);
        // a translation shifts x
        TensorAssert.Close(Functional.AffineGrid(Theta(1, 0, 0.5, 0, 1, 0), [1, 1, 1, 2], alignCorners: true), [-0.5, 0, 1.5, 0], [1, 1, 2, 2]);
    }

    [TestMethod]
    public void GridSample_IdentityReproducesInput_FlipFlipsExactly()
    {
        using var scope = DisposeScope.Open();
        var x = T.Seq(2, 3, 4, 5).Mul(1.37).Add(0.1);
        var idTheta = Theta(1, 0, 0, 0, 1, 0).Expand(2, 2, 3);
        var identity = Functional.GridSample(x, Functional.AffineGrid(idTheta, [2, 3, 4, 5]));
        CollectionAssert.AreEqual(x.ToArray<float>(), identity.ToArray<float>(), "identity theta must reproduce the input exactly");
        var nearest = Functional.GridSample(x, Functional.AffineGrid(idTheta, [2, 3, 4, 5]), GridSampleMode.Nearest);
        CollectionAssert.AreEqual(x.ToArray<float>(), nearest.ToArray<float>());
        // x -> -x flips horizontally; y -> -y flips vertically
        var flipTheta = Theta(-1, 0, 0, 0, 1, 0).Expand(2, 2, 3);
        var flipped = Functional.GridSample(x, Functional.AffineGrid(flipTheta, [2, 3, 4, 5]));
        CollectionAssert.AreEqual(x.Flip(3).ToArray<float>(), flipped.ToArray<float>());
        var vflip = Functional.GridSample(x, Functional.AffineGrid(Theta(1, 0, 0, 0, -1, 0).Expand(2, 2, 3), [2, 3, 4, 5]));
        CollectionAssert.AreEqual(x.Flip(2).ToArray<float>(), vflip.ToArray<float>());
    }

    [TestMethod]
    public void GridSample_InterpolatesAndPads()
    {
        using var scope = DisposeScope.Open();
        // 1x1x1x2 image [10, 20]; align_corners=true: x=-1 -> 10, x=1 -> 20, x=0 -> 15, x=0.5 -> 17.5
        var img = T.F([10, 20], 1, 1, 1, 2);
        var grid = T.F([-1, 0, 0, 0, 0.5f, 0, 1, 0], 1, 1, 4, 2);
        TensorAssert.Close(Functional.GridSample(img, grid, alignCorners: true), [10, 15, 17.5, 20], [1, 1, 1, 4]);
        TensorAssert.Close(Functional.GridSample(img, grid, GridSampleMode.Nearest, alignCorners: true), [10, 10, 20, 20], [1, 1, 1, 4], 0);
        // outside the image, x = 3 (align_corners=true: pixel 2, one past the end)
        var outside = T.F([3, 0], 1, 1, 1, 2);
        TensorAssert.Close(Functional.GridSample(img, outside, alignCorners: true), [0], [1, 1, 1, 1]);
        TensorAssert.Close(Functional.GridSample(img, outside, padding: GridPadding.Border, alignCorners: true), [20], [1, 1, 1, 1]);
        // reflection about the last pixel centre: pixel 2 reflects to pixel 0
        TensorAssert.Close(Functional.GridSample(img, outside, padding: GridPadding.Reflection, alignCorners: true), [10], [1, 1, 1, 1]);
    }

    [TestMethod]
    public void Interpolate_BilinearAndNearest()
    {
        using var scope = DisposeScope.Open();
        var x = T.F([1, 2, 3, 4], 1, 1, 2, 2);
        // align_corners=false, 2 -> 4: source coordinates (i + 0.5)/2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped to [0, 1]
        TensorAssert.Close(Functional.Interpolate(x, 4, 4),
            [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4], [1, 1, 4, 4]);
        // align_corners=true, 2 -> 3: midpoints
        TensorAssert.Close(Functional.Interpolate(x, 3, 3, alignCorners: true), [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4], [1, 1, 3, 3]);
        // nearest 2x2 -> 3x4: rows floor(i * 2/3) = 0, 0, 1; cols floor(j * 2/4) = 0, 0, 1, 1
        TensorAssert.Exact(Functional.Interpolate(x, 3, 4, bilinear: false), new float[] { 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4 }, [1, 1, 3, 4]);
        // downsampling 4x4 -> 2x2 bilinear (align_corners=false) averages 2x2 blocks when the factor is 2
        TensorAssert.Close(Functional.Interpolate(T.Seq(1, 1, 4, 4), 2, 2), [2.5, 4.5, 10.5, 12.5], [1, 1, 2, 2]);
    }
}
