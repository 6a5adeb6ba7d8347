using SimVae.Torch.Tests.TestSupport;

namespace SimVae.Torch.Tests.Ops;

[TestClass]
public class LayerTests
{
    [TestMethod]
    public void Linear_WithAndWithoutBias()
    {
        using var scope = DisposeScope.Open();
        var x = T.F([1, 2, 3, 4], 2, 2);
        var w = T.F([1, 0, 1, 1, 0, -1], 3, 2); // (out 3, in 2)
        // x @ w.T: row [1,2] -> [1, 3, -2]; row [3,4] -> [3, 7, -4]
        TensorAssert.Exact(Functional.Linear(x, w), new float[] { 1, 3, -2, 3, 7, -4 }, [2, 3]);
        TensorAssert.Exact(Functional.Linear(x, w, T.F([10, 20, 30])), new float[] { 11, 23, 28, 13, 27, 26 }, [2, 3]);
        // leading batch dims are kept
        TensorAssert.ShapeIs(Functional.Linear(T.Seq(4, 5, 2), w), 4, 5, 3);
    }

    // x = [[1 2 3], [4 5 6], [7 8 9]] as (1, 1, 3, 3); w = [[1 2], [3 4]] as (1, 1, 2, 2)
    private static Tensor Image3() => T.F([1, 2, 3, 4, 5, 6, 7, 8, 9], 1, 1, 3, 3);
    private static Tensor Kernel2() => T.F([1, 2, 3, 4], 1, 1, 2, 2);

    [TestMethod]
    public void Conv2d_StridePaddingDilationGroupsBias()
    {
        using var scope = DisposeScope.Open();
        var x = Image3();
        var w = Kernel2();
        // valid: out[i,j] = x[i,j] + 2 x[i,j+1] + 3 x[i+1,j] + 4 x[i+1,j+1]
        // [1+4+12+20, 2+6+15+24; 4+10+21+32, 5+12+24+36]
        TensorAssert.Exact(Functional.Conv2d(x, w), new float[] { 37, 47, 67, 77 }, [1, 1, 2, 2]);
        TensorAssert.Exact(Functional.Conv2d(x, w, T.F([0.5f])), new float[] { 37.5f, 47.5f, 67.5f, 77.5f }, [1, 1, 2, 2]);
        // stride 2, padding 1: windows start at rows/cols -1 and 1:
        // (-1,-1): only x00*w11 = 4; (-1,1): x01*w10 + x02*w11 = 6 + 12; (1,-1): x10*w01 + x20*w11 = 8 + 28;
        // (1,1): 5 + 12 + 24 + 36
        TensorAssert.Exact(Functional.Conv2d(x, w, stride: 2, padding: 1), new float[] { 4, 18, 36, 77 }, [1, 1, 2, 2]);
        // padding 1, stride 1 gives 4x4 (first row: x00*w11=4, x00*w10+x01*w11=3+8, 6+12, x02*w10=9)
        var p = Functional.Conv2d(x, w, padding: 1);
        TensorAssert.ShapeIs(p, 1, 1, 4, 4);
        CollectionAssert.AreEqual(new float[] { 4, 11, 18, 9 }, p.Flatten().Slice(0, 0, 4).ToArray<float>());
        // dilation 2: taps x00, x02, x20, x22 -> 1 + 2*3 + 3*7 + 4*9
        TensorAssert.Exact(Functional.Conv2d(x, w, dilation: 2), new float[] { 64 }, [1, 1, 1, 1]);
        // groups 2: 2 input channels, each convolved with its own 1x1 kernel (2 and -1)
        var x2 = Tensor.Cat([x, x.Mul(10)], 1);
        var wg = T.F([2, -1], 2, 1, 1, 1);
        TensorAssert.Exact(Functional.Conv2d(x2, wg, groups: 2),
            new float[] { 2, 4, 6, 8, 10, 12, 14, 16, 18, -10, -20, -30, -40, -50, -60, -70, -80, -90 }, [1, 2, 3, 3]);
        // 2 output channels summing over 2 input channels (1x1 kernels [1, 1] and [1, -1])
        var wm = T.F([1, 1, 1, -1], 2, 2, 1, 1);
        var m = Functional.Conv2d(x2, wm).ToArray<float>();
        Assert.AreEqual(11f, m[0]);   // 1 + 10
        Assert.AreEqual(-9f, m[9]);   // 1 - 10
    }

