using SimVae.Torch.Tests.TestSupport;

namespace SimVae.Torch.Tests.Ops;

[TestClass]
public class DataAutogradTests
{
    [TestMethod]
    public void CopyToToArrayItemToDouble()
    {
        using var scope = DisposeScope.Open();
        var x = T.F([1, 2, 3, 4, 5, 6], 2, 3);
        var dst = new float[6];
        x.CopyTo<float>(dst);
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4, 5, 6 }, dst);
        // non-contiguous tensors are copied in logical (row-major) order
        CollectionAssert.AreEqual(new float[] { 1, 4, 2, 5, 3, 6 }, x.T().ToArray<float>());
        Assert.ThrowsExactly<TorchException>(() => x.CopyTo<float>(new float[5]));
        Assert.AreEqual(5f, x.Select(0, 1).Select(0, 1).Item<float>());
        Assert.ThrowsExactly<InvalidOperationException>(() => x.Item<float>());
        Assert.AreEqual(4.0, T.L([4]).ToDouble());
        Assert.AreEqual(1.0, T.B([true]).ToDouble());
        Assert.AreEqual(2.5, T.D([2.5]).ToDouble());
        Assert.AreEqual(7L, T.L([7]).Item<long>());
        Assert.IsTrue(T.B([true]).Item<bool>());
        CollectionAssert.AreEqual(new byte[] { 0, 255 }, Tensor.FromArray(new byte[] { 0, 255 }).ToArray<byte>());
        CollectionAssert.AreEqual(new sbyte[] { -128, 127 }, Tensor.FromArray(new sbyte[] { -128, 127 }).ToArray<sbyte>());
        CollectionAssert.AreEqual(new short[] { -3, 300 }, Tensor.FromArray(new short[] { -3, 300 }).ToArray<short>());
        Assert.AreEqual(ScalarType.Int16, Tensor.FromArray(new short[] { 1 }).DType);
        Assert.AreEqual("Tensor[2, 3] Float32 on cpu", x.ToString());
    }

    [TestMethod]
    public void DataSpan_ReadsAndWritesTheTensorMemory()
    {
        using var scope = DisposeScope.Open();
        var x = T.D([1, 2, 3]);
        var span = x.DataSpan<double>();
        Assert.AreEqual(2.0, span[1]);
        span[1] = 20;
        TensorAssert.Exact(x, new double[] { 1, 20, 3 }, [3]);
        Assert.ThrowsExactly<ArgumentException>(() => x.DataSpan<float>());
        Assert.ThrowsExactly<TorchException>(() => T.Seq(2, 2).T().DataSpan<float>());
    }

    [TestMethod]
    public void Alias_SharesDataAndOutlivesTheOriginal()
    {
        using var scope = DisposeScope.Open();
        var x = T.F([1, 2]);
        var a = x.Alias();
        x.Dispose();
        a.Fill_(3);
        TensorAssert.Exact(a, new float[] { 3, 3 }, [2]);
    }

    [TestMethod]
    public void Backward_ComputesGradientsOfLeaves()
    {
        using var scope = DisposeScope.Open();
        var x = T.D([1, 2, 3]).RequiresGrad_();
        Assert.IsTrue(x.RequiresGrad);
        Assert.IsTrue(x.IsLeaf);
        Assert.IsNull(x.Grad);
        var y = (x * x).Sum(); // dy/dx = 2x
        Assert.IsFalse(y.IsLeaf);
        Assert.IsTrue(y.RequiresGrad);
        y.Backward();
        TensorAssert.Exact(x.Grad!, new double[] { 2, 4, 6 }, [3]);
        // gradients accumulate
        (x * 3).Sum().Backward();
        TensorAssert.Exact(x.Grad!, new double[] { 5, 7, 9 }, [3]);
        // clearing and setting the gradient
        x.Grad = null;
        Assert.IsNull(x.Grad);
        x.Grad = T.D([1, 1, 1]);
        TensorAssert.Exact(x.Grad!, new double[] { 1, 1, 1 }, [3]);
        x.Grad = null;
        // explicit upstream gradient for a non-scalar output: d(sum(g * 2x))/dx = 2g
        (x * 2).Backward(T.D([1, 10, 100]));
        TensorAssert.Exact(x.Grad!, new double[] { 2, 20, 200 }, [3]);
    }

    [TestMethod]
    public void Backward_RetainGraphAndCreateGraph()
    {
        using var scope = DisposeScope.Open();
        var x = T.D([3]).RequiresGrad_();
        var y = (x * x * x).Sum(); // y = x^3, y' = 3x^2 = 27, y'' = 6x = 18
        y.Backward(retainGraph: true);
        TensorAssert.Exact(x.Grad!, new double[] { 27 }, [1]);
        y.Backward();
        TensorAssert.Exact(x.Grad!, new double[] { 54 }, [1]);
        Assert.ThrowsExactly<TorchException>(() => y.Backward(), "second backward without retained graph");

        x.Grad = null;
        var z = (x * x * x).Sum();
        z.Backward(createGraph: true);
        var g = x.Grad!;
        Assert.IsTrue(g.RequiresGrad, "create_graph records the backward pass");
        x.Grad = null;
        g.Sum().Backward();
        TensorAssert.Exact(x.Grad!, new double[] { 18 }, [1]);
    }

    [TestMethod]
    public void NoGrad_DetachAndRequiresGradFlags()
    {
        using var scope = DisposeScope.Open();
        var x = T.D([1, 2]).RequiresGrad_();
        Assert.IsTrue(Autograd.IsEnabled);
        using (Autograd.NoGrad())
        {
            Assert.IsFalse(Autograd.IsEnabled);
            Assert.IsFalse((x * 2).RequiresGrad);
            using (Autograd.EnableGrad())
            {
                Assert.IsTrue(Autograd.IsEnabled);
                Assert.IsTrue((x * 2).RequiresGrad);
            }
            Assert.IsFalse(Autograd.IsEnabled);
        }
        Assert.IsTrue(Autograd.IsEnabled);
        Assert.IsFalse(x.Detach().RequiresGrad);
        Assert.IsTrue(x.Clone().RequiresGrad);
        x.RequiresGrad = false;
        Assert.IsFalse((x * 2).RequiresGrad);
        Assert.IsFalse(T.F([1]).RequiresGrad);
        // only floating tensors can require gradients
        Assert.ThrowsExactly<TorchException>(() => T.L([1]).RequiresGrad_());
        // a non-leaf cannot have its flag set to false
        var y = T.D([1]).RequiresGrad_() * 2;
        Assert.ThrowsExactly<InvalidOperationException>(() => y.RequiresGrad = false);
        Assert.IsTrue(y.RequiresGrad);
    }

    [TestMethod]
    public void SetData_ReplacesDataKeepingIdentity()
    {
        using var scope = DisposeScope.Open();
        var p = T.F([1, 2]).RequiresGrad_();
        var alias = p.Alias();
        p.SetData(T.D([5, 6, 7]));
        Assert.AreEqual(ScalarType.Float64, alias.DType);
        TensorAssert.Exact(alias, new double[] { 5, 6, 7 }, [3]);
        Assert.IsTrue(p.RequiresGrad);
        (p * p).Sum().Backward();
        TensorAssert.Exact(alias.Grad!, new double[] { 10, 12, 14 }, [3]);
    }
}
