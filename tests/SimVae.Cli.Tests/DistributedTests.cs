using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SimVae.Serialization;
using TorchSharp;

namespace SimVae.Cli.Tests;

/// <summary>Data-parallel training as real processes: Gloo (libsimvae_gloo.so) over loopback or between two network namespaces, one thread per worker.</summary>
[TestClass]
public sealed class DistributedTests
{
    private static string ToolDll => Cli.ToolDll;

    // A small run: 64 synthetic images, global batch 16 (2 ranks × 8), 8 steps (two passes over the data), views = copies of the image so that
    // both runs see identical inputs (augmentations are drawn per rank, as PyTorch's DDP workers draw their own).
    // SimVAE's sampling noise is drawn for the global batch on every rank, so it is the same in both runs.
    private const string Run = "train --preset paper --dataset synthetic --limit 64 --batch-size 16 --max-steps 8 --augmentation none --learning-rate 1e-4 --log-every 10 --quiet";

    /// <summary>
    /// 2 ranks × 8 images reach the parameters 1 process × 16 images reaches, up to float32 rounding: the sums run in
    /// another order (Gloo's all-reduce, the shards' matrix products) and Adam's normalised steps amplify last-bit
    /// differences in near-zero gradients. That amplification is a lottery over longer runs: SimCLR measured 6e-8 after
    /// 10 steps and 3e-4 after 20 on one machine (2e-7 after 20 on another), so the runs stop after 8 steps, enough for
    /// two passes over the shards. Measured after 8 steps at learning rate 1e-4 (relative L2 distance of all weights):
    /// SimVAE 4e-8, SimCLR 6e-8, VICReg 2e-4 (its variance/covariance terms cancel
    /// heavily; in float64 its combined gradient equals the whole batch's to 1e-16, see DataParallelGradientTests).
    /// Tolerances: 1e-5, 1e-5, 1e-2 — a wrong rule (no gather, wrong shard, wrong scale) moves the weights by far more.
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
        Assert.AreEqual("8", two.Metadata["step"]);
        double squaredDiff = 0, squared = 0;
        foreach (var (name, a) in one.Tensors.Where(t => t.Key.StartsWith("model.", StringComparison.Ordinal)))
        {
            var x = a.to(torch.ScalarType.Float64).data<double>().ToArray();
            var y = two.Tensors[name].to(torch.ScalarType.Float64).data<double>().ToArray();
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
        var args = $"train --preset paper --dataset synthetic --limit 64 --batch-size 16 --max-steps 100000 --checkpoint-every 5 --threads 1 --dist-timeout 20 --output run.simvae";
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
        Console.WriteLine($"rank 0 stopped {clock.Elapsed.TotalSeconds:F1} s after rank 1 was killed");
        Assert.AreEqual(ExitCodes.Device, rank0.ExitCode, text);
        StringAssert.Contains(text, "failed on rank 0 of 2");
        StringAssert.Contains(text, "rank 1 stopped");
        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(20), $"rank 0 stopped {clock.Elapsed.TotalSeconds:F1} s after the kill (timeout 20 s)");

