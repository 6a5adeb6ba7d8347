using SimVae.Torch.Tests.TestSupport;

namespace SimVae.Torch.Tests.Ops;

[TestClass]
public class FactoryTests
{
    [TestMethod]
    public void ZerosOnesFullEmpty_HaveShapeDtypeAndValues()
    {
        using var scope = DisposeScope.Open();
        TensorAssert.Exact(Tensor.Zeros(2, 3), new float[6], [2, 3]);
        TensorAssert.Exact(Tensor.Zeros([2], ScalarType.Int64), new long[] { 0, 0 }, [2]);
        TensorAssert.Exact(Tensor.Ones(3), new float[] { 1, 1, 1 }, [3]);
        TensorAssert.Exact(Tensor.Ones([2, 1], ScalarType.Float64), new double[] { 1, 1 }, [2, 1]);
        TensorAssert.Exact(Tensor.Ones([2], ScalarType.Bool), new[] { true, true }, [2]);
        TensorAssert.Exact(Tensor.Full([2, 2], 2.5), new float[] { 2.5f, 2.5f, 2.5f, 2.5f }, [2, 2]);
        TensorAssert.Exact(Tensor.Full([3], 7, ScalarType.Int64), new long[] { 7, 7, 7 }, [3]);
        var e = Tensor.Empty([4, 5], ScalarType.Float64);
        TensorAssert.ShapeIs(e, 4, 5);
        Assert.AreEqual(ScalarType.Float64, e.DType);
        Assert.AreEqual(Device.Cpu, e.Device);
        Assert.AreEqual(20L, e.NumberOfElements);
        TensorAssert.ShapeIs(Tensor.Zeros(0, 3), 0, 3);
    }

    [TestMethod]
    public void Arange_IntegerAndFloating()
    {
        using var scope = DisposeScope.Open();
        TensorAssert.Exact(Tensor.Arange(5), new long[] { 0, 1, 2, 3, 4 }, [5]);
        TensorAssert.Exact(Tensor.Arange(2, 11, 3), new long[] { 2, 5, 8 }, [3]);
        TensorAssert.Exact(Tensor.Arange(5, 0, -2), new long[] { 5, 3, 1 }, [3]);
        // 0, 0.5, 1.0, 1.5 (end 2 excluded)
        TensorAssert.Exact(Tensor.Arange(0.0, 2.0, 0.5), new float[] { 0, 0.5f, 1, 1.5f }, [4]);
        TensorAssert.Exact(Tensor.Arange(1.0, 2.0, 0.25, ScalarType.Float64), new double[] { 1, 1.25, 1.5, 1.75 }, [4]);
    }

    [TestMethod]
    public void Eye_IsIdentity()
    {
        using var scope = DisposeScope.Open();
        TensorAssert.Exact(Tensor.Eye(3), new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, [3, 3]);
        TensorAssert.Exact(Tensor.Eye(2, ScalarType.Int64), new long[] { 1, 0, 0, 1 }, [2, 2]);
    }

    [TestMethod]
    public void FromArray_Scalar_AndLikeFactories()
    {
        using var scope = DisposeScope.Open();
        var s = Tensor.Scalar(3.5);
        Assert.AreEqual(0, s.Dim);
        Assert.AreEqual(3.5, s.Item<double>());
        var i = Tensor.Scalar(42L);
        Assert.AreEqual(ScalarType.Int64, i.DType);
        Assert.AreEqual(42.0, i.ToDouble());
        var x = T.D([1, 2, 3, 4, 5, 6], 2, 3);
        TensorAssert.Exact(x.ZerosLike(), new double[6], [2, 3]);
        TensorAssert.Exact(x.OnesLike(), new double[] { 1, 1, 1, 1, 1, 1 }, [2, 3]);
        var r = x.RandLike();
        Assert.AreEqual(ScalarType.Float64, r.DType);
        TensorAssert.ShapeIs(r, 2, 3);
        Assert.IsTrue(r.ToArray<double>().All(v => v >= 0 && v < 1));
        TensorAssert.ShapeIs(x.RandnLike(), 2, 3);
        Assert.ThrowsExactly<ArgumentException>(() => Tensor.FromArray(new float[5], [2, 3]));
        Assert.ThrowsExactly<ArgumentException>(() => Tensor.FromArray(new float[0], [-1]));
    }

    [TestMethod]
    public void RandomFactories_AreReproducibleAfterManualSeed_AndInRange()
    {
        using var scope = DisposeScope.Open();
        static (float[] rand, float[] randn, long[] randint, long[] perm, float[] uni, float[] norm) Draw()
        {
            var u = Tensor.Empty([1000]).Uniform_(-3, -1);
            var n = Tensor.Empty([2000]).Normal_(5, 0.5);
            return (Tensor.Rand([1000]).ToArray<float>(), Tensor.Randn([2000]).ToArray<float>(),
                    Tensor.Randint(3, 7, [1000]).ToArray<long>(), Tensor.Randperm(10).ToArray<long>(),
                    u.ToArray<float>(), n.ToArray<float>());
        }

        TorchRuntime.ManualSeed(7);
        var a = Draw();
        TorchRuntime.ManualSeed(7);
        var b = Draw();
        CollectionAssert.AreEqual(a.rand, b.rand);
        CollectionAssert.AreEqual(a.randn, b.randn);
        CollectionAssert.AreEqual(a.randint, b.randint);
        CollectionAssert.AreEqual(a.perm, b.perm);
        CollectionAssert.AreEqual(a.uni, b.uni);
        CollectionAssert.AreEqual(a.norm, b.norm);
        TorchRuntime.ManualSeed(8);
        CollectionAssert.AreNotEqual(a.rand, Tensor.Rand([1000]).ToArray<float>());

        Assert.IsTrue(a.rand.All(v => v >= 0 && v < 1));
        Assert.IsTrue(a.rand.Average() is > 0.45f and < 0.55f, $"uniform mean {a.rand.Average()}");
        Assert.IsTrue(Math.Abs(a.randn.Average()) < 0.1, $"normal mean {a.randn.Average()}");
        double var = a.randn.Select(v => (double)v * v).Average();
        Assert.IsTrue(var is > 0.85 and < 1.15, $"normal variance {var}");
        Assert.IsTrue(a.randint.All(v => v >= 3 && v < 7));
        CollectionAssert.AreEquivalent(new long[] { 3, 4, 5, 6 }, a.randint.Distinct().ToArray());
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 10).Select(v => (long)v).ToArray(), a.perm);
        Assert.IsTrue(a.uni.All(v => v >= -3 && v < -1));
        Assert.IsTrue(Math.Abs(a.norm.Average() - 5) < 0.1, $"normal_ mean {a.norm.Average()}");
        double sd = Math.Sqrt(a.norm.Select(v => (v - 5.0) * (v - 5.0)).Average());
        Assert.IsTrue(sd is > 0.45 and < 0.55, $"normal_ std {sd}");
    }

    [TestMethod]
    public void RandomFactories_RespectDtype()
    {
        using var scope = DisposeScope.Open();
        Assert.AreEqual(ScalarType.Float64, Tensor.Rand([3], ScalarType.Float64).DType);
        Assert.AreEqual(ScalarType.Float64, Tensor.Randn([3], ScalarType.Float64).DType);
        Assert.AreEqual(ScalarType.Int64, Tensor.Randint(0, 2, [3]).DType);
        Assert.AreEqual(ScalarType.Int64, Tensor.Randperm(3).DType);
    }
}
