using SimVae.Torch.Native;
using SimVae.Torch.Tests.TestSupport;

namespace SimVae.Torch.Tests.Ops;

[TestClass]
public class ErrorTests
{
    [TestMethod]
    public void MatMulShapeMismatch_ThrowsTorchExceptionNamingBothShapes_AndTheProcessContinues()
    {
        using var scope = DisposeScope.Open();
        var a = Tensor.Ones(2, 3);
        var b = Tensor.Ones(4, 5);
        long live = TorchRuntime.LiveTensorCount;
        var e = Assert.ThrowsExactly<TorchException>(() => a.MatMul(b));
        StringAssert.Contains(e.Message, "2x3");
        StringAssert.Contains(e.Message, "4x5");
        StringAssert.Contains(e.Message, "aten::matmul", "the message names the operator");
        Assert.AreEqual(live, TorchRuntime.LiveTensorCount, "a failed call leaks no tensor");
        var mm = Assert.ThrowsExactly<TorchException>(() => a.Mm(b));
        StringAssert.Contains(mm.Message, "2x3");
        StringAssert.Contains(mm.Message, "4x5");
        Assert.ThrowsExactly<TorchException>(() => Tensor.Ones(2, 2, 3).Bmm(Tensor.Ones(2, 4, 1)));
        Assert.ThrowsExactly<TorchException>(() => a + b); // broadcasting mismatch
        // the next operations work normally
        TensorAssert.Exact(a.MatMul(Tensor.Ones(3, 1)), new float[] { 3, 3 }, [2, 1]);
        TensorAssert.Exact(a + 1, new float[] { 2, 2, 2, 2, 2, 2 }, [2, 3]);
    }

    [TestMethod]
    public void ErrorMessagesAreThreadLocal()
    {
        using var scope = DisposeScope.Open();
        string? other = null;
        var thread = new Thread(() =>
        {
            using var s = DisposeScope.Open();
            try { Tensor.Ones(2, 2).View(3); }
            catch (TorchException e) { other = e.Message; }
        });
        thread.Start();
        thread.Join();
        var mine = Assert.ThrowsExactly<TorchException>(() => Tensor.Ones(7).Mm(Tensor.Ones(7)));
        Assert.IsNotNull(other);
        StringAssert.Contains(other, "aten::view");
        StringAssert.Contains(mine.Message, "aten::mm");
    }

    [TestMethod]
    public void CopyTo_WithWrongDtypeOrLength_ThrowsArgumentOrTorchException()
    {
        using var scope = DisposeScope.Open();
        var x = T.F([1, 2, 3]);
        var e = Assert.ThrowsExactly<ArgumentException>(() => x.CopyTo<double>(new double[3]));
        StringAssert.Contains(e.Message, "Float32");
        Assert.ThrowsExactly<ArgumentException>(() => x.ToArray<long>());
        Assert.ThrowsExactly<ArgumentException>(() => T.F([1]).Item<int>());
        Assert.ThrowsExactly<TorchException>(() => x.CopyTo<float>(new float[4]));
        CollectionAssert.AreEqual(new float[] { 1, 2, 3 }, x.ToArray<float>());
    }

    [TestMethod]
    public void UsingADisposedTensor_ThrowsObjectDisposedException()
    {
        using var scope = DisposeScope.Open();
        var x = T.F([1, 2]);
        var y = T.F([3, 4]);
        x.Dispose();
        Assert.IsTrue(x.IsDisposed);
        x.Dispose(); // twice is fine
        Assert.AreEqual("Tensor(disposed)", x.ToString());
        Assert.ThrowsExactly<ObjectDisposedException>(() => x.Shape);
        Assert.ThrowsExactly<ObjectDisposedException>(() => x.ToArray<float>());
        Assert.ThrowsExactly<ObjectDisposedException>(() => x.Exp());
        Assert.ThrowsExactly<ObjectDisposedException>(() => y + x);
        Assert.ThrowsExactly<ObjectDisposedException>(() => Tensor.Cat([y, x]));
        Assert.ThrowsExactly<ObjectDisposedException>(() => y.Index(x));
        Assert.ThrowsExactly<ObjectDisposedException>(() => y.Backward(x));
        Assert.ThrowsExactly<ObjectDisposedException>(() => _ = x.RequiresGrad);
        TensorAssert.Exact(y * 2, new float[] { 6, 8 }, [2]);
    }

    [TestMethod]
    public void BackwardOnNonScalarWithoutGradient_ThrowsTorchException()
    {
        using var scope = DisposeScope.Open();
        var x = T.D([1, 2]).RequiresGrad_();
        var y = x * 2;
        var e = Assert.ThrowsExactly<TorchException>(() => y.Backward());
        StringAssert.Contains(e.Message, "scalar");
        // backward through a tensor that does not require grad
        Assert.ThrowsExactly<TorchException>(() => T.D([1]).Sum().Backward());
        // the graph is still usable with an explicit gradient
        y.Backward(T.D([1, 1]));
        TensorAssert.Exact(x.Grad!, new double[] { 2, 2 }, [2]);
    }

    [TestMethod]
    public void BadOperatorCalls_ThrowTorchException()
    {
        using var scope = DisposeScope.Open();
        Assert.ThrowsExactly<TorchException>(() => new Op("aten::no_such_operator").Call(T.F([1])));
        var e = Assert.ThrowsExactly<TorchException>(() => new Op("aten::neg").Call(T.F([1]), 2L));
        StringAssert.Contains(e.Message, "arguments");
        // a missing argument without a default
        Assert.ThrowsExactly<TorchException>(() => new Op("aten::add", "Tensor").Call(T.F([1])));
        // wrong argument kind for the schema position
        Assert.ThrowsExactly<TorchException>(() => new Op("aten::sum", "dim_IntList").Call(T.F([1]), "oops"));
        Assert.ThrowsExactly<TorchException>(() => T.L([1, 2]).Mean());
        Assert.ThrowsExactly<TorchException>(() => T.F([1, 2]).Gather(0, T.F([0])));
        TensorAssert.Exact(T.F([1]).Neg(), new float[] { -1 }, [1]);
    }
}
