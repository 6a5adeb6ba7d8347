// One training step of the MLP 784→2000→500→500→20→500→500→2000→784 (ReLU between layers), batch 128,
// Adam lr 1e-3, loss = BCE-with-logits (sum) against the random 0/1 input; plus per-operator call overhead.
// The C# side runs on TorchSharp (libtorch 2.10) with the library's precision-aware layers (SimVae.Engine).
// The same measurement in PyTorch: bench/python/step_reference.py. Driver: bench/step/run.sh.
//
// Usage: SimVae.Bench.Step [--threads N] [--warmup 20] [--steps 50] [--repeats 5] [--op-only] [--no-op] [--precision fp32|bf16|bf16-emulated]
// Prints one line: "CSHARP threads=N blas=1 precision=P step_ms=… fwd_ms=… bwd_ms=… opt_ms=… op_us=…" (medians).
using System.Diagnostics;
using System.Globalization;
using SimVae.Engine;
using TorchSharp;
using static TorchSharp.torch;

int threads = 2, warmup = 20, steps = 50, repeats = 5;
bool opOnly = false, noOp = false;
var precision = Precision.Float32;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--warmup": warmup = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--repeats": repeats = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--op-only": opOnly = true; break;
        case "--no-op": noOp = true; break;
        case "--precision": precision = PrecisionPolicy.Parse(args[++i]); break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

TorchRuntime.SetThreads(threads);
TorchRuntime.ManualSeed(1234);
var inv = CultureInfo.InvariantCulture;

double bestMs = double.NaN, stepMs = double.NaN, fwdMs = double.NaN, bwdMs = double.NaN, optMs = double.NaN, opUs = double.NaN;

if (!opOnly)
{
    long[] widths = [784, 2000, 500, 500, 20, 500, 500, 2000, 784];
    var layers = new List<nn.Module<Tensor, Tensor>>();
    for (int l = 0; l + 1 < widths.Length; l++)
    {
        layers.Add(new SimVae.Engine.Linear(widths[l], widths[l + 1]));
        if (l + 2 < widths.Length) layers.Add(nn.ReLU());
    }
    using var model = nn.Sequential(layers);
    using var opt = new FusedAdam([new TorchSharp.Modules.Adam.ParamGroup { Parameters = model.parameters() }], lr: 1e-3);
    using var x = rand(128, 784).lt(0.5).to(ScalarType.Float32);

    var sw = new Stopwatch();
    double tf = 0, tb = 0, to = 0;
    void Step()
    {
        using var scope = NewDisposeScope();
        long t0 = Stopwatch.GetTimestamp();
        Tensor logits;
        using (PrecisionPolicy.Open(precision)) logits = model.forward(x);
        var loss = nn.functional.binary_cross_entropy_with_logits(MixedPrecision.ToFloat32(logits), x, reduction: nn.Reduction.Sum);
        long t1 = Stopwatch.GetTimestamp();
        loss.backward();
        long t2 = Stopwatch.GetTimestamp();
        opt.step();
        opt.zero_grad();
        long t3 = Stopwatch.GetTimestamp();
        tf += Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
        tb += Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
        to += Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds;
    }

    for (int i = 0; i < warmup; i++) Step();
    var totals = new List<double>(); var fs = new List<double>(); var bs = new List<double>(); var os = new List<double>();
    for (int r = 0; r < repeats; r++)
    {
        tf = tb = to = 0;
        sw.Restart();
        for (int i = 0; i < steps; i++) Step();
        sw.Stop();
        totals.Add(sw.Elapsed.TotalMilliseconds / steps);
        fs.Add(tf / steps); bs.Add(tb / steps); os.Add(to / steps);
    }
    (stepMs, fwdMs, bwdMs, optMs) = (Median(totals), Median(fs), Median(bs), Median(os));
    bestMs = totals.Min();
    Console.Error.WriteLine($"csharp step repeats (ms): {string.Join(" ", totals.Select(t => t.ToString("F2", inv)))}");
}

if (!noOp)
{
    using var a = ones(1);
    using var b = ones(1);
    void OpLoop(int blocks)
    {
        for (int blk = 0; blk < blocks; blk++)
        {
            using var scope = NewDisposeScope();
            for (int i = 0; i < 1000; i++) _ = a + b;
        }
    }
    OpLoop(20); // warm-up (JIT tiering)
    var us = new List<double>();
    for (int r = 0; r < 7; r++)
    {
        long t0 = Stopwatch.GetTimestamp();
        OpLoop(100);
        us.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds / 100_000);
    }
    opUs = Median(us);
}

Console.WriteLine(string.Create(inv,
    $"CSHARP threads={threads} blas=1 precision={PrecisionPolicy.Name(precision)} step_ms={stepMs:F3} best_ms={bestMs:F3} fwd_ms={fwdMs:F3} bwd_ms={bwdMs:F3} opt_ms={optMs:F3} op_us={opUs:F3} live_tensors={DisposeScopeManager.Statistics.ThreadTotalLiveCount}"));
return 0;

static double Median(List<double> v)
{
    var s = v.OrderBy(d => d).ToArray();
    return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
}