    [TestMethod]
    public void ConvTranspose2d_StridePaddingOutputPaddingDilation()
    {
        using var scope = DisposeScope.Open();
        var x = T.F([1, 2, 3, 4], 1, 1, 2, 2);
        var ones = Tensor.Ones(1, 1, 2, 2);
        // stride 1: each input pixel adds its value to a 2x2 block at its position
        TensorAssert.Exact(Functional.ConvTranspose2d(x, ones), new float[] { 1, 3, 2, 4, 10, 6, 3, 7, 4 }, [1, 1, 3, 3]);
        // stride 2 with kernel [[1 2],[3 4]]: block v*w per input pixel, no overlap
        var w = Kernel2();
        TensorAssert.Exact(Functional.ConvTranspose2d(x, w, stride: 2),
            new float[] { 1, 2, 2, 4, 3, 4, 6, 8, 3, 6, 4, 8, 9, 12, 12, 16 }, [1, 1, 4, 4]);
        // padding 1 crops one row/column from each side of the 4x4 result
        TensorAssert.Exact(Functional.ConvTranspose2d(x, w, stride: 2, padding: 1), new float[] { 4, 6, 6, 4 }, [1, 1, 2, 2]);
        // output padding 1 adds back one row/column at the end: rows/cols 1..3 of the 4x4 result
        TensorAssert.Exact(Functional.ConvTranspose2d(x, w, stride: 2, padding: 1, outputPadding: 1),
            new float[] { 4, 6, 8, 6, 4, 8, 12, 12, 16 }, [1, 1, 3, 3]);
        // dilation 2 with ones: pixel (i,j) lands on (i+2a, j+2b)
        TensorAssert.Exact(Functional.ConvTranspose2d(x, ones, dilation: 2),
            new float[] { 1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4 }, [1, 1, 4, 4]);
        TensorAssert.Exact(Functional.ConvTranspose2d(x, ones, T.F([-1])), new float[] { 0, 2, 1, 3, 9, 5, 2, 6, 3 }, [1, 1, 3, 3]);
        // groups 2: weight (in 2, out/groups 1, 1, 1) scales each channel separately
        var x2 = Tensor.Cat([x, x], 1);
        TensorAssert.Exact(Functional.ConvTranspose2d(x2, T.F([2, -1], 2, 1, 1, 1), groups: 2),
            new float[] { 2, 4, 6, 8, -1, -2, -3, -4 }, [1, 2, 2, 2]);
    }

    [TestMethod]
    public void BatchNorm_TrainingUsesBatchStatsAndUpdatesRunningStats_EvalUsesRunningStats()
    {
        using var scope = DisposeScope.Open();
        // (N=4, C=2): channel 0 = [1 2 3 4] (mean 2.5, biased var 1.25, unbiased 5/3), channel 1 = [0 0 4 4] (mean 2, var 4, unbiased 16/3)
        var x = T.D([1, 0, 2, 0, 3, 4, 4, 4], 4, 2);
        var rm = T.D([0, 1]);
        var rv = T.D([1, 1]);
        var weight = T.D([2, 1]);
        var bias = T.D([0.5, -1]);
        const double eps = 1e-5;
        var y = Functional.BatchNorm(x, rm, rv, weight, bias, training: true, momentum: 0.1, eps: eps);
        double s0 = 2 / Math.Sqrt(1.25 + eps), s1 = 1 / Math.Sqrt(4 + eps);
        TensorAssert.Close(y, [-1.5 * s0 + 0.5, -2 * s1 - 1, -0.5 * s0 + 0.5, -2 * s1 - 1, 0.5 * s0 + 0.5, 2 * s1 - 1, 1.5 * s0 + 0.5, 2 * s1 - 1], [4, 2], 1e-12);
        // running = 0.9 running + 0.1 batch (unbiased variance)
        TensorAssert.Close(rm, [0.25, 0.9 + 0.2], [2], 1e-12);
        TensorAssert.Close(rv, [0.9 + 0.1 * 5 / 3, 0.9 + 0.1 * 16 / 3], [2], 1e-12);

        var e = Functional.BatchNorm(x, rm, rv, weight, bias, training: false, eps: eps);
        double m0 = 0.25, m1 = 1.1, v0 = 0.9 + 0.5 / 3, v1 = 0.9 + 1.6 / 3;
        double[] expected = new double[8];
        double[] xs = [1, 0, 2, 0, 3, 4, 4, 4];
        for (int k = 0; k < 8; k++)
            expected[k] = k % 2 == 0 ? (xs[k] - m0) / Math.Sqrt(v0 + eps) * 2 + 0.5 : (xs[k] - m1) / Math.Sqrt(v1 + eps) - 1;
        TensorAssert.Close(e, expected, [4, 2], 1e-12);
        // eval does not touch the running statistics
        TensorAssert.Close(rm, [0.25, 1.1], [2], 1e-12);

        // no affine parameters and no running stats, 4-D input (N, C, H, W): normalise over N, H, W per channel
        var img = T.D([0, 2, 4, 6, 1, 1, 3, 3], 1, 2, 2, 2);
        var n = Functional.BatchNorm(img, null, null, null, null, training: true, eps: 0);
        double sd = Math.Sqrt(5); // channel 0: mean 3, biased var (9+1+1+9)/4 = 5; channel 1: mean 2, var 1
        TensorAssert.Close(n, [-3 / sd, -1 / sd, 1 / sd, 3 / sd, -1, -1, 1, 1], [1, 2, 2, 2], 1e-12);
    }

