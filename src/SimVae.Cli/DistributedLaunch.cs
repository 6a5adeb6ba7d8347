using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using SimVae.Distributed;
using SimVae.Engine;
using SimVae.Training;
using TorchSharp;

namespace SimVae.Cli;

/// <summary>
/// <c>simvae train</c>'s data-parallel options and local launcher, after torchrun: <c>--nproc-per-node N</c> starts N
/// worker processes on this machine (the CPU threads split between them), <c>--nnodes</c>/<c>--node-rank</c>/
/// <c>--master-addr</c>/<c>--master-port</c> make this machine one of several. A process that finds torchrun's
/// variables (<c>WORLD_SIZE</c>, <c>RANK</c>, …) in its environment is a worker: it joins the run and trains its shard.
/// Workers started here die with the launcher (Linux's parent-death signal), and when one fails the others are
/// stopped after a short grace (time to report the rank at fault themselves).
/// </summary>
internal sealed partial class DistributedLaunch
{
    /// <summary>Set in the workers' environment: the launcher's process id (they ask to be killed when it dies).</summary>
    internal const string LauncherVariable = "SIMVAE_LAUNCHER_PID";

    /// <summary>How long the other workers may take to stop by themselves after one failed, before they are killed.</summary>
    private static readonly TimeSpan FailureGrace = TimeSpan.FromSeconds(10);

    private readonly Option<int> nprocPerNode = new("--nproc-per-node") { Description = "Worker processes on this machine, at most one per processor (data-parallel on CPUs; --batch-size is the global batch, split between all workers)", DefaultValueFactory = _ => 1 };
    private readonly Option<int> nnodes = new("--nnodes") { Description = "Machines in the run", DefaultValueFactory = _ => 1 };
    private readonly Option<int> nodeRank = new("--node-rank") { Description = "This machine's index, 0 … nnodes − 1 (machine 0 hosts the rendezvous)", DefaultValueFactory = _ => 0 };
    private readonly Option<string> masterAddr = new("--master-addr") { Description = "Address of machine 0 (torchrun's MASTER_ADDR)", DefaultValueFactory = _ => "127.0.0.1" };
    private readonly Option<int> masterPort = new("--master-port") { Description = "Free TCP port on machine 0 for the rendezvous (torchrun's MASTER_PORT)", DefaultValueFactory = _ => 29500 };
    private readonly Option<int> timeout = new("--dist-timeout") { Description = "Seconds a rendezvous or collective may wait before the run stops with an error naming the rank at fault", DefaultValueFactory = _ => 300 };
    private readonly Option<bool> noGather = new("--no-gather") { Description = "SimCLR/VICReg: compute the loss per worker instead of over the gathered global batch" };
    private readonly Option<int> bucketKb = new("--bucket-kb") { Description = "Gradient all-reduce bucket size in KiB", DefaultValueFactory = _ => (int)(DataParallelOptions.DefaultBucketBytes / 1024) };

    /// <summary>The options to add to the command.</summary>
    public IEnumerable<Option> Options => [nprocPerNode, nnodes, nodeRank, masterAddr, masterPort, timeout, noGather, bucketKb];

    /// <summary>The data-parallel settings of a worker (torchrun's variables in the environment), else null.</summary>
    public DataParallelOptions? Worker(ParseResult r)
    {
        ProcessGroupOptions? group;
        try
        {
            group = ProcessGroupOptions.FromEnvironment();
        }
        catch (ArgumentException e)
        {
            throw CliException.Usage(e.Message);
        }
        if (group is null) return null;
        DieWithLauncher();
        return new DataParallelOptions
        {
            ProcessGroup = group with { Timeout = TimeSpan.FromSeconds(Checked(r, timeout, 1, int.MaxValue)) },
            GatherGlobalBatch = !r.GetValue(noGather),
            BucketBytes = 1024L * Checked(r, bucketKb, 1, 1 << 20),
        };
    }

