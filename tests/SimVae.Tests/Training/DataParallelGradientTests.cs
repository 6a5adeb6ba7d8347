using System.Net;
using System.Net.Sockets;
using SimVae.Backbones;
using SimVae.Distributed;
using SimVae.Engine;
using SimVae.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Tests.Training;

/// <summary>
/// The trainer's gradient rule in one process, ranks as threads: each rank's loss on its shard (gathering for SimCLR
/// and VICReg), backward, then the bucketed all-reduce with the method's scale, must give the gradient one model
/// computes on the whole batch.
/// </summary>
[TestClass]
public sealed class DataParallelGradientTests
{
    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    [DataRow("simclr")]
    [DataRow("vicreg")]
    public void ShardGradientsCombineIntoTheWholeBatchGradient(string method)
    {
        SslOptions options = method == "simclr"
            ? new SimClrOptions { Backbone = BackboneKind.Mlp, Height = 8, Width = 8, LatentDim = 4, BatchImages = 8, ProjectionHidden = 16, ProjectionDim = 8 }
            : new VicRegOptions { Backbone = BackboneKind.Mlp, Height = 8, Width = 8, LatentDim = 4, BatchImages = 8, ExpanderDim = 16 };
        const int world = 2, n = 4;
        TorchRuntime.ManualSeed(7);
        using var images = torch.rand([n * world, 1, 8, 8], ScalarType.Float64);
        using var noise = torch.rand([n * world, 1, 8, 8], ScalarType.Float64);
        using var second = images + noise * 0.1;
        // View-major rows of the whole batch: view 1 of images 0..7, then view 2.
        using var whole = torch.cat([images, second]);
        // Float64, so that the comparison sees the rule and not float32's rounding (which Adam can amplify over many steps).
        var models = Enumerable.Range(0, world + 1).Select(_ =>
        {
            TorchRuntime.ManualSeed(1);
            var model = SslModel.Create(options);
            model.to(ScalarType.Float64);
            return model;
        }).ToArray();
        var expected = Gradients(models[world], whole, null);

        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0)) { listener.Start(); port = ((IPEndPoint)listener.LocalEndpoint).Port; }
        var results = new double[world][];
        var errors = new Exception?[world];
        var threads = Enumerable.Range(0, world).Select(r => new Thread(() =>
        {
            try
            {
                using var group = ProcessGroup.Create(new ProcessGroupOptions { WorldSize = world, Rank = r, MasterPort = port, LocalRank = r, LocalWorldSize = world });
                using var shard = torch.cat([images.narrow(0, r * n, n), second.narrow(0, r * n, n)]);
                results[r] = Gradients(models[r], shard, new DataParallelContext(group, true), group);
            }
            catch (Exception e) { errors[r] = e; }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        foreach (var e in errors) if (e is not null) throw e;
        double scale = expected.Max(Math.Abs);
        for (int r = 0; r < world; r++)
        {
            double worst = expected.Select((e, k) => Math.Abs(e - results[r][k])).Max();
            double l2 = Math.Sqrt(expected.Select((e, k) => (e - results[r][k]) * (e - results[r][k])).Sum() / expected.Sum(e => e * e));
            Console.WriteLine($"{method} rank {r}: max |Δg| = {worst:E2} (max |g| = {scale:E2}), relative L2 {l2:E2}");
            Assert.IsTrue(l2 < 1e-12, $"rank {r}: relative L2 {l2:E2}");
        }
        foreach (var m in models) m.Dispose();
    }

    [TestMethod]
    [DataRow("moco")]
    [DataRow("byol")]
    [DataRow("dino")]
    [DataRow("barlow-twins")]
    public void MethodsWhoseShardsCannotComputeTheLossRefuseDataParallelRuns(string method)
    {
        var options = SslMethods.Defaults(method) with { Backbone = BackboneKind.Mlp, Height = 8, Width = 8, BatchImages = 8 };
        if (options is MoCoOptions moco) options = moco with { QueueSize = 8 };
        using var model = SslModel.Create(options);
        model.DataParallel = new DataParallelContext(null!, true);
        var e = Assert.ThrowsExactly<NotSupportedException>(() => model.OnTrainingStep(0, 10));
        StringAssert.Contains(e.Message, method);
    }

    private static double[] Gradients(SslModel model, Tensor views, DataParallelContext? parallel, ProcessGroup? group = null)
    {
        model.DataParallel = parallel;
        using var scope = torch.NewDisposeScope();
        var loss = model.Loss(views);
        loss.Total.backward();
        var grads = model.parameters().Select(p => p.grad!).ToList();
        group?.AllReduceBuckets(grads, 1 << 20, 1.0 / group.WorldSize);
        return grads.SelectMany(g => g.to(ScalarType.Float64).data<double>().ToArray()).ToArray();
    }
}
