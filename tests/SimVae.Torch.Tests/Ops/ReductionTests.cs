using SimVae.Torch.Tests.TestSupport;

namespace SimVae.Torch.Tests.Ops;

[TestClass]
public class ReductionTests
{
    // x = [[1, 5, 3], [4, 2, 6]]
    private static Tensor X() => T.F([1, 5, 3, 4, 2, 6], 2, 3);

    [TestMethod]
    public void SumAndMean_AllDimsAndKeepDim()
    {
        using var scope = DisposeScope.Open();
        var x = X();
        TensorAssert.Exact(x.Sum(), new float[] { 21 }, []);
        TensorAssert.Exact(x.Sum(0), new float[] { 5, 7, 9 }, [3]);
        TensorAssert.Exact(x.Sum(1), new float[] { 9, 12 }, [2]);
        TensorAssert.Exact(x.Sum(-1, keepDim: true), new float[] { 9, 12 }, [2, 1]);
        TensorAssert.Exact(x.Sum([0, 1]), new float[] { 21 }, []);
        TensorAssert.Exact(x.Sum([0L], keepDim: true), new float[] { 5, 7, 9 }, [1, 3]);
        TensorAssert.Exact(x.Mean(), new float[] { 3.5f }, []);
        TensorAssert.Exact(x.Mean(0), new float[] { 2.5f, 3.5f, 4.5f }, [3]);
        TensorAssert.Exact(x.Mean(1, keepDim: true), new float[] { 3, 4 }, [2, 1]);
        TensorAssert.Exact(x.Mean([0, 1]), new float[] { 3.5f }, []);
        // sum of int64 stays int64; sum of bool counts (int64)
        TensorAssert.Exact(T.L([1, 2, 3]).Sum(), new long[] { 6 }, []);
        TensorAssert.Exact(T.B([true, false, true]).Sum(), new long[] { 2 }, []);
    }

    [TestMethod]
    public void VarAndStd_UnbiasedAndBiased()
    {
        using var scope = DisposeScope.Open();
        var v = T.D([1, 2, 3, 4]);
        // mean 2.5, squared deviations 2.25+0.25+0.25+2.25 = 5: unbiased 5/3, biased 5/4
        TensorAssert.Close(v.Var(), [5.0 / 3], [], 1e-12);
        TensorAssert.Close(v.Var(unbiased: false), [1.25], [], 1e-12);
        TensorAssert.Close(v.Std(), [Math.Sqrt(5.0 / 3)], [], 1e-12);
        TensorAssert.Close(v.Std(unbiased: false), [Math.Sqrt(1.25)], [], 1e-12);
        var x = X();
        // columns [1,4],[5,2],[3,6]: unbiased var = (d^2)/2 = 4.5 each
        TensorAssert.Close(x.Var([0]), [4.5, 4.5, 4.5], [3]);
        // rows [1,5,3] (mean 3, var (4+4+0)/2 = 4), [4,2,6] (mean 4, var (0+4+4)/2 = 4), biased: 8/3
        TensorAssert.Close(x.Var([1], unbiased: false, keepDim: true), [8.0 / 3, 8.0 / 3], [2, 1]);
        TensorAssert.Close(x.Std([1]), [2, 2], [2]);
        TensorAssert.Close(x.Std([1], keepDim: true), [2, 2], [2, 1]);
    }

    [TestMethod]
    public void MaxMinAmaxAminArgmaxArgmin()
    {
        using var scope = DisposeScope.Open();
        var x = X();
        TensorAssert.Exact(x.Max(), new float[] { 6 }, []);
        TensorAssert.Exact(x.Min(), new float[] { 1 }, []);
        var (mv, mi) = x.Max(1);
        TensorAssert.Exact(mv, new float[] { 5, 6 }, [2]);
        TensorAssert.Exact(mi, new long[] { 1, 2 }, [2]);
        var (nv, ni) = x.Min(0, keepDim: true);
        TensorAssert.Exact(nv, new float[] { 1, 2, 3 }, [1, 3]);
        TensorAssert.Exact(ni, new long[] { 0, 1, 0 }, [1, 3]);
        TensorAssert.Exact(x.Amax([0]), new float[] { 4, 5, 6 }, [3]);
        TensorAssert.Exact(x.Amax([1], keepDim: true), new float[] { 5, 6 }, [2, 1]);
        TensorAssert.Exact(x.Amin([1]), new float[] { 1, 2 }, [2]);
        TensorAssert.Exact(x.Amin([0, 1]), new float[] { 1 }, []);
        TensorAssert.Exact(x.Argmax(), new long[] { 5 }, []);
        TensorAssert.Exact(x.Argmin(), new long[] { 0 }, []);
        TensorAssert.Exact(x.Argmax(0), new long[] { 1, 0, 1 }, [3]);
        TensorAssert.Exact(x.Argmin(1, keepDim: true), new long[] { 0, 1 }, [2, 1]);
        TensorAssert.Exact(T.L([3, 9, 2]).Max(), new long[] { 9 }, []);
    }

