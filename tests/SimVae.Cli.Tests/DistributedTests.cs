using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SimVae.Torch;
using SimVae.Torch.Serialization;

namespace SimVae.Cli.Tests;

/// <summary>Data-parallel training as real processes: Gloo over loopback, one thread per worker.</summary>
[TestClass]
public sealed class DistributedTests
{
    private static string ToolDll => Path.Combine(Cli.RepoRoot, "src", "SimVae.Cli", "bin", Cli.Configuration, "net10.0", "SimVae.Cli.dll");

    // A small run: 64 synthetic images, global batch 16 (2 ranks × 8), 20 steps, views = copies of the image so that
    // both runs see identical inputs (augmentations are drawn per rank, as PyTorch's DDP workers draw their own).
    // SimVAE's sampling noise is drawn for the global batch on every rank, so it is the same in both runs.
    private const string Run = "train --dataset synthetic --limit 64 --batch-size 16 --max-steps 20 --augmentation none --learning-rate 1e-4 --log-every 10 --quiet";

    /// <summary>
    /// 2 ranks × 8 images reach the parameters 1 process × 16 images reaches, up to float32 rounding: the sums run in
    /// another order (Gloo's all-reduce, the shards' matrix products) and Adam's normalised steps amplify last-bit
    /// differences in near-zero gradients. Measured after 20 steps at learning rate 1e-4: relative L2 distance of all
    /// weights 1e-7 (SimVAE), 2e-7 (SimCLR), 2e-3 (VICReg, whose variance/covariance terms cancel heavily; in float64
    /// its combined gradient equals the whole batch's to 1e-16, see DataParallelGradientTests). Tolerances: 1e-5, 1e-5,
    /// 1e-2 — a wrong rule (no gather, wrong shard, wrong scale) moves the weights by far more.
    /// </summary>
    [TestMethod]
    [Timeout(180_000, CooperativeCancellation = true)]
    [DataRow("simvae", 1e-5)]
    [DataRow("simclr", 1e-5)]
    [DataRow("vicreg", 1e-2)]
    public void TwoRanksWithHalfBatchesMatchOneProcessWithTheWholeBatch(string method, double tolerance)
    {
        using var folder = new TempFolder();
        var (code, text) = Tool($"{Run} --method {method} --threads 1 --output one.simvae", folder.Path);
        Assert.AreEqual(0, code, text);
        (code, text) = Tool($"{Run} --method {method} --threads 2 --output two.simvae --nproc-per-node 2 --master-port {FreePort()}", folder.Path);
        Assert.AreEqual(0, code, text);
        Assert.IsTrue(File.Exists(folder.File("two.simvae")), "rank 0 writes the bundle");

        using var one = SafeTensors.Load(folder.File("one.simvae.ckpt"));
        using var two = SafeTensors.Load(folder.File("two.simvae.ckpt"));
        Assert.AreEqual("20", two.Metadata["step"]);
        double squaredDiff = 0, squared = 0;
        foreach (var (name, a) in one.Tensors.Where(t => t.Key.StartsWith("model.", StringComparison.Ordinal)))
        {
            var x = a.To(ScalarType.Float64).ToArray<double>();
            var y = two.Tensors[name].To(ScalarType.Float64).ToArray<double>();
            for (int k = 0; k < x.Length; k++)
            {
                squaredDiff += (x[k] - y[k]) * (x[k] - y[k]);
                squared += x[k] * x[k];
            }
        }
        double relativeL2 = Math.Sqrt(squaredDiff / squared);
        Console.WriteLine($"{method}: relative L2 distance of the weights {relativeL2:E2}");
        Assert.IsTrue(relativeL2 <= tolerance, $"{method}: relative L2 distance of the weights {relativeL2:E2} > {tolerance:E0}");
    }