        // The last checkpoint loads and training continues from it in one process.
        using (var file = SafeTensors.Load(checkpoint))
        {
            long step = long.Parse(file.Metadata["step"], CultureInfo.InvariantCulture);
            var (code, resumed) = Tool($"train --preset paper --dataset synthetic --limit 64 --batch-size 16 --max-steps {step + 1} --threads 1 --resume --quiet --output run.simvae", folder.Path);
            Assert.AreEqual(0, code, resumed);
        }
    }

    [TestMethod]
    [Timeout(180_000, CooperativeCancellation = true)]
    [DataRow("--limit 64 --backbone conv", "model options", "backbone is \"Mlp\" on rank 0, \"Conv\" on rank 1")]
    [DataRow("--limit 48", "data fingerprint", "")]
    public void RanksWithDifferentSettingsAreRefusedBeforeTheFirstStep(string rank1Change, string named, string difference)
    {
        using var folder = new TempFolder();
        int port = FreePort();
        const string args = "train --preset paper --dataset synthetic --batch-size 16 --max-steps 5 --threads 1 --dist-timeout 30 --output run.simvae";
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
            StringAssert.Contains(text, difference);
        }
        Assert.IsFalse(File.Exists(folder.File("run.simvae.ckpt")), "no step was taken");
    }

    [TestMethod]
    [DataRow("--nproc-per-node 1000", "--nproc-per-node must be within 1..")]
    [DataRow("--nproc-per-node 2 --batch-size 15", "--batch-size 15 cannot be split evenly between 2 workers")]
    [DataRow("--nproc-per-node 2 --nnodes 3 --batch-size 16", "--batch-size 16 cannot be split evenly between 6 workers")]
    public void TheLauncherRefusesAbsurdWorkerCountsAndUnevenBatchesBeforeStartingAny(string options, string message)
    {
        var run = Cli.Run(["train", "--dataset", "synthetic", "--limit", "64", .. options.Split(' ')]);
        Assert.AreEqual(ExitCodes.Usage, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Stderr, message);
    }

    [TestMethod]
    [Timeout(240_000, CooperativeCancellation = true)]
    public void SigtermReachesEveryRankWithOneStepAndAKilledRankZeroIsExitCode5()
    {
        using var folder = new TempFolder();
        var args = $"\"{ToolDll}\" train --preset paper --dataset synthetic --limit 64 --batch-size 16 --max-steps 100000 --checkpoint-every 100000 --threads 2 --nproc-per-node 2 --master-port {FreePort()} --output run.simvae";
        // SIGTERM to the launcher: forwarded; both ranks stop at the step of the checkpoint and say so; exit 130.
        using (var launcher = Processes.Start("dotnet", $"{args} --metrics m.jsonl --log-every 1", folder.Path, null, out var log))
        {
            WaitFor(() => File.Exists(folder.File("m.jsonl")) && new FileInfo(folder.File("m.jsonl")).Length > 0, launcher, log);
            Assert.AreEqual(0, Processes.Run("kill", $"-TERM {launcher.Id}", folder.Path, TimeSpan.FromSeconds(10)).ExitCode);
            Assert.IsTrue(launcher.WaitForExit(TimeSpan.FromSeconds(60)), $"still running after SIGTERM:\n{log}");
            launcher.WaitForExit();
            string text;
            lock (log) text = log.ToString();
            Assert.AreEqual(ExitCodes.Cancelled, launcher.ExitCode, text);
            long step = HostileUserTests.CheckpointStep(folder.File("run.simvae.ckpt"));
            StringAssert.Contains(text, $"simvae: error: training interrupted at step {step}; checkpoint written");
            StringAssert.Contains(text, $"[rank 1] simvae: error: training interrupted at step {step}; rank 0 writes the checkpoint");
        }
        // SIGKILL to rank 0: the launcher reports it as a failed rank (exit 5, docs/distributed.md), not 137.
        using (var launcher = Processes.Start("dotnet", args, folder.Path, null, out var log))
        {
            int rank0 = 0;
            WaitFor(() => (rank0 = WorkerOfRank(launcher.Id, 0)) > 0, launcher, log);
            Thread.Sleep(3000);
            Assert.AreEqual(0, Processes.Run("kill", $"-KILL {rank0}", folder.Path, TimeSpan.FromSeconds(10)).ExitCode);
            Assert.IsTrue(launcher.WaitForExit(TimeSpan.FromSeconds(60)), $"still running after rank 0 was killed:\n{log}");
            launcher.WaitForExit();
            string text;
            lock (log) text = log.ToString();
            Assert.AreEqual(ExitCodes.Device, launcher.ExitCode, text);
            StringAssert.Contains(text, "rank 0 was killed by signal 9 (exit code 137)");
        }
    }

    /// <summary>
    /// Issue 19: RANK=0 given to two processes. The second cannot host the rendezvous store on the first one's port and
    /// stops at once with one line naming the port (it used to share the port through SO_REUSEPORT, and both waited
    /// out --dist-timeout for a rank 1 the other one had).
    /// </summary>
    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public void ASecondProcessClaimingRankZeroStopsAtOnceNamingThePort()
    {
        using var folder = new TempFolder();
        int port = FreePort();
        var environment = new Dictionary<string, string>
        {
            ["RANK"] = "0", ["LOCAL_RANK"] = "0", ["WORLD_SIZE"] = "2", ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = port.ToString(CultureInfo.InvariantCulture),
        };
        var args = $"\"{ToolDll}\" train --preset paper --dataset synthetic --limit 64 --batch-size 16 --max-steps 4 --dist-timeout 60 --quiet";
        using var first = Processes.Start("dotnet", $"{args} --output first.simvae", folder.Path, environment, out var firstLog);
        try
        {
            WaitFor(() => Listening(port), first, firstLog);
            var clock = Stopwatch.StartNew();
            var (code, text) = Processes.Run("dotnet", $"{args} --output second.simvae", folder.Path, TimeSpan.FromSeconds(50), environment);
            Assert.AreEqual(ExitCodes.Device, code, text);
            Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(30), $"stopped after {clock.Elapsed.TotalSeconds:F0} s:\n{text}");
            StringAssert.Contains(text, $"port {port} is already in use");
            Assert.AreEqual(1, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, $"one line, no raw log lines:\n{text}");
        }
        finally
        {
            try { first.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
    }

    private static bool Listening(int port)
    {
        try
        {
            using var probe = new System.Net.Sockets.TcpClient();
            probe.Connect(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private static void WaitFor(Func<bool> condition, Process process, System.Text.StringBuilder log)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.IsFalse(process.HasExited, $"exited early:\n{log}");
            Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(90), $"not within 90 s:\n{log}");
            Thread.Sleep(100);
        }
    }

    /// <summary>The process id of the launcher's worker of rank <paramref name="rank"/> (0 while none), from /proc.</summary>
    private static int WorkerOfRank(int launcher, int rank)
    {
        foreach (var status in Directory.EnumerateDirectories("/proc").Select(Path.GetFileName))
        {
            if (!int.TryParse(status, CultureInfo.InvariantCulture, out int pid)) continue;
            try
            {
                var environment = File.ReadAllText($"/proc/{pid}/environ").Split('\0');
                if (environment.Contains($"SIMVAE_LAUNCHER_PID={launcher}") && environment.Contains($"RANK={rank}")) return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return 0;
    }

    [TestMethod]
    [Timeout(180_000, CooperativeCancellation = true)]
    public void WorkersDieWithTheirLauncher()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("skipped: parent-death signals are Linux's");
        using var folder = new TempFolder();
        using var launcher = Processes.Start("dotnet", $"\"{ToolDll}\" train --preset paper --dataset synthetic --limit 64 --batch-size 16 --max-steps 100000 --threads 2 " +
                                             $"--checkpoint-every 100000 --nproc-per-node 2 --master-port {FreePort()} --output run.simvae", folder.Path, null, out var output);
        var clock = Stopwatch.StartNew();
        while (WorkersOf(launcher.Id).Length < 2)
        {
            if (launcher.HasExited || clock.Elapsed > TimeSpan.FromSeconds(60)) Assert.Fail($"the workers did not start:\n{output}");
            Thread.Sleep(100);
        }
        Thread.Sleep(2000);
        launcher.Kill(); // SIGKILL: the launcher gets no chance to stop its workers itself
        clock.Restart();
        while (WorkersOf(launcher.Id).Length > 0)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10)) Assert.Fail($"workers {string.Join(", ", WorkersOf(launcher.Id))} outlived their launcher by 10 s");
            Thread.Sleep(100);
        }
    }

    /// <summary>
    /// Two machines: two network namespaces joined by a veth pair, each with its own address, one worker each
    /// (--nnodes 2). The hostname resolves to 127.0.0.1 in both, so a rank advertising its hostname's address would
    /// be unreachable: node 0 finds its address from the route to --master-addr, node 1 is given its interface
    /// through GLOO_SOCKET_IFNAME.
    /// </summary>
    [TestMethod]
    [Timeout(240_000, CooperativeCancellation = true)]
    public void TwoMachinesInTwoNetworkNamespacesTrainTogether()
    {
        using var net = NetworkNamespaces.Create();
        using var folder = new TempFolder();
        string args = $"train --preset paper --dataset synthetic --limit 64 --batch-size 16 --max-steps 5 --threads 1 --dist-timeout 60 --quiet --output run.simvae " +
                      $"--nnodes 2 --nproc-per-node 1 --master-addr {net.AddressA} --master-port 29517";
        using var node0 = Processes.Start("ip", $"netns exec {net.NamespaceA} dotnet \"{ToolDll}\" {args} --node-rank 0", folder.Path, null, out var output0);
        using var node1 = Processes.Start("ip", $"netns exec {net.NamespaceB} dotnet \"{ToolDll}\" {args} --node-rank 1", folder.Path,
            new Dictionary<string, string> { ["GLOO_SOCKET_IFNAME"] = net.InterfaceB }, out var output1);
        foreach (var (node, output) in new[] { (node0, output0), (node1, output1) })
        {
            if (!node.WaitForExit(TimeSpan.FromSeconds(180))) { node.Kill(entireProcessTree: true); Assert.Fail($"still running after 180 s:\n{output0}\n{output1}"); }
            node.WaitForExit();
            Assert.AreEqual(0, node.ExitCode, $"node 0:\n{output0}\nnode 1:\n{output1}");
        }
        using var checkpoint = SafeTensors.Load(folder.File("run.simvae.ckpt"));
        Assert.AreEqual("5", checkpoint.Metadata["step"]);
    }

    private static (int Code, string Output) Tool(string arguments, string folder) =>
        Processes.Run("dotnet", $"\"{ToolDll}\" {arguments}", folder, TimeSpan.FromSeconds(150));

    private static Process Worker(string arguments, string folder, int port, int rank, int world, out System.Text.StringBuilder output) =>
        Processes.Start("dotnet", $"\"{ToolDll}\" {arguments}", folder, new Dictionary<string, string>
        {
            ["MASTER_ADDR"] = "127.0.0.1", ["MASTER_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["RANK"] = rank.ToString(CultureInfo.InvariantCulture), ["WORLD_SIZE"] = world.ToString(CultureInfo.InvariantCulture),
        }, out output);

    /// <summary>Process ids of the live workers a launcher started (their environment names it).</summary>
    private static int[] WorkersOf(int launcher)
    {
        var mark = $"SIMVAE_LAUNCHER_PID={launcher}\0";
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "environ")).Contains(mark, StringComparison.Ordinal) &&
                    !File.ReadAllText(Path.Combine(dir, "stat")).Contains(") Z ", StringComparison.Ordinal))
                    found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return [.. found];
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// Two network namespaces joined by a veth pair (10.213.x.1 and 10.213.x.2), removed on dispose: two "machines" on
/// this one. Needs root and iproute2; otherwise the test is skipped (inconclusive) with the reason.
/// </summary>
internal sealed class NetworkNamespaces : IDisposable
{
    private NetworkNamespaces(string suffix, int subnet)
    {
        NamespaceA = $"svA{suffix}";
        NamespaceB = $"svB{suffix}";
        InterfaceA = $"svA{suffix}";
        InterfaceB = $"svB{suffix}";
        AddressA = $"10.213.{subnet}.1";
        AddressB = $"10.213.{subnet}.2";
    }