    [TestMethod]
    public void TopKSortArgsort()
    {
        using var scope = DisposeScope.Open();
        var x = X();
        var (v, i) = x.TopK(2);
        TensorAssert.Exact(v, new float[] { 5, 3, 6, 4 }, [2, 2]);
        TensorAssert.Exact(i, new long[] { 1, 2, 2, 0 }, [2, 2]);
        var (sv, si) = x.TopK(1, dim: 0, largest: false);
        TensorAssert.Exact(sv, new float[] { 1, 2, 3 }, [1, 3]);
        TensorAssert.Exact(si, new long[] { 0, 1, 0 }, [1, 3]);
        var (uv, _) = T.F([4, 1, 3, 2]).TopK(4, sorted: true);
        TensorAssert.Exact(uv, new float[] { 4, 3, 2, 1 }, [4]);
        var (ov, oi) = x.Sort();
        TensorAssert.Exact(ov, new float[] { 1, 3, 5, 2, 4, 6 }, [2, 3]);
        TensorAssert.Exact(oi, new long[] { 0, 2, 1, 1, 0, 2 }, [2, 3]);
        var (dv, di) = x.Sort(dim: 0, descending: true);
        TensorAssert.Exact(dv, new float[] { 4, 5, 6, 1, 2, 3 }, [2, 3]);
        TensorAssert.Exact(di, new long[] { 1, 0, 1, 0, 1, 0 }, [2, 3]);
        TensorAssert.Exact(x.Argsort(), new long[] { 0, 2, 1, 1, 0, 2 }, [2, 3]);
        TensorAssert.Exact(x.Argsort(dim: 1, descending: true), new long[] { 1, 2, 0, 2, 0, 1 }, [2, 3]);
        TensorAssert.Exact(x.Argsort(dim: 0), new long[] { 0, 1, 0, 1, 0, 1 }, [2, 3]);
    }

    [TestMethod]
    public void LogSumExpNormCumSum()
    {
        using var scope = DisposeScope.Open();
        var x = T.D([1, 2, 3, 1, 1, 1], 2, 3);
        // log(e + e^2 + e^3) and log(3e) = 1 + log 3
        double l0 = Math.Log(Math.E + Math.Exp(2) + Math.Exp(3));
        TensorAssert.Close(x.LogSumExp([1]), [l0, 1 + Math.Log(3)], [2], 1e-12);
        TensorAssert.Close(x.LogSumExp([1], keepDim: true), [l0, 1 + Math.Log(3)], [2, 1], 1e-12);
        // stable for large inputs: log(2 e^1000) = 1000 + log 2
        TensorAssert.Close(T.D([1000, 1000]).LogSumExp([0]), [1000 + Math.Log(2)], [], 1e-12);
        var v = T.D([3, -4, 0, 12], 2, 2);
        // 2-norm of all: sqrt(9+16+144) = 13
        TensorAssert.Close(v.Norm(), [13], [], 1e-12);
        TensorAssert.Close(v.Norm(1), [19], [], 1e-12);
        TensorAssert.Close(v.Norm(2, [1]), [5, 12], [2], 1e-12);
        TensorAssert.Close(v.Norm(1, [0], keepDim: true), [3, 16], [1, 2], 1e-12);
        TensorAssert.Close(v.Norm(double.PositiveInfinity, [1]), [4, 12], [2], 1e-12);
        TensorAssert.Exact(T.L([1, 2, 3, 4], 2, 2).CumSum(1), new long[] { 1, 3, 3, 7 }, [2, 2]);
        TensorAssert.Exact(T.F([1, 2, 3, 4], 2, 2).CumSum(0), new float[] { 1, 2, 4, 6 }, [2, 2]);
    }
}