    // 4x4 image with values 0..15
    [TestMethod]
    public void Pooling()
    {
        using var scope = DisposeScope.Open();
        var x = T.Seq(1, 1, 4, 4);
        TensorAssert.Exact(Functional.AvgPool2d(x, 2), new float[] { 2.5f, 4.5f, 10.5f, 12.5f }, [1, 1, 2, 2]);
        TensorAssert.Exact(Functional.MaxPool2d(x, 2), new float[] { 5, 7, 13, 15 }, [1, 1, 2, 2]);
        // kernel 2, stride 1: 3x3 windows
        TensorAssert.Exact(Functional.AvgPool2d(x, 2, stride: 1), new float[] { 2.5f, 3.5f, 4.5f, 6.5f, 7.5f, 8.5f, 10.5f, 11.5f, 12.5f }, [1, 1, 3, 3]);
        TensorAssert.Exact(Functional.MaxPool2d(x, 2, stride: 1), new float[] { 5, 6, 7, 9, 10, 11, 13, 14, 15 }, [1, 1, 3, 3]);
        // kernel 3, stride 2, padding 1: zero padding counts in the average (count_include_pad):
        // window at (-1,-1) covers 0,1,4,5 -> 10/9; (-1,1) covers 1,2,3,5,6,7 -> 24/9; (1,-1) covers 4,5,8,9,12,13 -> 51/9; (1,1) 5..15 block -> 90/9
        TensorAssert.Close(Functional.AvgPool2d(x, 3, stride: 2, padding: 1), [10.0 / 9, 24.0 / 9, 51.0 / 9, 10], [1, 1, 2, 2]);
        // max pool padding is -inf: same windows -> 5, 7, 13, 15
        TensorAssert.Exact(Functional.MaxPool2d(x, 3, stride: 2, padding: 1), new float[] { 5, 7, 13, 15 }, [1, 1, 2, 2]);
        TensorAssert.Exact(Functional.AdaptiveAvgPool2d(x, 1, 1), new float[] { 7.5f }, [1, 1, 1, 1]);
        // 2x1: top half rows 0-1 mean 3.5, bottom 11.5
        TensorAssert.Exact(Functional.AdaptiveAvgPool2d(x, 2, 1), new float[] { 3.5f, 11.5f }, [1, 1, 2, 1]);
        TensorAssert.Exact(Functional.AdaptiveAvgPool2d(x, 1, 2), new float[] { 6.5f, 8.5f }, [1, 1, 1, 2]);
        TensorAssert.Exact(Functional.AdaptiveMaxPool2d(x, 2, 2), new float[] { 5, 7, 13, 15 }, [1, 1, 2, 2]);
        TensorAssert.Exact(Functional.AdaptiveMaxPool2d(x, 1, 2), new float[] { 13, 15 }, [1, 1, 1, 2]);
    }
}
