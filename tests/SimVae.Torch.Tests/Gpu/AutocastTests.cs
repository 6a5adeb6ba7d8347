using SimVae.Torch.Native;
using SimVae.Torch.Nn;
using SimVae.Torch.Optim;

namespace SimVae.Torch.Tests.Gpu;

/// <summary>
/// Mixed precision through the boxed dispatcher. CUDA regions cannot run here (no GPU): they are checked to be
/// no-ops without a device, and the native enter/exit entry points are checked on the thread-local state. CPU
/// regions are real (bfloat16), so they show that operators called through the generic dispatcher are autocast,
/// that regions nest and restore, and that gradients reach float32 parameters.
/// </summary>
[TestClass]
public class AutocastTests
{
    [TestMethod]
    public void CudaRegionWithoutACudaDeviceIsANoOp()
    {
        if (TorchRuntime.CudaAvailable) Assert.Inconclusive("a CUDA device is present");
        using var a = Tensor.Rand([4, 8]);
        using var b = Tensor.Rand([8, 3]);
        using (var region = Autocast.Enable(ScalarType.BFloat16))
        {
            Assert.IsFalse(region.Active);
            Assert.AreEqual(DeviceType.Cuda, region.Device);
            Assert.IsFalse(Autocast.IsEnabled(DeviceType.Cuda));
            using var c = a.MatMul(b);
            Assert.AreEqual(ScalarType.Float32, c.DType);
        }
        Assert.IsFalse(Autocast.IsAnyEnabled);
    }

    [TestMethod]
    public void OnlyReducedFloatingPointTypesAreAccepted()
    {
        foreach (var bad in new[] { ScalarType.Float32, ScalarType.Float64, ScalarType.Int64, ScalarType.UInt8 })
        {
            Assert.ThrowsExactly<ArgumentException>(() => Autocast.Enable(bad), bad.ToString());
            Assert.ThrowsExactly<ArgumentException>(() => Autocast.Enable(bad, DeviceType.Cpu), bad.ToString());
        }
        Assert.IsFalse(Autocast.IsAnyEnabled);
    }

    [TestMethod]
    public unsafe void NativeCudaStateEntersAndRestores()
    {
        // The CUDA autocast state is thread-local and can be set on a CPU-only build; it acts on CUDA tensors only.
        NativeMethods.Check(NativeMethods.AutocastGet(1, out int enabled0, out int dtype0, out int cache0));
        Assert.AreEqual(0, enabled0);
        AutocastState previous;
        NativeMethods.Check(NativeMethods.AutocastEnter(1, (int)ScalarType.BFloat16, 0, &previous));
        try
        {
            Assert.IsTrue(Autocast.IsEnabled(DeviceType.Cuda));
            Assert.AreEqual(ScalarType.BFloat16, Autocast.CurrentDType(DeviceType.Cuda));
            Assert.IsFalse(Autocast.IsEnabled(DeviceType.Cpu));
            using var a = Tensor.Rand([2, 2]);
            using var c = a.MatMul(a);
            Assert.AreEqual(ScalarType.Float32, c.DType, "CPU tensors are not cast by CUDA autocast");
            using (Autocast.Disable()) Assert.IsFalse(Autocast.IsEnabled(DeviceType.Cuda));
            Assert.IsTrue(Autocast.IsEnabled(DeviceType.Cuda));
        }
        finally
        {
            NativeMethods.Check(NativeMethods.AutocastExit(&previous));
        }
        NativeMethods.Check(NativeMethods.AutocastGet(1, out int enabled1, out int dtype1, out int cache1));
        Assert.AreEqual((enabled0, dtype0, cache0), (enabled1, dtype1, cache1));
        Assert.AreNotEqual(0, NativeMethods.AutocastEnter(7, (int)ScalarType.BFloat16, 1, &previous), "unknown device type");
        Assert.AreNotEqual(0, NativeMethods.AutocastEnter(1, (int)ScalarType.Float32, 1, &previous), "float32 is not a reduced type");
        Assert.IsFalse(Autocast.IsAnyEnabled);
    }

