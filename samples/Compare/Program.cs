// Trains SimVAE, VAE, β-VAE, SimCLR and VICReg with an equal budget and several seeds, evaluates every probe on the
// content and style tasks, and writes a report folder (report.md, report.json, PNG and SVG charts, PNG reconstructions);
// a rerun with the same settings keeps the finished runs and does the rest.
// Usage: dotnet run -c Release --project samples/Compare -- [--data fashion-mnist|synthetic] [--methods simvae,vae,beta-vae,simclr,vicreg]
//          [--seeds 1,2,3] [--epochs 1] [--max-steps N] [--train-images N] [--test-images N] [--out folder] [--threads 2]
//          [--mlp-epochs 20] [--gmm-inits 5] [--style-train 10000] [--log-every 50] [--beta 4]
using System.Globalization;
using SimVae.Evaluation;
using SimVae.Engine;
using SimVae.Research;

var values = new Dictionary<string, string>();
for (int i = 0; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"expected --name value pairs, got '{args[i]}'");
        return 2;
    }
    values[args[i][2..]] = args[++i];
}
string Get(string name, string fallback) => values.GetValueOrDefault(name, fallback);
int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

int threads = Int("threads", Environment.ProcessorCount);
TorchRuntime.SetThreads(threads);
var defaults = new ComparisonOptions();
var options = new ComparisonOptions
{
    DataSet = Get("data", defaults.DataSet),
    Methods = Get("methods", string.Join(",", defaults.Methods)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
    Seeds = Get("seeds", "1,2,3").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(),
    Epochs = Int("epochs", defaults.Epochs),
    MaxSteps = values.TryGetValue("max-steps", out var steps) ? long.Parse(steps, CultureInfo.InvariantCulture) : null,
    TrainImages = values.TryGetValue("train-images", out var tr) ? int.Parse(tr, CultureInfo.InvariantCulture) : null,
    TestImages = values.TryGetValue("test-images", out var te) ? int.Parse(te, CultureInfo.InvariantCulture) : null,
    OutputFolder = Get("out", "comparison"),
    StyleTrainImages = Int("style-train", defaults.StyleTrainImages),
    LogEvery = Int("log-every", defaults.LogEvery),
    BetaVaeBeta = values.TryGetValue("beta", out var beta) ? double.Parse(beta, CultureInfo.InvariantCulture) : defaults.BetaVaeBeta,
    Probes = new ProbeOptions
    {
        MlpOptions = new MlpProbeOptions { Epochs = Int("mlp-epochs", new MlpProbeOptions().Epochs) },
        GmmInitializations = Int("gmm-inits", new ProbeOptions().GmmInitializations),
    },
    CommandLine = "dotnet run -c Release --project samples/Compare -- " + string.Join(" ", args),
};

var progress = new SynchronousProgress<ComparisonProgress>(p =>
    Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] [{p.Run}/{p.Runs}] {p.Stage,-11} {p.Message}"));
var result = ComparisonRunner.Run(options, progress);
Console.WriteLine();
foreach (var line in ComparisonReport.Expectations(result)) Console.WriteLine(line);
return 0;

/// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
