// `bench/run train`, C# side: end-to-end training throughput (views/s) of the SimVAE FashionMNIST configuration
// through the library's Trainer (DataLoader + batched augmentation + loss + backward + fused Adam), plus SimCLR and
// VICReg on the same MLP backbone, peak RSS, and an optional per-phase profile on a loop that mirrors Trainer.
// Prints machine-readable "BENCH key=value ..." lines; bench/train/run.sh turns them into the table.
using System.Diagnostics;
using System.Globalization;
using SimVae.Augmentations;
using SimVae.Data;
using SimVae.Methods;
using SimVae.Torch;
using SimVae.Torch.Optim;
using SimVae.Training;

var settings = Settings.Parse(args);
TorchRuntime.SetThreads(settings.Intra, settings.Blas);
var data = FashionMnist.Load(DataSplit.Train);
Console.Error.WriteLine($"[bench-train] FashionMNIST train: {data.Count} images; libtorch {TorchRuntime.TorchVersion}; intra-op {TorchRuntime.Threads}, BLAS {settings.Blas}; warm-up {settings.Warmup}, timed {settings.Steps} steps");

foreach (var method in settings.Methods)
{
    var options = SslMethods.Defaults(method);
    double rate = EndToEnd(options, data, settings);
    Emit(("kind", "end_to_end"), ("method", method), ("intra", settings.Intra), ("blas", settings.Blas), ("prefetch", settings.Prefetch),
        ("steps", settings.Steps), ("views_per_s", rate), ("peak_rss_mb", PeakRssMb()));
}

if (settings.ProfileSteps > 0) Profile(new SimVaeOptions(), data, settings);
Emit(("kind", "process"), ("intra", settings.Intra), ("blas", settings.Blas), ("peak_rss_mb", PeakRssMb()), ("blas_library", BlasLibrary()));
return 0;

// Views per second over the timed steps, measured through Trainer's Progress event: the clock starts at the
// report after the warm-up steps and stops at the report after the last step (LogEvery = warm-up length).
static double EndToEnd(SslOptions options, ImageDataset data, Settings s)
{
    long total = s.Warmup + s.Steps;
    var trainer = new Trainer(new TrainerOptions { MaxSteps = total, Device = Device.Cpu, LogEvery = s.Warmup, Prefetch = s.Prefetch });
    using var model = trainer.CreateModel(options);
    var clock = new Stopwatch();
    trainer.Progress += p =>
    {
        if (p.Step == s.Warmup) clock.Restart();
        else if (p.Step == total) clock.Stop();
    };
    var last = trainer.Train(model, data);
    if (!double.IsFinite(last["loss"])) throw new InvalidOperationException($"{options.MethodName}: loss is {last["loss"]}");
    long views = s.Steps * (long)options.BatchImages * options.Views;
    return views / clock.Elapsed.TotalSeconds;
}

// The Trainer's step with each phase timed on its own (CPU ops are synchronous, so a Stopwatch around each phase
// measures it): load = batch of raw images + batched augmentation (DataLoader with Prefetch 0, on this thread),
// forward = model.Loss, backward = ZeroGrad + Backward, optimizer = Adam.Step (fused native step).
static void Profile(SimVaeOptions options, ImageDataset data, Settings s)
{
    TorchRuntime.ManualSeed(1234);
    using var model = SslModel.Create(options);
    model.Train();
    using var loader = new DataLoader(data, new DataLoaderOptions
    {
        BatchSize = options.BatchImages, DropLast = true, Seed = 1234, Device = Device.Cpu, Prefetch = 0,
        Transform = AugmentationNames.Create(options.Augmentation, options.Height, options.Views),
    });
    using var optimizer = new Adam(model.Parameters(), options.LearningRate, eps: options.AdamEpsilon);
    var phases = new[] { "load_augment", "forward", "backward", "optimizer", "dispose" };
    var times = new double[phases.Length];
    var clock = new Stopwatch();
    int warmup = Math.Min(10, s.Warmup), step = 0, timed = 0;
    using var batches = loader.Batches(new LoaderPosition(0, 0), 10).GetEnumerator();
    while (timed < s.ProfileSteps)
    {
        var t = new double[phases.Length];
        clock.Restart();
        if (!batches.MoveNext()) throw new InvalidOperationException("loader ran out of batches");
        using var batch = batches.Current;
        t[0] = Lap(clock);
        var scope = DisposeScope.Open();
        var loss = model.Loss(batch.Images);
        t[1] = Lap(clock);
        optimizer.ZeroGrad();
        loss.Total.Backward();
        t[2] = Lap(clock);
        optimizer.Step();
        t[3] = Lap(clock);
        scope.Dispose();
        t[4] = Lap(clock);
        if (++step > warmup)
        {
            for (int k = 0; k < t.Length; k++) times[k] += t[k];
            timed++;
        }
    }
    double sum = times.Sum();
    var fields = new List<(string, object)> { ("kind", "profile"), ("method", "simvae"), ("intra", s.Intra), ("blas", s.Blas), ("steps", timed) };
    for (int k = 0; k < phases.Length; k++) fields.Add((phases[k] + "_ms", times[k] / timed));
    fields.Add(("step_ms", sum / timed));
    fields.Add(("views_per_s", timed * (double)options.BatchImages * options.Views / (sum / 1000)));
    Emit(fields.ToArray());
}

static double Lap(Stopwatch clock)
{
    double ms = clock.Elapsed.TotalMilliseconds;
    clock.Restart();
    return ms;
}

// The BLAS libtorch actually loaded (Debian's alternatives may point libblas.so.3 at the slow reference BLAS).
static string BlasLibrary()
{
    var hits = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Where(f => f.Length >= 6 && f[5].Contains("blas", StringComparison.OrdinalIgnoreCase)).Select(f => f[5]).Distinct().ToArray();
    return hits.Length == 0 ? "none" : string.Join(',', hits.Select(h => File.Exists(h) ? new FileInfo(h).ResolveLinkTarget(true)?.FullName ?? h : h));
}

static double PeakRssMb()
{
    foreach (var line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            return long.Parse(line.AsSpan(6).Trim().ToString().Replace(" kB", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) / 1024.0;
    return double.NaN;
}

static void Emit(params (string Key, object Value)[] fields) =>
    Console.WriteLine("BENCH " + string.Join(' ', fields.Select(f => f.Key + "=" + (f.Value switch
    {
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        var o => o.ToString(),
    }))));

internal sealed record Settings(int Intra, int Blas, int Warmup, int Steps, int Prefetch, int ProfileSteps, string[] Methods)
{
    public static Settings Parse(string[] args)
    {
        var s = new Settings(2, 1, 30, 300, 1, 0, ["simvae", "simclr", "vicreg"]);
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            s = args[i] switch
            {
                "--intra" => s with { Intra = NextInt() },
                "--blas" => s with { Blas = NextInt() },
                "--warmup" => s with { Warmup = NextInt() },
                "--steps" => s with { Steps = NextInt() },
                "--prefetch" => s with { Prefetch = NextInt() },
                "--profile" => s with { ProfileSteps = NextInt() },
                "--methods" => s with { Methods = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                _ => throw new ArgumentException($"unknown argument '{args[i]}'. Usage: [--intra N] [--blas N] [--warmup N] [--steps N] [--prefetch N] [--profile N] [--methods simvae,simclr,vicreg]"),
            };
        }
        if (s.Warmup < 1 || s.Steps < 1) throw new ArgumentException("--warmup and --steps must be at least 1");
        return s;
    }
}
