using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SimVae.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Tests.Distributed;

/// <summary>Gloo (libsimvae_gloo.so) on loopback, each rank a thread of this process (the collectives do not care).</summary>
[TestClass]
public sealed class ProcessGroupTests
{
    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public void CollectivesCombineEveryRanksTensors()
    {
        var results = Ranks.Run(3, group =>
        {
            int r = group.Rank;
            using var sum = torch.tensor(new float[] { r, 10 * r });
            group.AllReduce(sum);
            using var mean = torch.tensor(new double[] { r, 3 });
            group.AllReduce(mean, ReduceOp.Mean);
            using var max = torch.tensor(new float[] { r });
            group.AllReduce(max, ReduceOp.Max);
            using var bf16 = torch.tensor(new float[] { 1.5f * r, 256 }).to(ScalarType.BFloat16);
            group.AllReduce(bf16);
            using var broadcast = torch.tensor(new float[] { 100 + r, 200 + r });
            group.Broadcast(broadcast, root: 2);
            using var rows = torch.tensor(new float[] { r, r }, [1, 2]);
            using var gathered = group.AllGather(rows);
            var buckets = new[] { torch.tensor(new float[] { r, 1 }), torch.tensor(new float[] { 2 * r }, [1, 1]), torch.tensor(new float[] { 3 }) };
            group.AllReduceBuckets(buckets, bucketBytes: 8, scale: 0.5);
            group.Barrier();
            var texts = group.ExchangeText($"rank{r}");
            return (Floats(sum), Doubles(mean), max.item<float>(), Floats(bf16.to(ScalarType.Float32)), Floats(broadcast), gathered.shape, Floats(gathered),
                buckets.SelectMany(Floats).ToArray(), texts);
        });
        foreach (var (sum, mean, max, bf16, broadcast, shape, gathered, buckets, texts) in results)
        {
            CollectionAssert.AreEqual(new float[] { 3, 30 }, sum);
            CollectionAssert.AreEqual(new double[] { 1, 3 }, mean);
            Assert.AreEqual(2f, max);
            CollectionAssert.AreEqual(new float[] { 4.5f, 768 }, bf16, "bfloat16 sums (exact in bf16)");
            CollectionAssert.AreEqual(new float[] { 102, 202 }, broadcast);
            CollectionAssert.AreEqual(new long[] { 3, 2 }, shape);
            CollectionAssert.AreEqual(new float[] { 0, 0, 1, 1, 2, 2 }, gathered);
            CollectionAssert.AreEqual(new float[] { 1.5f, 1.5f, 3, 4.5f }, buckets, "sums × 0.5, three buckets of at most 8 bytes");
            CollectionAssert.AreEqual(new[] { "rank0", "rank1", "rank2" }, texts);
        }
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public void GradientOfTheGatheredLossMatchesFiniteDifferences()
    {
        // Rank r's loss L_r = Σ W_r ⊙ tanh(Z Zᵀ) couples every rank's rows through the gathered Z = [x_0; x_1]. The
        // gradient each rank gets for its x_r must be ∂(L_0 + L_1)/∂x_r, which the test computes by central
        // differences on one thread, without any collective.
        const int n = 2, d = 3, world = 2;
        var x = Enumerable.Range(0, world).Select(r => Enumerable.Range(0, n * d).Select(k => Math.Sin(1.7 * k + r)).ToArray()).ToArray();
        var w = Enumerable.Range(0, world).Select(r => Enumerable.Range(0, world * n * world * n).Select(k => Math.Cos(0.9 * k - r)).ToArray()).ToArray();
        Tensor Loss(int r, Tensor z)
        {
            using var weight = torch.tensor(w[r], [world * n, world * n]);
            return (torch.tanh(z.matmul(z.T)) * weight).sum();
        }
        double Total(double[][] xs)
        {
            using var scope = torch.NewDisposeScope();
            var z = torch.cat(xs.Select(v => torch.tensor(v, [n, d])).ToArray());
            return Enumerable.Range(0, world).Sum(r => Loss(r, z).item<double>());
        }

        var analytic = Ranks.Run(world, group =>
        {
            using var scope = torch.NewDisposeScope();
            var input = torch.tensor(x[group.Rank], [n, d]).requires_grad_();
            var gathered = group.AllGather(input);
            Loss(group.Rank, gathered).backward();
            return Doubles(input.grad!);
        });

        const double eps = 1e-6;
        for (int r = 0; r < world; r++)
            for (int k = 0; k < n * d; k++)
            {
                var plus = x.Select(v => (double[])v.Clone()).ToArray();
                var minus = x.Select(v => (double[])v.Clone()).ToArray();
                plus[r][k] += eps;
                minus[r][k] -= eps;
                double numeric = (Total(plus) - Total(minus)) / (2 * eps);
                Assert.AreEqual(numeric, analytic[r][k], 1e-7 + 1e-6 * Math.Abs(numeric), $"rank {r}, element {k}");
            }
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public void MismatchedWorldSizesAreRefusedByEveryRank()
    {
        int port = Ranks.FreePort();
        var errors = new Exception?[2];
        var threads = Enumerable.Range(0, 2).Select(r => new Thread(() =>
        {
            try { ProcessGroup.Create(Ranks.Options(port, r, world: 2 + r)).Dispose(); }
            catch (Exception e) { errors[r] = e; }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        foreach (var e in errors)
        {
            Assert.IsInstanceOfType<DistributedException>(e);
            StringAssert.Contains(e.Message, "world size mismatch");
        }
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public void ARankFailingDuringSetUpStopsTheOthersAtOnce()
    {
        // Rank 1 gives an interface that does not exist: Gloo cannot open its device, and rank 0, waiting for rank 1's
        // address, stops with rank 1's reason instead of waiting out the 60 s timeout.
        int port = Ranks.FreePort();
        var errors = new Exception?[2];
        var clock = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, 2).Select(r => new Thread(() =>
        {
            var options = Ranks.Options(port, r, 2, TimeSpan.FromSeconds(60));
            try { ProcessGroup.Create(r == 1 ? options with { GlooInterface = "nosuchif0" } : options).Dispose(); }
            catch (Exception e) { errors[r] = e; }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.IsInstanceOfType<DistributedException>(errors[1]);
        StringAssert.Contains(errors[1]!.Message, "nosuchif0");
        Assert.IsInstanceOfType<DistributedException>(errors[0]);
        StringAssert.Contains(errors[0]!.Message, "rank 1 failed during set-up");
        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public void AStuckRankMakesTheOthersFailWithinTheTimeoutNamingIt()
    {
        var timeout = TimeSpan.FromSeconds(3);
        var clock = new Stopwatch();
        var results = Ranks.Run(2, group =>
        {
            using var t = torch.tensor(new float[] { 1 });
            group.AllReduce(t);
            if (group.Rank == 1)
            {
                // Rank 1 stays alive but skips the next collective until rank 0 has given up.
                Thread.Sleep(timeout * 4);
                return (Exception?)null;
            }
            clock.Start();
            try { group.AllReduce(t); return null; }
            catch (DistributedException e) { clock.Stop(); return e; }
        }, timeout);
        var error = results[0] as DistributedException;
        Assert.IsNotNull(error, "rank 0's all-reduce must fail");
        StringAssert.Contains(error.Message, "all_reduce");
        StringAssert.Contains(error.Message, "rank 0 of 2");
        StringAssert.Contains(error.Message, "rank 1 is alive but has entered 1 collectives");
        CollectionAssert.AreEqual(new[] { 1 }, error.FailedRanks.ToArray());
        Assert.IsTrue(clock.Elapsed < timeout + TimeSpan.FromSeconds(6), $"failed after {clock.Elapsed}");
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public void GatheringDifferentShapesIsAnErrorNamingTheShapes()
    {
        var results = Ranks.Run(2, group =>
        {
            using var rows = torch.zeros(group.Rank + 1, 2);
            try { group.AllGather(rows).Dispose(); return ""; }
            catch (DistributedException e) { return e.Message; }
        });
        StringAssert.Contains(results[0], "rank 1 contributes shape [2, 2] but this rank [1, 2]");
    }

    [TestMethod]
    public void IntegerTensorsAreRefusedByAllReduceWithAReason()
    {
        var results = Ranks.Run(2, group =>
        {
            using var ints = torch.tensor(new long[] { 1 });
            return Assert.ThrowsExactly<ArgumentException>(() => group.AllReduce(ints)).Message;
        });
        StringAssert.Contains(results[0], "float32, float64 or bfloat16");
    }

    private static float[] Floats(Tensor t) => t.to(ScalarType.Float32).data<float>().ToArray();

    private static double[] Doubles(Tensor t) => t.to(ScalarType.Float64).data<double>().ToArray();
}

/// <summary>Runs one process group per thread on a free loopback port.</summary>
internal static class Ranks
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static ProcessGroupOptions Options(int port, int rank, int world, TimeSpan? timeout = null) => new()
    {
        WorldSize = world, Rank = rank, LocalRank = rank, LocalWorldSize = world, MasterPort = port,
        Timeout = timeout ?? TimeSpan.FromSeconds(30),
    };

    public static T[] Run<T>(int world, Func<ProcessGroup, T> body, TimeSpan? timeout = null)
    {
        int port = FreePort();
        var results = new T[world];
        var errors = new Exception?[world];
        var threads = Enumerable.Range(0, world).Select(r => new Thread(() =>
        {
            try
            {
                using var group = ProcessGroup.Create(Options(port, r, world, timeout));
                results[r] = body(group);
            }
            catch (Exception e) { errors[r] = e; }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        for (int r = 0; r < world; r++)
            if (errors[r] is { } e) throw new AssertFailedException($"rank {r} failed: {e}");
        return results;
    }
}
