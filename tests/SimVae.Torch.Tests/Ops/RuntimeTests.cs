namespace SimVae.Torch.Tests.Ops;

[TestClass]
public class RuntimeTests
{
    [TestMethod]
    public void Threads_CanBeSetAndRead()
    {
        int before = TorchRuntime.Threads;
        try
        {
            TorchRuntime.SetThreads(2);
            Assert.AreEqual(2, TorchRuntime.Threads);
            TorchRuntime.SetThreads(1, blasThreads: 1);
            Assert.AreEqual(1, TorchRuntime.Threads);
            TorchRuntime.EnsureDefaultThreads(); // skipped: SetThreads was called
            Assert.AreEqual(1, TorchRuntime.Threads);
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => TorchRuntime.SetThreads(0));
        }
        finally
        {
            TorchRuntime.SetThreads(before);
        }
    }

    [TestMethod]
    public void VersionCudaAndDevices()
    {
        StringAssert.Matches(TorchRuntime.TorchVersion, new System.Text.RegularExpressions.Regex(@"^\d+\.\d+"));
        Assert.IsTrue(TorchRuntime.CudaDeviceCount >= 0);
        Assert.AreEqual(TorchRuntime.CudaDeviceCount > 0, TorchRuntime.CudaAvailable);
        Assert.AreEqual(Device.Cpu, Device.Parse(" CPU "));
        Assert.AreEqual(Device.Cuda(1), Device.Parse("cuda:1"));
        Assert.AreEqual(Device.Cuda(0), Device.Parse("gpu"));
        Assert.ThrowsExactly<FormatException>(() => Device.Parse("cuda:-1"));
        Assert.AreEqual("cuda:1", Device.Cuda(1).ToString());
        if (!TorchRuntime.CudaAvailable)
        {
            Assert.AreEqual(Device.Cpu, Device.Auto);
            using var x = Tensor.Ones(1);
            Assert.ThrowsExactly<TorchException>(() => x.To(Device.Cuda()));
        }
    }
}
