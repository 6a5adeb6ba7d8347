// GPU checks and benchmark (docs/gpu.md). Drivers: bench/gpu/run.sh (bench/run gpu), scripts/gpu/run.sh.
//
// Usage: SimVae.Bench.Gpu [--device auto|cuda|cuda:N|cpu] [--checks] [--bench] [--smoke] [--steps N] [--warmup N]
//   --checks   CUDA vs CPU losses and gradients (SimVAE, SimCLR, VICReg), SimVAE training on the device in fp32 and
//              bf16 (the loss falls), a bf16 region on the device, FusedAdam on device parameters, featurizer parity,
//              the step's tensors on the device and flat memory. Exit code 1 when a check fails.
//   --bench    SimVAE (authors' FashionMNIST configuration) views/s through the Trainer, fp32 and bf16.
//   (neither)  both.  --smoke: a few steps of everything (exercises the code paths, e.g. on the CPU).
//   --device cpu runs everything on the CPU; auto/cuda without a CUDA device prints "skipped: no CUDA device" and
//   "RESULT gpu skipped=1" and exits 0.
// Prints "CHECK name ok|FAIL ..." lines, then "CSHARP key=value ..." (bench/gpu/run.sh adds the PyTorch reference
// and prints the RESULT line).
using System.Globalization;
using SimVae.Bench.Gpu;
using SimVae.Engine;

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
        case "-h" or "--help":
            Console.WriteLine("usage: SimVae.Bench.Gpu [--device auto|cuda|cuda:N|cpu] [--checks] [--bench] [--smoke] [--steps N] [--warmup N]");
            return 0;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}
if (!checks && !bench) checks = bench = true;
if (settings.Smoke) (settings.Steps, settings.Warmup) = (Math.Min(settings.Steps, 4), Math.Min(settings.Warmup, 2));
if (settings.Steps < 1 || settings.Warmup < 1) throw new ArgumentException("--steps and --warmup must be at least 1");

TorchRuntime.EnsureDefaultThreads();
var device = Devices.Parse(deviceText);
int cudaDevices = TorchRuntime.CudaDeviceCount;
Console.Error.WriteLine($"TorchSharp (libtorch {TorchRuntime.TorchVersion}), {cudaDevices} CUDA device(s), {TorchRuntime.Threads} CPU threads");
if (deviceText.Trim().ToLowerInvariant() != "cpu" && (!device.IsCuda() || device.index >= cudaDevices))
{
    Console.WriteLine("skipped: no CUDA device");
    Console.WriteLine("RESULT gpu skipped=1");
    return 0;
}
settings.Device = device;
Console.Error.WriteLine($"device {device.Name()}{(settings.Smoke ? " (smoke)" : "")}");

var results = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["device"] = device.Name() };
bool ok = true;
if (checks)
{
    ok = new Checks(settings).RunAll();
    results["checks"] = ok ? "pass" : "fail";
}
if (bench)
    foreach (var (key, value) in new Benchmarks(settings).RunAll())
        results[key] = value.ToString("F0", CultureInfo.InvariantCulture);
Console.WriteLine("CSHARP " + string.Join(" ", results.Select(kv => $"{kv.Key}={kv.Value}")));
return ok ? 0 : 1;
