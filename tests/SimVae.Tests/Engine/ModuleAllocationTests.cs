using SimVae.Engine;
using SimVae.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Tests.Engine;

/// <summary>A shapes-only region puts this thread's layers on the meta device and leaves every other thread alone.</summary>
[TestClass]
public class ModuleAllocationTests
{
    [TestMethod]
    public void OnlyThisThreadsLayersGoToTheMetaDevice()
    {
        SimVae.Engine.Linear inside;
        DeviceType otherThread;
        using (ModuleAllocation.ShapesOnly())
        {
            inside = new SimVae.Engine.Linear(100_000, 100_000);   // 40 GB if it were allocated
            otherThread = Task.Run(() => { using var t = zeros(3); return t.device_type; }).Result;
            using var here = zeros(3);
            Assert.AreEqual(DeviceType.CPU, here.device_type, "plain tensors keep the default device");
        }
        Assert.AreEqual(DeviceType.META, inside.weight.device_type);
        CollectionAssert.AreEqual(new long[] { 100_000, 100_000 }, inside.weight.shape);
        Assert.AreEqual(DeviceType.CPU, otherThread, "another thread's tensors are not affected");
        Assert.AreEqual(DeviceType.CPU, new SimVae.Engine.Linear(2, 2).weight.device_type, "the region is closed");
    }

    [TestMethod]
    public void StateShapesOfEveryMethodLeaveOtherThreadsOnTheirDevice()
    {
        using var stop = new CancellationTokenSource();
        var watcher = Task.Run(() =>
        {
            int checks = 0;
            while (!stop.IsCancellationRequested)
            {
                using var t = ones(2);
                if (t.device_type != DeviceType.CPU) return -1;
                checks++;
            }
            return checks;
        });
        foreach (var name in SslMethods.Names)
            Assert.IsTrue(SslModel.StateShapes(SslMethods.Defaults(name)).Count > 0, name);
        stop.Cancel();
        Assert.IsTrue(watcher.Result > 0, "a tensor made on another thread while shapes were being computed was not on the CPU");
    }
}
