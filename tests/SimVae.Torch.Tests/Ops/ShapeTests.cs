using SimVae.Torch.Tests.TestSupport;

namespace SimVae.Torch.Tests.Ops;

[TestClass]
public class ShapeTests
{
    [TestMethod]
    public void ViewReshapeFlatten_AndViewsShareStorage()
    {
        using var scope = DisposeScope.Open();
        var x = T.Seq(2, 3);
        var v = x.View(3, 2);
        TensorAssert.Exact(v, new float[] { 0, 1, 2, 3, 4, 5 }, [3, 2]);
        TensorAssert.ShapeIs(x.View(-1), 6);
        TensorAssert.ShapeIs(x.Reshape(1, -1, 2), 1, 3, 2);
        v.Fill_(1);
        Assert.AreEqual(6f, x.Sum().Item<float>(), "view writes reach the base tensor");
        var y = T.Seq(2, 3, 4);
        TensorAssert.ShapeIs(y.Flatten(), 24);
        TensorAssert.ShapeIs(y.Flatten(1), 2, 12);
        TensorAssert.ShapeIs(y.Flatten(0, 1), 6, 4);
        Assert.AreEqual(3, y.Dim);
        Assert.AreEqual(4L, y.Size(-1));
        Assert.AreEqual(3L, y.Size(1));
        CollectionAssert.AreEqual(new long[] { 12, 4, 1 }, y.Strides);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => y.Size(3));
        // view of a transposed (non-contiguous) tensor fails; reshape copies
        var t = T.Seq(2, 3).T();
        Assert.ThrowsExactly<TorchException>(() => t.View(6));
        TensorAssert.Exact(t.Reshape(6), new float[] { 0, 3, 1, 4, 2, 5 }, [6]);
    }

    [TestMethod]
    public void PermuteTransposeT_AndContiguous()
    {
        using var scope = DisposeScope.Open();
        var x = T.Seq(2, 3);
        TensorAssert.Exact(x.T(), new float[] { 0, 3, 1, 4, 2, 5 }, [3, 2]);
        TensorAssert.Exact(x.Transpose(0, 1), new float[] { 0, 3, 1, 4, 2, 5 }, [3, 2]);
        TensorAssert.Exact(x.Transpose(-1, -2), new float[] { 0, 3, 1, 4, 2, 5 }, [3, 2]);
        var y = T.Seq(2, 3, 4);
        var p = y.Permute(2, 0, 1);
        TensorAssert.ShapeIs(p, 4, 2, 3);
        // p[k, i, j] = y[i, j, k] = 12 i + 4 j + k; p[1, 1, 2] = 12 + 8 + 1 = 21
        Assert.AreEqual(21f, p.Select(0, 1).Select(0, 1).Select(0, 2).Item<float>());
        CollectionAssert.AreEqual(new long[] { 1, 12, 4 }, p.Strides);
        var c = p.Contiguous();
        CollectionAssert.AreEqual(new long[] { 6, 3, 1 }, c.Strides);
        CollectionAssert.AreEqual(p.ToArray<float>(), c.ToArray<float>());
        TensorAssert.Exact(T.Seq(2, 2, 2).Permute(0, 2, 1), new float[] { 0, 2, 1, 3, 4, 6, 5, 7 }, [2, 2, 2]);
    }

    [TestMethod]
    public void UnsqueezeSqueezeExpandRepeatFlip()
    {
        using var scope = DisposeScope.Open();
        var x = T.F([1, 2, 3]);
        TensorAssert.ShapeIs(x.Unsqueeze(0), 1, 3);
        TensorAssert.ShapeIs(x.Unsqueeze(-1), 3, 1);
        TensorAssert.ShapeIs(x.Unsqueeze(0).Squeeze(0), 3);
        TensorAssert.ShapeIs(x.Squeeze(0), 3); // not size 1: unchanged
        var col = x.Unsqueeze(1);
        var e = col.Expand(3, 2);
        TensorAssert.Exact(e, new float[] { 1, 1, 2, 2, 3, 3 }, [3, 2]);
        CollectionAssert.AreEqual(new long[] { 1, 0 }, e.Strides, "expand is a stride-0 view");
        TensorAssert.ShapeIs(col.Expand(-1, 4), 3, 4);
        TensorAssert.ShapeIs(x.Expand(2, 3), 2, 3);
        col.Mul_(10);
        TensorAssert.Exact(e, new float[] { 10, 10, 20, 20, 30, 30 }, [3, 2]);
        var r = T.F([1, 2], 1, 2).Repeat(2, 2);
        TensorAssert.Exact(r, new float[] { 1, 2, 1, 2, 1, 2, 1, 2 }, [2, 4]);
        TensorAssert.Exact(T.F([1, 2]).Repeat(3), new float[] { 1, 2, 1, 2, 1, 2 }, [6]);
        var m = T.Seq(2, 3);
        TensorAssert.Exact(m.Flip(1), new float[] { 2, 1, 0, 5, 4, 3 }, [2, 3]);
        TensorAssert.Exact(m.Flip(0), new float[] { 3, 4, 5, 0, 1, 2 }, [2, 3]);
        TensorAssert.Exact(m.Flip(0, 1), new float[] { 5, 4, 3, 2, 1, 0 }, [2, 3]);
    }

    [TestMethod]
    public void CloneDetachToDtype()
    {
        using var scope = DisposeScope.Open();
        var x = T.F([1.7f, -2.5f, 0]);
        var c = x.Clone();
        c.Fill_(0);
        TensorAssert.Exact(x, new float[] { 1.7f, -2.5f, 0 }, [3]);
        var d = x.Detach();
        d.Fill_(5);
        TensorAssert.Exact(x, new float[] { 5, 5, 5 }, [3]);

        var f = T.F([1.7f, -2.5f, 0, 3]);
        TensorAssert.Exact(f.To(ScalarType.Int64), new long[] { 1, -2, 0, 3 }, [4]); // truncation toward 0
        TensorAssert.Exact(f.To(ScalarType.Bool), new[] { true, true, false, true }, [4]);
        TensorAssert.Exact(f.To(ScalarType.Float64), new double[] { (double)1.7f, -2.5, 0, 3 }, [4]);
        TensorAssert.Exact(T.B([true, false]).To(ScalarType.Float32), new float[] { 1, 0 }, [2]);
        TensorAssert.Exact(T.L([3, -1]).To(ScalarType.Int32), new[] { 3, -1 }, [2]);
        TensorAssert.Exact(T.L([255, 1]).To(ScalarType.UInt8), new byte[] { 255, 1 }, [2]);
        var h = f.To(ScalarType.Float16);
        Assert.AreEqual(ScalarType.Float16, h.DType);
        CollectionAssert.AreEqual(new[] { (Half)1.7f, (Half)(-2.5f), (Half)0, (Half)3 }, h.ToArray<Half>());
        Assert.AreEqual(ScalarType.BFloat16, f.To(ScalarType.BFloat16).DType);
        var onCpu = f.To(Device.Cpu);
        Assert.AreEqual(ScalarType.Float32, onCpu.DType);
        Assert.AreEqual(Device.Cpu, onCpu.Device);
        TensorAssert.Exact(f.To(Device.Cpu, ScalarType.Float64), new double[] { (double)1.7f, -2.5, 0, 3 }, [4]);
    }

    [TestMethod]
    public void DiagonalAndDiagEmbed()
    {
        using var scope = DisposeScope.Open();
        var m = T.Seq(3, 3);
        TensorAssert.Exact(m.Diagonal(), new float[] { 0, 4, 8 }, [3]);
        TensorAssert.Exact(m.Diagonal(1), new float[] { 1, 5 }, [2]);
        TensorAssert.Exact(m.Diagonal(-1), new float[] { 3, 7 }, [2]);
        // batched: diagonal of the last two dims of (2,2,2)
        TensorAssert.Exact(T.Seq(2, 2, 2).Diagonal(0, 1, 2), new float[] { 0, 3, 4, 7 }, [2, 2]);
        TensorAssert.Exact(T.F([1, 2]).DiagEmbed(), new float[] { 1, 0, 0, 2 }, [2, 2]);
        TensorAssert.Exact(T.F([1, 2, 3, 4], 2, 2).DiagEmbed(), new float[] { 1, 0, 0, 2, 3, 0, 0, 4 }, [2, 2, 2]);
    }

    [TestMethod]
    public void CatStack()
    {
        using var scope = DisposeScope.Open();
        var a = T.F([1, 2], 1, 2);
        var b = T.F([3, 4, 5, 6], 2, 2);
        TensorAssert.Exact(Tensor.Cat([a, b]), new float[] { 1, 2, 3, 4, 5, 6 }, [3, 2]);
        TensorAssert.Exact(Tensor.Cat([b, b], 1), new float[] { 3, 4, 3, 4, 5, 6, 5, 6 }, [2, 4]);
        TensorAssert.Exact(Tensor.Cat([b, b], -1), new float[] { 3, 4, 3, 4, 5, 6, 5, 6 }, [2, 4]);
        var u = T.F([1, 2]);
        var v = T.F([3, 4]);
        TensorAssert.Exact(Tensor.Stack([u, v]), new float[] { 1, 2, 3, 4 }, [2, 2]);
        TensorAssert.Exact(Tensor.Stack([u, v], 1), new float[] { 1, 3, 2, 4 }, [2, 2]);
        TensorAssert.Exact(Tensor.Stack([u, v, u], -1), new float[] { 1, 3, 1, 2, 4, 2 }, [2, 3]);
        Assert.ThrowsExactly<TorchException>(() => Tensor.Stack([u, T.F([1, 2, 3])]));
    }

    [TestMethod]
    public void SplitAndChunk_Pieces()
    {
        using var scope = DisposeScope.Open();
        var x = T.Seq(5, 2);
        var s = x.Split(2);
        Assert.AreEqual(3, s.Length);
        TensorAssert.Exact(s[0], new float[] { 0, 1, 2, 3 }, [2, 2]);
        TensorAssert.Exact(s[1], new float[] { 4, 5, 6, 7 }, [2, 2]);
        TensorAssert.Exact(s[2], new float[] { 8, 9 }, [1, 2]);
        var s1 = x.Split(1, dim: 1);
        Assert.AreEqual(2, s1.Length);
        TensorAssert.Exact(s1[1], new float[] { 1, 3, 5, 7, 9 }, [5, 1]);
        var s2 = x.Split(5);
        Assert.AreEqual(1, s2.Length);
        TensorAssert.ShapeIs(s2[0], 5, 2);
        Assert.AreEqual(2, x.Split(3, dim: -2).Length);
        var sizes = x.Split([1, 4]);
        Assert.AreEqual(2, sizes.Length);
        TensorAssert.Exact(sizes[0], new float[] { 0, 1 }, [1, 2]);
        TensorAssert.Exact(sizes[1], new float[] { 2, 3, 4, 5, 6, 7, 8, 9 }, [4, 2]);
        Assert.ThrowsExactly<TorchException>(() => x.Split([1, 2]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => x.Split(0));
        var c = x.Chunk(3);
        // 5 rows in 3 chunks: ceil(5/3) = 2 rows each, last 1
        Assert.AreEqual(3, c.Length);
        TensorAssert.ShapeIs(c[0], 2, 2);
        TensorAssert.ShapeIs(c[2], 1, 2);
        TensorAssert.Exact(c[2], new float[] { 8, 9 }, [1, 2]);
        var c2 = T.Seq(6).Chunk(4);
        // 6 in 4 chunks: size ceil(6/4) = 2, so only 3 pieces
        Assert.AreEqual(3, c2.Length);
        TensorAssert.Exact(c2[2], new float[] { 4, 5 }, [2]);
        var c3 = T.Seq(2, 4).Chunk(2, dim: 1);
        TensorAssert.Exact(c3[1], new float[] { 2, 3, 6, 7 }, [2, 2]);
        // pieces are views
        s[1].Fill_(-1);
        Assert.AreEqual(-1f, x.Select(0, 2).Select(0, 0).Item<float>());
    }
}
