using SimVae.Torch.Tests.TestSupport;

namespace SimVae.Torch.Tests.Ops;

[TestClass]
public class IndexingTests
{
    // x = [[0 1 2 3], [4 5 6 7], [8 9 10 11]]
    private static Tensor X() => T.Seq(3, 4);

    [TestMethod]
    public void SelectSliceNarrowIndexer_AreViewsSharingStorage()
    {
        using var scope = DisposeScope.Open();
        var x = X();
        TensorAssert.Exact(x.Select(0, 1), new float[] { 4, 5, 6, 7 }, [4]);
        TensorAssert.Exact(x.Select(1, -1), new float[] { 3, 7, 11 }, [3]);
        TensorAssert.Exact(x[2], new float[] { 8, 9, 10, 11 }, [4]);
        TensorAssert.Exact(x.Slice(1, 1, 3), new float[] { 1, 2, 5, 6, 9, 10 }, [3, 2]);
        TensorAssert.Exact(x.Slice(1, null, null, 2), new float[] { 0, 2, 4, 6, 8, 10 }, [3, 2]);
        TensorAssert.Exact(x.Slice(0, 1, null), new float[] { 4, 5, 6, 7, 8, 9, 10, 11 }, [2, 4]);
        TensorAssert.Exact(x.Slice(1, -2, null), new float[] { 2, 3, 6, 7, 10, 11 }, [3, 2]);
        TensorAssert.Exact(x.Slice(0, null, 1), new float[] { 0, 1, 2, 3 }, [1, 4]);
        TensorAssert.Exact(x.Narrow(1, 2, 2), new float[] { 2, 3, 6, 7, 10, 11 }, [3, 2]);
        TensorAssert.Exact(x.Narrow(0, 1, 1), new float[] { 4, 5, 6, 7 }, [1, 4]);

        x.Select(0, 0).Fill_(-1);
        x.Slice(1, 3, 4).Fill_(-2);
        x.Narrow(0, 2, 1).Narrow(1, 0, 1).Fill_(-3);
        x[1].Select(0, 1).Fill_(-4);
        TensorAssert.Exact(x, new float[] { -1, -1, -1, -2, 4, -4, 6, -2, -3, 9, 10, -2 }, [3, 4]);
        Assert.ThrowsExactly<TorchException>(() => x.Select(0, 3));
    }

    [TestMethod]
    public void IndexSelectGatherScatter()
    {
        using var scope = DisposeScope.Open();
        var x = X();
        TensorAssert.Exact(x.IndexSelect(0, T.L([2, 0, 2])), new float[] { 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11 }, [3, 4]);
        TensorAssert.Exact(x.IndexSelect(1, T.L([3, 1])), new float[] { 3, 1, 7, 5, 11, 9 }, [3, 2]);
        // index_select copies
        var copy = x.IndexSelect(0, T.L([0]));
        copy.Fill_(100);
        Assert.AreEqual(0f, x.Select(0, 0).Select(0, 0).Item<float>());
        // gather dim 1: out[i][j] = x[i][idx[i][j]]
        TensorAssert.Exact(x.Gather(1, T.L([0, 3, 1, 1, 2, 0], 3, 2)), new float[] { 0, 3, 5, 5, 10, 8 }, [3, 2]);
        // gather dim 0: out[i][j] = x[idx[i][j]][j]
        TensorAssert.Exact(x.Gather(0, T.L([2, 0, 1, 0], 1, 4)), new float[] { 8, 1, 6, 3 }, [1, 4]);
        // scatter value along dim 1: row i, column idx[i][j] <- value
        var z = Tensor.Zeros(2, 3);
        TensorAssert.Exact(z.Scatter(1, T.L([1, 2], 2, 1), 5), new float[] { 0, 5, 0, 0, 0, 5 }, [2, 3]);
        TensorAssert.Exact(z.Scatter(0, T.L([1, 0, 1], 1, 3), -1), new float[] { 0, -1, 0, -1, 0, -1 }, [2, 3]);
        TensorAssert.Exact(z, new float[6], [2, 3]);
    }

    [TestMethod]
    public void AdvancedIndex_WithIndexTensorsMasksAndNulls()
    {
        using var scope = DisposeScope.Open();
        var x = X();
        TensorAssert.Exact(x.Index(T.L([2, 0])), new float[] { 8, 9, 10, 11, 0, 1, 2, 3 }, [2, 4]);
        // paired indices pick elements x[0,1], x[2,3]
        TensorAssert.Exact(x.Index(T.L([0, 2]), T.L([1, 3])), new float[] { 1, 11 }, [2]);
        // null takes the whole dimension: x[:, [3, 0]]
        TensorAssert.Exact(x.Index(null, T.L([3, 0])), new float[] { 3, 0, 7, 4, 11, 8 }, [3, 2]);
        // bool row mask
        TensorAssert.Exact(x.Index(T.B([true, false, true])), new float[] { 0, 1, 2, 3, 8, 9, 10, 11 }, [2, 4]);
        // full-shape mask selects elements in row-major order
        TensorAssert.Exact(x.Index(x.Gt(8)), new float[] { 9, 10, 11 }, [3]);
        TensorAssert.Exact(x.Index(x.Remainder(5).Eq(0)), new float[] { 0, 5, 10 }, [3]);
        // negative indices count from the end
        TensorAssert.Exact(x.Index(T.L([-1])), new float[] { 8, 9, 10, 11 }, [1, 4]);
        Assert.ThrowsExactly<TorchException>(() => x.Index(T.L([3])));
    }

    [TestMethod]
    public void OneHot()
    {
        using var scope = DisposeScope.Open();
        TensorAssert.Exact(T.L([0, 2, 1]).OneHot(), new long[] { 1, 0, 0, 0, 0, 1, 0, 1, 0 }, [3, 3]);
        TensorAssert.Exact(T.L([1, 0]).OneHot(4), new long[] { 0, 1, 0, 0, 1, 0, 0, 0 }, [2, 4]);
        Assert.ThrowsExactly<TorchException>(() => T.L([5]).OneHot(3));
    }
}
