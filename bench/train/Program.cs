// `bench/run train`, C# side: end-to-end training throughput (views/s) of the SimVAE FashionMNIST configuration
// through the library's Trainer (DataLoader + batched augmentation + loss + backward + fused Adam) on TorchSharp, plus
// SimCLR and VICReg on the same MLP backbone, peak RSS, and an optional per-phase profile on a loop that mirrors Trainer.
// Prints machine-readable "BENCH key=value ..." lines; bench/train/run.sh turns them into the table.
using System.Diagnostics;
using System.Globalization;
using SimVae.Augmentations;
using SimVae.Data;
using SimVae.Losses;
using SimVae.Methods;
using SimVae.Engine;
using SimVae.Training;
using static TorchSharp.torch;

var settings = Settings.Parse(args);
TorchRuntime.SetThreads(settings.Intra);
var data = FashionMnist.Load(DataSplit.Train);
Console.Error.WriteLine($"[bench-train] FashionMNIST train: {data.Count} images; libtorch {TorchRuntime.TorchVersion}; intra-op {TorchRuntime.Threads}; " +
    $"{PrecisionPolicy.Name(settings.Precision)} ({CpuFeatures.Describe()}); warm-up {settings.Warmup}, timed {settings.Steps} steps");

foreach (var method in settings.Methods)
{
    var options = SslMethods.Defaults(method);
    double rate = EndToEnd(options, data, settings);
    Emit(("kind", "end_to_end"), ("method", method), ("precision", PrecisionPolicy.Name(settings.Precision)), ("intra", settings.Intra), ("prefetch", settings.Prefetch),
        ("steps", settings.Steps), ("views_per_s", rate), ("peak_rss_mb", PeakRssMb()));
}

if (settings.ProfileSteps > 0) Profile(new SimVaeOptions(), data, settings);
Emit(("kind", "process"), ("precision", PrecisionPolicy.Name(settings.Precision)), ("bf16_native", CpuFeatures.NativeBFloat16 ? 1 : 0), ("intra", settings.Intra), ("peak_rss_mb", PeakRssMb()));
return 0;

// Views per second over the timed steps, measured through Trainer's Progress event: the clock starts at the
// report after the warm-up steps and stops at the report after the last step (LogEvery = warm-up length).
static double EndToEnd(SslOptions options, ImageDataset data, Settings s)
{
    long total = s.Warmup + s.Steps;
    var trainer = new Trainer(new TrainerOptions { MaxSteps = total, Device = CPU, LogEvery = s.Warmup, Prefetch = s.Prefetch, Precision = s.Precision });
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
// forward = model.Loss, backward = ZeroGrad + Backward, optimizer = the method's optimiser step (FusedAdam).
static void Profile(SimVaeOptions options, ImageDataset data, Settings s)
{
    using var loop = new StepLoop(options, data, s.Precision);
    var phases = new[] { "load_augment", "forward", "backward", "optimizer", "dispose" };
    var times = new double[phases.Length];
    var clock = new Stopwatch();
    int warmup = Math.Min(10, s.Warmup), step = 0, timed = 0;
    while (timed < s.ProfileSteps)
    {
        var t = new double[phases.Length];
        clock.Restart();
        using var batch = loop.NextBatch();
        t[0] = Lap(clock);
        var scope = NewDisposeScope();
        var loss = loop.Forward(batch);
        t[1] = Lap(clock);
        loop.Optimizer.ZeroGrad();
        loss.Total.backward();
        t[2] = Lap(clock);
        loop.Optimizer.Step();
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
    var fields = new List<(string, object)> { ("kind", "profile"), ("method", "simvae"), ("precision", PrecisionPolicy.Name(s.Precision)), ("intra", s.Intra), ("steps", timed) };
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

internal sealed record Settings(int Intra, int Warmup, int Steps, int Prefetch, int ProfileSteps, string[] Methods, Precision Precision)
{
    public static Settings Parse(string[] args)
    {
        var s = new Settings(2, 30, 300, 1, 0, ["simvae", "simclr", "vicreg"], Precision.Float32);
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            s = args[i] switch
            {
                "--intra" => s with { Intra = NextInt() },
                "--warmup" => s with { Warmup = NextInt() },
                "--steps" => s with { Steps = NextInt() },
                "--prefetch" => s with { Prefetch = NextInt() },
                "--profile" => s with { ProfileSteps = NextInt() },
                "--precision" => s with { Precision = PrecisionPolicy.Parse(Next()) },
                "--methods" => s with { Methods = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                _ => throw new ArgumentException($"unknown argument '{args[i]}'. Usage: [--intra N] [--warmup N] [--steps N] [--prefetch N] [--profile N] [--methods simvae,simclr,vicreg] [--precision fp32|bf16|bf16-emulated]"),
            };
        }
        if (s.Precision == Precision.Auto) s = s with { Precision = PrecisionPolicy.Resolve(Precision.Auto, CPU) };
        if (s.Warmup < 1 || s.Steps < 1) throw new ArgumentException("--warmup and --steps must be at least 1");
        return s;
    }
}

/// <summary>The Trainer's step taken apart for the profiles: seeded model, loader on this thread (Prefetch 0), the method's optimiser.</summary>
internal sealed class StepLoop : IDisposable
{
    private readonly SslModel model;
    private readonly DataLoader loader;
    private readonly IEnumerator<DataBatch> batches;
    private readonly Precision precision;

    public StepLoop(SimVaeOptions options, ImageDataset data, Precision precision)
    {
        TorchRuntime.ManualSeed(1234);
        model = SslModel.Create(options);
        model.train();
        loader = new DataLoader(data, new DataLoaderOptions
        {
            BatchSize = options.BatchImages, DropLast = true, Seed = 1234, Device = CPU, Prefetch = 0,
            Transform = AugmentationNames.Create(options.Augmentation, options.Height, options.Views),
        });
        Optimizer = model.ConfigureOptimizers(totalSteps: 1_000_000);
        batches = loader.Batches(new LoaderPosition(0, 0), 10).GetEnumerator();
        this.precision = precision;
    }

    public OptimizerSetup Optimizer { get; }

    /// <summary>Raw images + batched augmentation.</summary>
    public DataBatch NextBatch() => batches.MoveNext() ? batches.Current : throw new InvalidOperationException("loader ran out of batches");

    /// <summary>model.Loss in the loop's precision.</summary>
    public LossTerms Forward(DataBatch batch)
    {
        using (PrecisionPolicy.Open(precision)) return model.Loss(batch.Images);
    }

    public void Dispose()
    {
        batches.Dispose();
        Optimizer.Dispose();
        loader.Dispose();
        model.Dispose();
    }
}
