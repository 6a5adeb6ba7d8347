using SimVae.Torch.Nn;

namespace SimVae.Torch.Tests.Gpu;

/// <summary>
/// Device selection as seen from a CPU-only libtorch (the CI machine): <see cref="Device.Auto"/> falls back to the
/// CPU, and asking for CUDA fails with a <see cref="TorchException"/> carrying libtorch's message. On a machine
/// with a CUDA libtorch and a GPU the CPU-only assertions are skipped (bench/gpu checks the CUDA side).
/// </summary>
[TestClass]
public class DeviceSelectionTests
{
    [TestMethod]
    public void ParseAcceptsEveryDocumentedSpelling()
    {
        Assert.AreEqual(Device.Cpu, Device.Parse("cpu"));
        Assert.AreEqual(Device.Cuda(0), Device.Parse("CUDA"));
        Assert.AreEqual(Device.Cuda(0), Device.Parse("gpu"));
        Assert.AreEqual(Device.Cuda(3), Device.Parse(" cuda:3 "));
        Assert.AreEqual(Device.Auto, Device.Parse("auto"));
        foreach (var bad in new[] { "", "cuda:", "cuda:x", "cuda:-1", "tpu", "cuda 1" })
            Assert.ThrowsExactly<FormatException>(() => Device.Parse(bad), bad);
        Assert.IsTrue(Device.Cuda(1).IsCuda);
        Assert.IsFalse(Device.Cpu.IsCuda);
        Assert.AreEqual("cuda:0", Device.Cuda().ToString());
        Assert.AreEqual("cpu", Device.Cpu.ToString());
    }

    [TestMethod]
    public void AutoIsCudaExactlyWhenLibtorchSeesADevice()
    {
        Assert.AreEqual(TorchRuntime.CudaDeviceCount > 0 ? Device.Cuda(0) : Device.Cpu, Device.Auto);
        Assert.AreEqual(Device.Auto, Device.Parse("auto"));
    }

    [TestMethod]
    public void CudaRequestsOnACpuBuildFailWithLibtorchsMessage()
    {
        if (TorchRuntime.CudaAvailable) Assert.Inconclusive("a CUDA device is present; bench/gpu checks the CUDA side");
        long live = TorchRuntime.LiveTensorCount;
        var factories = new Func<Tensor>[]
        {
            () => Tensor.Zeros([2, 3], ScalarType.Float32, Device.Cuda()),
            () => Tensor.Ones([2], ScalarType.Float32, Device.Cuda()),
            () => Tensor.Rand([2], ScalarType.Float32, Device.Cuda()),
            () => Tensor.Arange(4, Device.Cuda()),
            () => Tensor.FromArray(new float[] { 1, 2 }, null, Device.Cuda()),
        };
        foreach (var make in factories)
        {
            var e = Assert.ThrowsExactly<TorchException>(() => make());
            StringAssert.Contains(e.Message, "CUDA", $"libtorch's message should name CUDA: {e.Message}");
        }
        using (var x = Tensor.Ones(3))
        {
            var e = Assert.ThrowsExactly<TorchException>(() => x.To(Device.Cuda()));
            StringAssert.Contains(e.Message, "CUDA");
        }
        Assert.ThrowsExactly<TorchException>(() => TorchRuntime.CudaSynchronize());
        Assert.AreEqual(live, TorchRuntime.LiveTensorCount, "failed calls must not leak handles");
    }

    [TestMethod]
    public void ModuleToCudaFailsCleanlyAndLeavesTheModuleOnTheCpu()
    {
        if (TorchRuntime.CudaAvailable) Assert.Inconclusive("a CUDA device is present; bench/gpu checks the CUDA side");
        using var model = new Linear(4, 2);
        Assert.ThrowsExactly<TorchException>(() => model.To(Device.Cuda()));
        foreach (var p in model.Parameters()) Assert.AreEqual(Device.Cpu, p.Device);
        using var x = Tensor.Ones([1, 4]);
        using var y = model.Forward(x);
        CollectionAssert.AreEqual(new long[] { 1, 2 }, y.Shape);
    }

    [TestMethod]
    public void CpuTensorsReportTheCpu()
    {
        using var x = Tensor.Zeros([2, 2], ScalarType.Float32, Device.Auto);
        Assert.AreEqual(Device.Auto.IsCuda ? DeviceType.Cuda : DeviceType.Cpu, x.Device.Type);
        using var y = Tensor.Zeros(2);
        Assert.AreEqual(Device.Cpu, y.Device);
    }
}
