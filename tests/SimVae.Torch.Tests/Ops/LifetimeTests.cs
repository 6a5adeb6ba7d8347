using System.Diagnostics;
using SimVae.Torch.Tests.TestSupport;
using F = SimVae.Torch.Functional;

namespace SimVae.Torch.Tests.Ops;

[TestClass]
public class LifetimeTests
{
    private static long Settled()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return TorchRuntime.LiveTensorCount;
    }

    [TestMethod]
    public void DisposeScope_DisposesEverythingCreatedInIt()
    {
        long start = Settled();
        Tensor a, b, g;
        Tensor[] pieces;
        using (var scope = DisposeScope.Open())
        {
            Assert.AreSame(scope, DisposeScope.Current);
            a = Tensor.Ones(3).RequiresGrad_();
            b = a * 2 + 1;
            pieces = b.Split(1);
            b.Sum().Backward();
            g = a.Grad!;
            var (v, i) = b.Max(0);
            Assert.IsTrue(scope.Count >= 10, $"scope owns {scope.Count}");
            Assert.IsTrue(TorchRuntime.LiveTensorCount >= start + 10);
        }
        Assert.IsNull(DisposeScope.Current);
        Assert.IsTrue(a.IsDisposed && b.IsDisposed && g.IsDisposed && pieces.All(p => p.IsDisposed));
        Assert.AreEqual(start, TorchRuntime.LiveTensorCount);
    }

    [TestMethod]
    public void DetachFromScope_AndMoveToOuterScope_KeepTensors()
    {
        long start = Settled();
        Tensor kept, moved, movedTwice, dropped;
        using (var outer = DisposeScope.Open())
        {
            using (var inner = DisposeScope.Open())
            {
                kept = Tensor.Full([2], 5).DetachFromScope();
                moved = Tensor.Full([2], 6).MoveToOuterScope();
                movedTwice = Tensor.Full([2], 7).MoveToOuterScope();
                dropped = Tensor.Full([2], 8);
                Assert.AreEqual(1, inner.Count);
                Assert.AreEqual(2, outer.Count);
            }
            Assert.IsTrue(dropped.IsDisposed);
            Assert.IsFalse(moved.IsDisposed);
            Assert.AreEqual(6f, moved.ToArray<float>()[0]);
            movedTwice.MoveToOuterScope(); // no scope outside: the caller owns it
            Assert.AreEqual(1, outer.Count);
        }
        Assert.IsTrue(moved.IsDisposed);
        Assert.IsFalse(kept.IsDisposed);
        Assert.IsFalse(movedTwice.IsDisposed);
        CollectionAssert.AreEqual(new float[] { 5, 5 }, kept.ToArray<float>());
        Assert.AreEqual(start + 2, TorchRuntime.LiveTensorCount);
        kept.Dispose();
        movedTwice.Dispose();
        Assert.AreEqual(start, TorchRuntime.LiveTensorCount);
    }

    [TestMethod]
    public void NestedScopes_DisposeInnermostFirst_AndRejectWrongOrder()
    {
        long start = Settled();
        var outer = DisposeScope.Open();
        var x = Tensor.Ones(1);
        var inner = DisposeScope.Open();
        var y = Tensor.Ones(1);
        Assert.AreSame(inner, DisposeScope.Current);
        inner.Dispose();
        Assert.IsTrue(y.IsDisposed);
        Assert.IsFalse(x.IsDisposed);
        Assert.AreSame(outer, DisposeScope.Current);
        inner.Dispose(); // idempotent
        outer.Dispose();
        Assert.IsTrue(x.IsDisposed);
        Assert.IsNull(DisposeScope.Current);
        Assert.AreEqual(start, TorchRuntime.LiveTensorCount);

        // closing the outer scope first is refused and leaves it open, so the right order still cleans up
        var o2 = DisposeScope.Open();
        var kept = Tensor.Ones(1);
        var i2 = DisposeScope.Open();
        Assert.ThrowsExactly<InvalidOperationException>(() => o2.Dispose());
        Assert.IsFalse(kept.IsDisposed);
        Assert.AreSame(i2, DisposeScope.Current);
        i2.Dispose();
        Assert.AreSame(o2, DisposeScope.Current);
        o2.Dispose();
        Assert.IsTrue(kept.IsDisposed);
        Assert.IsNull(DisposeScope.Current, "no dead scope is left current on the thread");
        Assert.AreEqual(start, TorchRuntime.LiveTensorCount);
    }

    [TestMethod]
    public void DisposingATensorEarly_InsideAScope_IsSafe()
    {
        long start = Settled();
        using (DisposeScope.Open())
        {
            var x = Tensor.Ones(2);
            x.Dispose();
            Assert.AreEqual(start, TorchRuntime.LiveTensorCount);
        }
        Assert.AreEqual(start, TorchRuntime.LiveTensorCount);
    }

    [TestMethod]
    public void UnreferencedTensorsOutsideScopes_AreFreedByTheFinalizer()
    {
        long start = Settled();
        static void Leak()
        {
            for (int k = 0; k < 100; k++) _ = Tensor.Ones(10) + 1;
        }
        Leak();
        Assert.IsTrue(TorchRuntime.LiveTensorCount > start);
        Assert.AreEqual(start, Settled());
    }

    /// <summary>
    /// A 2-layer MLP trained by hand for 10,000 steps, one dispose scope per step: live tensors return to the start
    /// value and the process working set grows by less than 20 MB between step 500 and the end.
    /// </summary>
    [TestMethod]
    [Timeout(120_000)]
    public void TenThousandStepTrainingLoop_KeepsTensorCountAndMemoryFlat()
    {
        const int steps = 10_000, warmup = 500;
        const long rssBoundBytes = 20L << 20;
        long start = Settled();
        TorchRuntime.ManualSeed(42);
        Tensor x, target, w1, b1, w2, b2;
        using (DisposeScope.Open())
        {
            // intermediates are freed with the scope; the data and parameters are kept
            x = Tensor.Randn([32, 8]).DetachFromScope();
            target = (x.Select(1, 0) * x.Select(1, 1)).Unsqueeze(1).DetachFromScope(); // y = x0 * x1: needs the hidden layer
            w1 = (Tensor.Randn([16, 8]) * 0.3).RequiresGrad_().DetachFromScope();
            b1 = Tensor.Zeros(16).RequiresGrad_().DetachFromScope();
            w2 = (Tensor.Randn([1, 16]) * 0.3).RequiresGrad_().DetachFromScope();
            b2 = Tensor.Zeros(1).RequiresGrad_().DetachFromScope();
        }
        Tensor[] parameters = [w1, b1, w2, b2];
        long afterSetup = TorchRuntime.LiveTensorCount;
        Assert.AreEqual(start + 6, afterSetup);

        double firstLoss = 0, lastLoss = 0;
        long rssAfterWarmup = 0;
        var watch = Stopwatch.StartNew();
        for (int step = 0; step < steps; step++)
        {
            using (DisposeScope.Open())
            {
                var h = F.Relu(F.Linear(x, w1, b1));
                var y = F.Linear(h, w2, b2);
                var loss = F.MseLoss(y, target);
                loss.Backward();
                using (Autograd.NoGrad())
                {
                    foreach (var p in parameters)
                    {
                        p.Add_(p.Grad!, alpha: -0.05);
                        p.Grad = null;
                    }
                }
                if (step == 0) firstLoss = loss.Item<float>();
                if (step == steps - 1) lastLoss = loss.Item<float>();
            }
            if (step == warmup)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                rssAfterWarmup = Process.GetCurrentProcess().WorkingSet64;
            }
        }
        watch.Stop();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long rssEnd = Process.GetCurrentProcess().WorkingSet64;

        Assert.AreEqual(afterSetup, TorchRuntime.LiveTensorCount, "every per-step tensor was freed");
        long growth = rssEnd - rssAfterWarmup;
        Console.WriteLine($"{steps} steps in {watch.Elapsed.TotalSeconds:F2} s; loss {firstLoss:F4} -> {lastLoss:F4}; RSS growth after warm-up {growth / 1024.0 / 1024.0:F2} MB");
        Assert.IsTrue(growth < rssBoundBytes, $"working set grew by {growth / 1024.0 / 1024.0:F1} MB (bound 20 MB)");
        Assert.IsTrue(lastLoss < 0.5 * firstLoss, $"training did not progress: {firstLoss} -> {lastLoss}");

        foreach (var p in parameters) p.Dispose();
        x.Dispose();
        target.Dispose();
        Assert.AreEqual(start, TorchRuntime.LiveTensorCount);
    }
}
