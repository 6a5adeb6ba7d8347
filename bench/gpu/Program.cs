// GPU checks and benchmarks (docs/gpu.md). Driver: bench/gpu/run.sh (bench/run gpu), scripts/gpu/run.sh.
//
// Usage: SimVae.Bench.Gpu [--device auto|cuda|cuda:N|cpu] [--checks] [--bench] [--smoke] [--steps N] [--warmup N]
//                         [--data DIR] [--no-amp]
//   --checks   CUDA vs CPU operators and gradients, a short SimVAE training run whose loss must fall, the step's
//              tensors on the device, featurizer parity CPU vs device. Exit code 1 when a check fails.
//   --bench    SimVAE FashionMNIST (authors' configuration, augmentation on the device) views/s end to end,
//              SimCLR ResNet-18 32x32 batch 256 views/s, featurizer images/s; each with and without bf16 autocast.
//   (neither)  both.  --smoke: a few steps of everything (exercises the code path, e.g. on the CPU).
//   --device cpu runs everything on the CPU (for smoke runs where there is no GPU); auto/cuda without a CUDA
//   device prints "skipped: no CUDA device" and "RESULT gpu skipped=1" and exits 0.
// Prints "CHECK name ok|FAIL ..." lines, then "CSHARP key=value ..." as the last line (bench/gpu/run.sh adds the
// PyTorch reference and prints the RESULT line).
using System.Globalization;
using SimVae.Bench.Gpu;
using SimVae.Torch;

var settings = new BenchSettings();
string deviceText = "auto";
bool checks = false, bench = false;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--device": deviceText = Next(); break;
        case "--checks": checks = true; break;
        case "--bench": bench = true; break;
        case "--smoke": settings.Smoke = true; break;
        case "--steps": settings.Steps = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--warmup": settings.Warmup = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--data": settings.DataFolder = Next(); break;
        case "--no-amp": settings.Amp = false; break;
        case "-h" or "--help":
            Console.WriteLine("usage: SimVae.Bench.Gpu [--device auto|cuda|cuda:N|cpu] [--checks] [--bench] [--smoke] [--steps N] [--warmup N] [--data DIR] [--no-amp]");
            return 0;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}
if (!checks && !bench) checks = bench = true;
if (settings.Smoke)
{
    settings.Steps = Math.Min(settings.Steps, 3);
    settings.Warmup = Math.Min(settings.Warmup, 1);
}

TorchRuntime.EnsureDefaultThreads();
var info = CudaBackend.BuildInfo;
Console.Error.WriteLine(info.Split('\n')[0]);
var device = Device.Parse(deviceText);
if (!device.IsCuda && deviceText.Trim().ToLowerInvariant() != "cpu" || device.IsCuda && !TorchRuntime.CudaAvailable)
{
    Console.WriteLine($"skipped: no CUDA device ({info.Split('\n')[0]})");
    Console.WriteLine("RESULT gpu skipped=1");
    return 0;
}
settings.Device = device;
Console.Error.WriteLine($"device {device}{(settings.Smoke ? " (smoke)" : "")}");

var results = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["device"] = device.ToString() };
bool ok = true;
if (checks)
{
    ok = new Checks(settings).RunAll();
    results["checks"] = ok ? "pass" : "fail";
}
if (bench)
{
    foreach (var (key, value) in new Benchmarks(settings).RunAll())
        results[key] = value.ToString(value >= 100 ? "F0" : "F3", CultureInfo.InvariantCulture);
}
results["live_tensors"] = TorchRuntime.LiveTensorCount.ToString(CultureInfo.InvariantCulture);
Console.WriteLine("CSHARP " + string.Join(" ", results.Select(kv => $"{kv.Key}={kv.Value}")));
return ok ? 0 : 1;
