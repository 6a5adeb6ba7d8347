// The main job: train SimVAE with the recommended preset (conv encoder, d = 64) on the real FashionMNIST, then evaluate
// its features (posterior means of the un-augmented images) with a kNN probe on the test set, beside the same probe on
// the raw pixels (the baseline a user has without training anything).
// Usage: dotnet run -c Release --project samples/QuickStart -- [epochs] [method: simvae|vae|beta-vae|simclr|vicreg|cr-vae|moco|byol|barlow-twins|dino]
using System.Diagnostics;
using System.Globalization;
using SimVae.Data;
using SimVae.Evaluation;
using SimVae.Methods;
using SimVae.Engine;
using SimVae.Training;
using static TorchSharp.torch;

int epochs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2;
string method = args.Length > 1 ? args[1] : "simvae";
// Any method of the registry (SslMethods.Names) with its paper's defaults and the recommended preset's encoder and d
// (SslPresets.Paper gives the authors' configuration: MLP, d = 10).
SslOptions options = SslPresets.Recommended.Apply(SslMethods.Defaults(method), method);

TorchRuntime.EnsureDefaultThreads();
var train = FashionMnist.Load(DataSplit.Train);
var test = FashionMnist.Load(DataSplit.Test);
Console.WriteLine($"FashionMNIST: {train.Count} training and {test.Count} test images; libtorch {TorchRuntime.TorchVersion}, {TorchRuntime.Threads} threads");
Console.WriteLine($"Training {options.MethodName} for {epochs} epoch(s), {options.BatchImages} images × {options.Views} views per step, d = {options.LatentDim}");

var trainer = new Trainer(new TrainerOptions { Epochs = epochs, Device = Devices.Auto, LogEvery = 200 });
trainer.Progress += p => Console.WriteLine(
    $"  step {p.Step,6}/{p.TotalSteps}  epoch {p.Epoch}  " +
    string.Join("  ", p.Losses.Select(kv => $"{kv.Key} {kv.Value,10:F2}")) + $"  {p.ViewsPerSecond,7:F0} views/s");
var clock = Stopwatch.StartNew();
using var model = trainer.CreateModel(options);
trainer.Train(model, train);
Console.WriteLine($"Trained in {clock.Elapsed.TotalSeconds:F0} s");

Tensor Features(ImageDataset data)
{
    using var scope = NewDisposeScope();
    using var noGrad = no_grad();
    var rows = new List<Tensor>();
    for (int start = 0; start < data.Count; start += 1000)
    {
        var images = data.ToTensor(Enumerable.Range(start, Math.Min(1000, data.Count - start)).ToArray(), Devices.Auto);
        rows.Add(model.Encode(images).cpu());
    }
    return cat(rows, 0).MoveToOuterDisposeScope();
}

model.eval();
using var trainFeatures = Features(train);
using var testFeatures = Features(test);
using var trainPixels = train.ToTensor(Enumerable.Range(0, train.Count).ToArray()).flatten(1);
using var testPixels = test.ToTensor(Enumerable.Range(0, test.Count).ToArray()).flatten(1);
foreach (int k in new[] { 1, 5, 10, 20 })
{
    var predicted = KnnProbe.Predict(trainFeatures, train.Labels.ToArray(), testFeatures, k, classes: 10);
    var baseline = KnnProbe.Predict(trainPixels, train.Labels.ToArray(), testPixels, k, classes: 10);
    Console.WriteLine($"kNN (k = {k,2}) content accuracy on the test set: {100 * KnnProbe.Accuracy(predicted, test.Labels):F1}% " +
                      $"(raw pixels: {100 * KnnProbe.Accuracy(baseline, test.Labels):F1}%)");
}