    [TestMethod]
    [Timeout(180_000, CooperativeCancellation = true)]
    public void AKilledRankStopsTheOthersWithinTheTimeoutNamingItAndTheCheckpointStaysLoadable()
    {
        using var folder = new TempFolder();
        int port = FreePort();
        var args = $"train --dataset synthetic --limit 64 --batch-size 16 --max-steps 100000 --checkpoint-every 5 --threads 1 --dist-timeout 20 --output run.simvae";
        using var rank0 = Worker(args, folder.Path, port, 0, 2, out var output0);
        using var rank1 = Worker(args, folder.Path, port, 1, 2, out var output1);
        var checkpoint = folder.File("run.simvae.ckpt");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(checkpoint))
        {
            if (rank0.HasExited || rank1.HasExited) Assert.Fail($"a rank exited early:\n{output0}\n{output1}");
            if (clock.Elapsed > TimeSpan.FromSeconds(90)) Assert.Fail($"no checkpoint within 90 s:\n{output0}\n{output1}");
            Thread.Sleep(100);
        }
        rank1.Kill();
        clock.Restart();
        if (!rank0.WaitForExit(TimeSpan.FromSeconds(40))) { rank0.Kill(); Assert.Fail($"rank 0 still runs 40 s after rank 1 was killed:\n{output0}"); }
        rank0.WaitForExit();
        string text;
        lock (output0) text = output0.ToString();
        Assert.AreEqual(ExitCodes.Device, rank0.ExitCode, text);
        StringAssert.Contains(text, "failed on rank 0 of 2");
        StringAssert.Contains(text, "rank 1 stopped");
        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(20), $"rank 0 stopped {clock.Elapsed.TotalSeconds:F1} s after the kill (timeout 20 s)");

        // The last checkpoint loads and training continues from it in one process.
        using (var file = SafeTensors.Load(checkpoint))
        {
            long step = long.Parse(file.Metadata["step"], CultureInfo.InvariantCulture);
            var (code, resumed) = Tool($"train --dataset synthetic --limit 64 --batch-size 16 --max-steps {step + 1} --threads 1 --resume --quiet --output run.simvae", folder.Path);
            Assert.AreEqual(0, code, resumed);
        }
    }

    [TestMethod]
    [Timeout(180_000, CooperativeCancellation = true)]
    [DataRow("--limit 64 --latent-dim 8", "model options")]
    [DataRow("--limit 48", "data fingerprint")]
    public void RanksWithDifferentSettingsAreRefusedBeforeTheFirstStep(string rank1Change, string named)
    {
        using var folder = new TempFolder();
        int port = FreePort();
        const string args = "train --dataset synthetic --batch-size 16 --max-steps 5 --threads 1 --dist-timeout 30 --output run.simvae";
        using var rank0 = Worker($"{args} --limit 64", folder.Path, port, 0, 2, out var output0);
        using var rank1 = Worker($"{args} {rank1Change}", folder.Path, port, 1, 2, out var output1);
        foreach (var (process, output) in new[] { (rank0, output0), (rank1, output1) })
        {
            Assert.IsTrue(process.WaitForExit(TimeSpan.FromSeconds(60)), $"still running:\n{output}");
            process.WaitForExit();
            string text;
            lock (output) text = output.ToString();
            Assert.AreEqual(ExitCodes.Device, process.ExitCode, text);
            StringAssert.Contains(text, $"refused before the first step: {named} mismatch between rank 0 and rank 1");
        }
        Assert.IsFalse(File.Exists(folder.File("run.simvae.ckpt")), "no step was taken");
    }

    private static (int Code, string Output) Tool(string arguments, string folder) =>
        Processes.Run("dotnet", $"\"{ToolDll}\" {arguments}", folder, TimeSpan.FromSeconds(150));

    private static Process Worker(string arguments, string folder, int port, int rank, int world, out System.Text.StringBuilder output) =>
        Processes.Start("dotnet", $"\"{ToolDll}\" {arguments}", folder, new Dictionary<string, string>
        {
            ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["RANK"] = rank.ToString(CultureInfo.InvariantCulture), ["WORLD_SIZE"] = world.ToString(CultureInfo.InvariantCulture),
        }, out output);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
