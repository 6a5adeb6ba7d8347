// bench/run augment: views per second of the SimVAE FashionMNIST augmentations (RandomResizedCrop(28, scale
// [0.4, 1], ratio [0.75, 1.3]) + RandomVerticalFlip(0.5)), J = 2 views of 64-image batches, on the CPU.
//   views_per_s         the augmentation alone, on batches already converted to float tensors
//   loader_views_per_s  the loader's whole per-batch work, synchronously: gather pixels, convert, augment
// Options: --seconds S (per measurement, default 3), --batch N (default 64), --views J (default 2).
using System.Diagnostics;
using SimVae.Augmentations;
using SimVae.Data;
using SimVae.Engine;

double seconds = 3;
int batchSize = 64, views = 2;
for (int k = 0; k < args.Length - 1; k++)
{
    if (args[k] == "--seconds") seconds = double.Parse(args[++k], System.Globalization.CultureInfo.InvariantCulture);
    else if (args[k] == "--batch") batchSize = int.Parse(args[++k]);
    else if (args[k] == "--views") views = int.Parse(args[++k]);
}

TorchRuntime.EnsureDefaultThreads(); // the library's default (one libtorch thread per core)
ImageDataset data;
string source;
if (FashionMnist.IsAvailable(DataSplit.Train))
{
    data = FashionMnist.Load(DataSplit.Train);
    source = "fashion-mnist";
}
else
{
    Console.WriteLine("FashionMNIST not installed (apt-get install dataset-fashion-mnist); using SyntheticShapes 28x28 instead.");
    data = SyntheticShapes.Generate(new SyntheticShapesOptions { Count = 10_000 });
    source = "synthetic-shapes";
}
Console.WriteLine($"{data}; torch threads {TorchRuntime.Threads}; batch {batchSize} images x {views} views");

var transform = AugmentationPresets.MultiView(AugmentationPresets.SimVaeFashionMnist(), views);

// 1. Augmentation alone, cycling over 16 pre-converted batches.
var order = new DataLoader(data, new DataLoaderOptions { BatchSize = batchSize, Seed = 1 }).EpochOrder(0);
var inputs = Enumerable.Range(0, 16).Select(b => data.ToTensor(order.AsSpan(b * batchSize, batchSize))).ToArray();
var random = new Random(1);

// Rounds of seconds/5 each after a warm-up; the median round is the result (the machine may be shared), the best is shown too.
(double Median, double Best) Measure(Action step)
{
    for (int k = 0; k < 30; k++) step(); // warm-up
    var rates = new List<double>();
    for (int round = 0; round < 5; round++)
    {
        var watch = Stopwatch.StartNew();
        long steps = 0;
        while (watch.Elapsed.TotalSeconds < seconds / 5)
        {
            step();
            steps++;
        }
        rates.Add(steps * (double)batchSize * views / watch.Elapsed.TotalSeconds);
    }
    rates.Sort();
    return (rates[rates.Count / 2], rates[^1]);
}

int threads = TorchRuntime.Threads;
int next = 0;
void AugmentStep()
{
    using var viewsTensor = transform.Apply(inputs[next++ % inputs.Length], random);
}
var augment = Measure(AugmentStep);
Console.WriteLine($"augmentation only, {threads} threads: {augment.Median:F0} views/s median, {augment.Best:F0} best ({1000.0 * batchSize * views / augment.Median:F2} ms per {batchSize * views} views)");

// 2. The loader's per-batch work on the calling thread (gather, uint8 -> float, augment).
using var loader = new DataLoader(data, new DataLoaderOptions { BatchSize = batchSize, Seed = 1, Transform = transform, Prefetch = 0, DropLast = true });
var batches = loader.Batches(new LoaderPosition(0, 0), epochs: 1000).GetEnumerator();
var loaderRate = Measure(() =>
{
    batches.MoveNext();
    batches.Current.Dispose();
});
batches.Dispose();
Console.WriteLine($"loader (synchronous), {threads} threads: {loaderRate.Median:F0} views/s median, {loaderRate.Best:F0} best");

// 3. The augmentation with the other thread setting (for comparison: small ops gain little from a second thread).
int otherThreads = threads == 1 ? Environment.ProcessorCount : 1;
TorchRuntime.SetThreads(otherThreads);
var other = Measure(AugmentStep);
Console.WriteLine($"augmentation only, {otherThreads} thread(s): {other.Median:F0} views/s median, {other.Best:F0} best");
TorchRuntime.SetThreads(threads);

foreach (var t in inputs) t.Dispose();
Console.WriteLine($"RESULT augment views_per_s={augment.Median:F0} views_per_s_best={augment.Best:F0} loader_views_per_s={loaderRate.Median:F0} views_per_s_{otherThreads}threads={other.Median:F0} batch={batchSize} views={views} threads={threads} data={source}");