    /// <summary>
    /// When this process is a launcher (no torchrun variables, more than one worker asked for): starts this machine's
    /// workers, waits for them and returns the exit code (rank 0's, else the first failure); otherwise null.
    /// </summary>
    public int? LaunchIfAsked(ParseResult r, CliOutput output)
    {
        int perNode = Checked(r, nprocPerNode, 1, MaxWorkersPerNode), nodes = Checked(r, nnodes, 1, 65536);
        int node = Checked(r, nodeRank, 0, nodes - 1), port = Checked(r, masterPort, 1, 65535);
        if (Environment.GetEnvironmentVariable("WORLD_SIZE") is { Length: > 0 } || perNode * nodes == 1) return null;
        int world = perNode * nodes;
        CheckBeforeSpawning(r, world);
        int threads = Math.Max(1, (r.GetValue<int?>("--threads") ?? Environment.ProcessorCount) / perNode);
        var (program, prefix) = Self();
        var arguments = WorkerArguments(Environment.GetCommandLineArgs().Skip(1).ToArray(), threads);
        output.Info($"Starting {perNode} worker(s) on node {node} of {nodes} (world size {world}, {threads} thread(s) each, rendezvous {CliOutput.E(r.GetValue(masterAddr))}:{port})");
        var workers = new List<(int Rank, Process Process)>();
        var killedByLauncher = new HashSet<Process>();
        try
        {
            for (int local = 0; local < perNode; local++)
            {
                int rank = node * perNode + local;
                var info = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardError = rank != 0, RedirectStandardOutput = rank != 0 };
                foreach (var a in prefix.Concat(arguments).Concat(rank == 0 ? [] : ["--quiet"])) info.ArgumentList.Add(a);
                info.Environment["WORLD_SIZE"] = world.ToString(CultureInfo.InvariantCulture);
                info.Environment["RANK"] = rank.ToString(CultureInfo.InvariantCulture);
                info.Environment["LOCAL_RANK"] = local.ToString(CultureInfo.InvariantCulture);
                info.Environment["LOCAL_WORLD_SIZE"] = perNode.ToString(CultureInfo.InvariantCulture);
                info.Environment["MASTER_ADDR"] = r.GetValue(masterAddr);
                info.Environment["MASTER_PORT"] = port.ToString(CultureInfo.InvariantCulture);
                info.Environment[LauncherVariable] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
                var process = Process.Start(info) ?? throw new CliException(ExitCodes.Failure, $"could not start worker {rank}");
                if (rank != 0) Forward(process, rank, output);
                workers.Add((rank, process));
            }
            // Ctrl+C reaches the workers too (same process group): they agree to stop and rank 0 writes the checkpoint;
            // the launcher only waits for them, and stops the rest when one fails.
            killedByLauncher = Wait(workers.Select(w => w.Process).ToList(), output.Cancellation);
        }
        finally
        {
            foreach (var (_, process) in workers)
                if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        var codes = workers.Select(w => (w.Rank, Code: w.Process.ExitCode, Killed: killedByLauncher.Contains(w.Process))).ToArray();
        foreach (var (_, process) in workers) process.Dispose();
        // Rank 0's code, else the first failure; a worker that a signal killed (not the launcher, not Ctrl+C/SIGTERM, which
        // exit 130) is a failed rank of the run: exit code 5, naming it.
        var first = codes.Where(c => c.Code != 0).OrderBy(c => c.Killed).ThenBy(c => c.Rank != workers[0].Rank).FirstOrDefault();
        if (first.Code > 128 && first.Code != ExitCodes.Cancelled && !first.Killed)
            throw new CliException(ExitCodes.Device, $"distributed training: rank {first.Rank} was killed by signal {first.Code - 128} (exit code {first.Code}); " +
                                                     "the other ranks were stopped and the last checkpoint stays loadable");
        return first.Code;
    }

    /// <summary>Most workers one machine may start: one per processor (at least 2); more only share the same cores.</summary>
    internal static int MaxWorkersPerNode => Math.Max(2, Environment.ProcessorCount);

    /// <summary>Refuses, before any worker starts, a run whose batch cannot be split evenly or that asks for CUDA.</summary>
    private static void CheckBeforeSpawning(ParseResult r, int world)
    {
        int batch = r.GetValue<int>("--batch-size");
        if (batch % world != 0)
            throw CliException.Usage($"--batch-size {batch} cannot be split evenly between {world} workers; choose a multiple of {world}");
        if (r.GetValue<string>("--device") is { } text && CommonOptions.ParseDevice(text).IsCuda())
            throw new CliException(ExitCodes.Device, $"--device {text}: data-parallel training runs on the CPU only (Gloo); CUDA data-parallel runs are not available yet. " +
                                                     "Pass --device cpu, or train on one GPU without --nproc-per-node");
    }

