using SimVae.Torch.Tests.TestSupport;

namespace SimVae.Torch.Tests.Ops;

[TestClass]
public class CompareTests
{
    [TestMethod]
    public void Comparisons_ReturnBoolMasks()
    {
        using var scope = DisposeScope.Open();
        var x = T.F([1, 2, 3, 4]);
        var y = T.F([4, 2, 1, 4]);
        TensorAssert.Exact(x.Gt(y), new[] { false, false, true, false }, [4]);
        TensorAssert.Exact(x.Gt(2), new[] { false, false, true, true }, [4]);
        TensorAssert.Exact(x.Lt(y), new[] { true, false, false, false }, [4]);
        TensorAssert.Exact(x.Lt(2), new[] { true, false, false, false }, [4]);
        TensorAssert.Exact(x.Ge(2), new[] { false, true, true, true }, [4]);
        TensorAssert.Exact(x.Le(2), new[] { true, true, false, false }, [4]);
        TensorAssert.Exact(x.Eq(y), new[] { false, true, false, true }, [4]);
        TensorAssert.Exact(x.Eq(3), new[] { false, false, true, false }, [4]);
        TensorAssert.Exact(x.Ne(3), new[] { true, true, false, true }, [4]);
        // broadcasting (2,1) vs (3): column vs row
        TensorAssert.Exact(T.L([1, 2], 2, 1).Gt(T.L([0, 1, 2])), new[] { true, false, false, true, true, false }, [2, 3]);
        TensorAssert.Exact(T.L([5, 6]).Eq(T.D([5.0, 6.5])), new[] { true, false }, [2]);
    }

    [TestMethod]
    public void LogicalOps_IsFinite_AllAny()
    {
        using var scope = DisposeScope.Open();
        var a = T.B([true, true, false, false]);
        var b = T.B([true, false, true, false]);
        TensorAssert.Exact(a.LogicalAnd(b), new[] { true, false, false, false }, [4]);
        TensorAssert.Exact(a.LogicalOr(b), new[] { true, true, true, false }, [4]);
        TensorAssert.Exact(a.LogicalNot(), new[] { false, false, true, true }, [4]);
        // non-bool inputs: non-zero is true
        TensorAssert.Exact(T.F([0, 2, -1]).LogicalNot(), new[] { true, false, false }, [3]);
        TensorAssert.Exact(T.D([1, double.NaN, double.PositiveInfinity, double.NegativeInfinity]).IsFinite(), new[] { true, false, false, false }, [4]);
        Assert.IsFalse(a.All());
        Assert.IsTrue(a.Any());
        Assert.IsTrue(T.B([true, true]).All());
        Assert.IsFalse(T.B([false, false]).Any());
        Assert.IsTrue(T.F([1, 2]).All());
        Assert.IsFalse(T.F([1, 0]).All());
    }

    [TestMethod]
    public void AllClose_UsesRelativeAndAbsoluteTolerance()
    {
        using var scope = DisposeScope.Open();
        var a = T.D([1, 100]);
        Assert.IsTrue(a.AllClose(T.D([1, 100])));
        Assert.IsFalse(a.AllClose(T.D([1, 100.1])));
        // |100 - 100.1| = 0.1 <= atol 0 + rtol 1e-3 * 100.1
        Assert.IsTrue(a.AllClose(T.D([1, 100.1]), rtol: 1e-3, atol: 0));
        // |1 - 1.05| = 0.05 <= atol 0.06
        Assert.IsTrue(a.AllClose(T.D([1.05, 100]), rtol: 0, atol: 0.06));
        Assert.IsFalse(a.AllClose(T.D([1.05, 100]), rtol: 0, atol: 0.04));
    }

    [TestMethod]
    public void Where_AndMaskedFill_Broadcast()
    {
        using var scope = DisposeScope.Open();
        var cond = T.B([true, false, true]);
        TensorAssert.Exact(Tensor.Where(cond, T.F([1, 2, 3]), T.F([10, 20, 30])), new float[] { 1, 20, 3 }, [3]);
        // the condition (3) broadcasts over rows of (2,3); the false branch is a (1) tensor
        TensorAssert.Exact(Tensor.Where(cond, T.Seq(2, 3), T.F([-1])), new float[] { 0, -1, 2, 3, -1, 5 }, [2, 3]);
        var x = T.Seq(2, 3);
        TensorAssert.Exact(x.MaskedFill(cond, -5), new float[] { -5, 1, -5, -5, 4, -5 }, [2, 3]);
        TensorAssert.Exact(x.MaskedFill(x.Gt(3), 0), new float[] { 0, 1, 2, 3, 0, 0 }, [2, 3]);
        TensorAssert.Exact(T.L([1, 2, 3]).MaskedFill(cond, 9), new long[] { 9, 2, 9 }, [3]);
        // the source is not modified
        TensorAssert.Exact(x, new float[] { 0, 1, 2, 3, 4, 5 }, [2, 3]);
    }
}