    [TestMethod]
    public void CpuRegionRunsMatrixProductsInBFloat16ThroughTheDispatcher()
    {
        using var x = Tensor.Rand([5, 8]);
        using var layer = new Linear(8, 4);
        using (var region = Autocast.Enable(ScalarType.BFloat16, DeviceType.Cpu))
        {
            Assert.IsTrue(region.Active);
            Assert.IsTrue(Autocast.IsEnabled(DeviceType.Cpu));
            using var y = layer.Forward(x);
            Assert.AreEqual(ScalarType.BFloat16, y.DType);
            using var z = x.MatMul(x.T());
            Assert.AreEqual(ScalarType.BFloat16, z.DType);
            using (var off = Autocast.Disable())
            {
                Assert.IsTrue(off.Active);
                Assert.IsFalse(Autocast.IsAnyEnabled);
                using var y32 = layer.Forward(x);
                Assert.AreEqual(ScalarType.Float32, y32.DType);
            }
            Assert.IsTrue(Autocast.IsEnabled(DeviceType.Cpu), "leaving the float32 region restores autocast");
            using var f = Autocast.ToFloat32(y);
            Assert.AreEqual(ScalarType.Float32, f.DType);
            using var same = Autocast.ToFloat32(x);
            Assert.AreEqual(ScalarType.Float32, same.DType);
        }
        Assert.IsFalse(Autocast.IsEnabled(DeviceType.Cpu));
        using var after = layer.Forward(x);
        Assert.AreEqual(ScalarType.Float32, after.DType);
    }

    [TestMethod]
    public void RegionsNestAndRestoreTheOuterState()
    {
        using (Autocast.Enable(ScalarType.BFloat16, DeviceType.Cpu))
        {
            using (Autocast.Enable(ScalarType.BFloat16, DeviceType.Cpu, cacheEnabled: false))
                Assert.IsTrue(Autocast.IsEnabled(DeviceType.Cpu));
            Assert.IsTrue(Autocast.IsEnabled(DeviceType.Cpu));
            Assert.AreEqual(ScalarType.BFloat16, Autocast.CurrentDType(DeviceType.Cpu));
        }
        Assert.IsFalse(Autocast.IsAnyEnabled);
        using (var off = Autocast.Disable()) Assert.IsFalse(off.Active, "nothing to disable");
    }

    [TestMethod]
    public void GradientsUnderAutocastReachFloat32ParametersAndMatchFloat32Closely()
    {
        TorchRuntime.ManualSeed(7);
        using var model = new Sequential(new Linear(16, 32), new ReLU(), new Linear(32, 4));
        using var x = Tensor.Rand([8, 16]);
        using var target = Tensor.Rand([8, 4]);
        double[] Grads(bool mixed)
        {
            model.ZeroGrad();
            using var scope = DisposeScope.Open();
            Tensor loss;
            using (mixed ? Autocast.Enable(ScalarType.BFloat16, DeviceType.Cpu) : null)
            {
                var y = model.Forward(x);
                using (Autocast.Disable())
                    loss = Functional.MseLoss(Autocast.ToFloat32(y), target, Reduction.Sum);
            }
            Assert.AreEqual(ScalarType.Float32, loss.DType);
            loss.Backward();
            var all = new List<double>();
            foreach (var p in model.Parameters())
            {
                using var g = p.Grad ?? throw new AssertFailedException("missing gradient");
                Assert.AreEqual(ScalarType.Float32, g.DType, "gradients of float32 parameters stay float32");
                Assert.AreEqual(ScalarType.Float32, p.DType);
                using var d = g.To(ScalarType.Float64);
                all.AddRange(d.ToArray<double>());
            }
            return all.ToArray();
        }
        var reference = Grads(false);
        var mixed = Grads(true);
        double scale = reference.Max(Math.Abs);
        for (int k = 0; k < reference.Length; k++)
            Assert.AreEqual(reference[k], mixed[k], 0.05 * scale, $"gradient element {k}");
    }

    [TestMethod]
    public void ClosingOnAnotherThreadIsRefused()
    {
        var region = Autocast.Enable(ScalarType.BFloat16, DeviceType.Cpu);
        try
        {
            var e = Task.Run(() => Assert.ThrowsExactly<InvalidOperationException>(region.Dispose)).GetAwaiter().GetResult();
            StringAssert.Contains(e.Message, "thread");
        }
        finally
        {
            region.Dispose();
        }
        Assert.IsFalse(Autocast.IsAnyEnabled);
    }
}