    /// <summary>
    /// Waits for every worker; once one has failed, gives the others <see cref="FailureGrace"/> to stop, then kills them
    /// (returned). When the launcher is asked to stop (Ctrl+C, SIGTERM), it asks every worker to stop with SIGTERM, once:
    /// they agree on the step and rank 0 writes the checkpoint.
    /// </summary>
    private static HashSet<Process> Wait(List<Process> workers, CancellationToken stop)
    {
        const int SigTerm = 15;
        DateTime? killAt = null;
        bool forwarded = false;
        var killed = new HashSet<Process>();
        while (!workers.All(w => w.HasExited))
        {
            if (stop.IsCancellationRequested && !forwarded && OperatingSystem.IsLinux())
            {
                forwarded = true;
                foreach (var w in workers.Where(w => !w.HasExited)) _ = Kill(w.Id, SigTerm);
            }
            if (killAt is null && workers.Any(w => w.HasExited && w.ExitCode != 0)) killAt = DateTime.UtcNow + FailureGrace;
            if (DateTime.UtcNow > killAt)
                foreach (var w in workers.Where(w => !w.HasExited))
                {
                    killed.Add(w);
                    w.Kill(entireProcessTree: true);
                }
            Thread.Sleep(100);
        }
        foreach (var w in workers) w.WaitForExit();
        return killed;
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    /// <summary>
    /// In a worker this launcher started: asks Linux to kill this process when the launcher dies (PR_SET_PDEATHSIG), and
    /// exits at once when it has already died.
    /// </summary>
    private static void DieWithLauncher()
    {
        if (!OperatingSystem.IsLinux() || !int.TryParse(Environment.GetEnvironmentVariable(LauncherVariable), CultureInfo.InvariantCulture, out int launcher)) return;
        const int PrSetPdeathsig = 1, SigKill = 9;
        try
        {
            if (Prctl(PrSetPdeathsig, SigKill, 0, 0, 0) != 0) return;
        }
        catch (DllNotFoundException)
        {
            return; // not glibc: the launcher's own clean-up still stops the workers when it ends normally
        }
        if (GetParentProcessId() != launcher) throw new CliException(ExitCodes.Failure, $"the launcher (process {launcher}) has already exited");
    }

    [LibraryImport("libc.so.6", EntryPoint = "prctl")]
    private static partial int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [LibraryImport("libc.so.6", EntryPoint = "getppid")]
    private static partial int GetParentProcessId();

    /// <summary>This tool's own command line prefix: the apphost, or <c>dotnet SimVae.Cli.dll</c>.</summary>
    private static (string Program, string[] Prefix) Self()
    {
        var host = Environment.ProcessPath ?? throw new CliException(ExitCodes.Failure, "cannot find this program's path to start workers");
        var entry = Assembly.GetEntryAssembly();
        if (entry?.GetName().Name != typeof(DistributedLaunch).Assembly.GetName().Name)
            throw new CliException(ExitCodes.Failure, "--nproc-per-node starts workers of the simvae program; run simvae itself (or torchrun) to launch them");
        return Path.GetFileNameWithoutExtension(host) == "dotnet" ? (host, [entry!.Location]) : (host, []);
    }

    /// <summary>The launcher's arguments with its thread count replaced by each worker's share.</summary>
    internal static string[] WorkerArguments(string[] args, int threads)
    {
        var result = new List<string>();
        for (int k = 0; k < args.Length; k++)
        {
            if (args[k] == "--threads") { k++; continue; }
            if (args[k].StartsWith("--threads=", StringComparison.Ordinal)) continue;
            result.Add(args[k]);
        }
        result.Add("--threads");
        result.Add(threads.ToString(CultureInfo.InvariantCulture));
        return [.. result];
    }

    private static void Forward(Process process, int rank, CliOutput output)
    {
        // Other ranks run quietly; whatever they still say (errors) is shown once, marked with the rank.
        void Line(object _, DataReceivedEventArgs e)
        {
            if (e.Data is null) return;
            lock (output.Error) output.Error.WriteLine($"[rank {rank}] {e.Data}");
        }
        process.OutputDataReceived += Line;
        process.ErrorDataReceived += Line;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private static int Checked(ParseResult r, Option<int> option, int min, int max)
    {
        int value = r.GetValue(option);
        if (value < min || value > max) throw CliException.Usage($"{option.Name} must be within {min}..{max}, got {value}");
        return value;
    }

    /// <summary>
    /// A worker's CUDA device is the one of its local rank (one GPU per worker, as torchrun's LOCAL_RANK); the run then
    /// refuses it, as data-parallel training runs on the CPU only for now.
    /// </summary>
    public static torch.Device DeviceOf(torch.Device device, DataParallelOptions? parallel) =>
        device.IsCuda() && parallel is not null ? new torch.Device(DeviceType.CUDA, parallel.ProcessGroup.LocalRank) : device;

    /// <summary>Whether this process trains (as a single process or as one rank) and writes outputs: rank 0 only.</summary>
    public static bool IsMainRank(DataParallelOptions? parallel) => parallel is null || parallel.ProcessGroup.Rank == 0;

    /// <summary>The rank tag for messages ("" for a single process).</summary>
    public static string Describe(DataParallelOptions? parallel) => parallel is null ? ""
        : $", rank {parallel.ProcessGroup.Rank} of {parallel.ProcessGroup.WorldSize} ({TorchRuntime.Threads} thread(s))";
}