    public string NamespaceA { get; }
    public string NamespaceB { get; }
    public string InterfaceA { get; }
    public string InterfaceB { get; }
    public string AddressA { get; }
    public string AddressB { get; }

    /// <summary>Creates the pair, or marks the test inconclusive ("skipped: …") when this machine cannot.</summary>
    public static NetworkNamespaces Create()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("skipped: network namespaces are Linux's");
        if (Environment.UserName != "root") Assert.Inconclusive("skipped: creating network namespaces needs root");
        var net = new NetworkNamespaces(Random.Shared.Next(0x10000).ToString("x4"), Random.Shared.Next(1, 250));
        try
        {
            net.Ip($"netns add {net.NamespaceA}");
            net.Ip($"netns add {net.NamespaceB}");
            net.Ip($"link add {net.InterfaceA} type veth peer name {net.InterfaceB}");
            net.Ip($"link set {net.InterfaceA} netns {net.NamespaceA}");
            net.Ip($"link set {net.InterfaceB} netns {net.NamespaceB}");
            net.Ip($"-n {net.NamespaceA} addr add {net.AddressA}/24 dev {net.InterfaceA}");
            net.Ip($"-n {net.NamespaceB} addr add {net.AddressB}/24 dev {net.InterfaceB}");
            foreach (var (ns, link) in new[] { (net.NamespaceA, net.InterfaceA), (net.NamespaceB, net.InterfaceB), (net.NamespaceA, "lo"), (net.NamespaceB, "lo") })
                net.Ip($"-n {ns} link set {link} up");
            return net;
        }
        catch (InvalidOperationException e)
        {
            net.Dispose();
            Assert.Inconclusive($"skipped: cannot create network namespaces here ({e.Message})");
            throw;
        }
    }

    public void Dispose()
    {
        // Deleting a namespace deletes the veth end inside it, and with it its peer.
        foreach (var ns in new[] { NamespaceA, NamespaceB })
            try { Ip($"netns del {ns}"); } catch (InvalidOperationException) { }
    }

    private void Ip(string arguments)
    {
        try
        {
            var (code, output) = Processes.Run("ip", arguments, Path.GetTempPath(), TimeSpan.FromSeconds(20));
            if (code != 0) throw new InvalidOperationException($"ip {arguments}: {output.Trim()}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"iproute2's ip is not installed ({e.Message})");
        }
    }
}
