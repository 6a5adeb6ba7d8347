// bench/run probe: seconds to fit the linear probe and to run kNN on 60,000 × d features (d = 10 and 512), on the CPU.
// Features are random Gaussian; labels (10 classes) are the argmax of a random linear map of them plus noise, so the
// probe has something to learn. Keys:
//   linear_s_dD         the linear probe as the comparison fits it: λ chosen from 4 values (1e-2 … 1e-5) on a 10% validation split
//                       (54,000 fit rows, warm-started path), then a refit on all 60,000 rows (L-BFGS, ≤ 100 iterations each)
//   linear_single_s_dD  one fit on all 60,000 rows at λ = 1e-4
//   knn_s_dD            20 nearest neighbours (Euclidean) of 10,000 query rows among the 60,000 rows, plus the votes
// Options: --threads T (default: all cores), --dims 10,512.
using System.Diagnostics;
using System.Globalization;
using SimVae.Evaluation;
using SimVae.Featurization;
using SimVae.Engine;

int threads = Environment.ProcessorCount;
int[] dims = [10, 512];
for (int a = 0; a < args.Length - 1; a++)
{
    if (args[a] == "--threads") threads = int.Parse(args[++a], CultureInfo.InvariantCulture);
    else if (args[a] == "--dims") dims = args[++a].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
}
TorchRuntime.SetThreads(threads);
Console.WriteLine($"libtorch {TorchRuntime.TorchVersion}, {TorchRuntime.Threads} threads, {Environment.ProcessorCount} cores");
const int rows = 60_000, queries = 10_000, classes = 10;
var results = new List<string>();
foreach (int d in dims)
{
    var random = new Random(d);
    var values = new float[rows * d];
    for (int i = 0; i < values.Length; i++) values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
    var projection = new double[d * classes];
    for (int i = 0; i < projection.Length; i++) projection[i] = random.NextDouble() - 0.5;
    var labels = new int[rows];
    for (int i = 0; i < rows; i++)
    {
        int best = 0;
        double bestScore = double.NegativeInfinity;
        for (int c = 0; c < classes; c++)
        {
            double score = random.NextDouble() * 0.5;
            for (int j = 0; j < d; j++) score += values[i * d + j] * projection[j * classes + c];
            if (score > bestScore) { bestScore = score; best = c; }
        }
        labels[i] = best;
    }
    var features = new FeatureMatrix(values, rows, d);
    using var x = Standardizer.Fit(features).Apply(features);

    var clock = Stopwatch.StartNew();
    var (fitRows, validationRows) = ProbeSplits.Split(rows, 0.1, seed: 0);
    using (var fitX = ProbeSplits.Rows(x, fitRows))
    using (var validationX = ProbeSplits.Rows(x, validationRows))
    {
        var (probe, validation) = LinearProbe.FitWithValidation(fitX, ProbeSplits.Take(labels, fitRows), validationX, ProbeSplits.Take(labels, validationRows),
            classes, new ProbeOptions().L2Grid);
        double linear = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"d = {d}: linear probe (λ grid + refit) {linear:F2} s; λ = {probe.L2:G2}, {probe.Iterations} refit iterations, " +
                          $"validation accuracy by λ: {string.Join(", ", validation.Select(kv => $"{kv.Key:G1}: {100 * kv.Value:F1}%"))}");
        results.Add($"linear_s_d{d}={linear:F3}");
    }
    clock.Restart();
    var single = LinearProbe.Fit(x, labels, classes, 1e-4);
    double singleSeconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine($"d = {d}: one linear fit {singleSeconds:F2} s ({single.Iterations} iterations, train accuracy {100 * ProbeSplits.Accuracy(single.Predict(x), labels):F1}%)");
    results.Add($"linear_single_s_d{d}={singleSeconds:F3}");

    using var queryX = x.narrow(0, 0, queries);
    clock.Restart();
    var neighbours = KnnProbe.Neighbours(x, queryX, 20);
    var votes = KnnProbe.Vote(neighbours, 20, labels, classes, [20]);
    double knn = clock.Elapsed.TotalSeconds;
    Console.WriteLine($"d = {d}: kNN (k = 20, {queries} queries × {rows} rows) {knn:F2} s; self-inclusive accuracy {100 * ProbeSplits.Accuracy(votes[0], labels.AsSpan(0, queries)):F1}%");
    results.Add($"knn_s_d{d}={knn:F3}");
}
string Key(string prefix) => string.Join(" ", results.Where(r => r.StartsWith(prefix, StringComparison.Ordinal)));
Console.WriteLine($"RESULT probe {string.Join(" ", dims.SelectMany(d => new[] { $"linear_s_d{d}", $"knn_s_d{d}" }).Select(k => results.First(r => r.StartsWith(k + "=", StringComparison.Ordinal))))} {Key("linear_single")}");
