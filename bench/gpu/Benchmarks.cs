using System.Diagnostics;
using System.Globalization;
using SimVae.Data;
using SimVae.Engine;
using SimVae.Methods;
using SimVae.Training;

namespace SimVae.Bench.Gpu;

/// <summary>
/// SimVAE throughput through the <see cref="Trainer"/> (the authors' FashionMNIST configuration: MLP, 64 images x 2
/// views, Adam 8e-5/1e-4; uint8 upload, augmentation on the device, 2 batches prefetched), views per second in
/// float32 and bf16. Timed from the report after the warm-up steps to the report after the last step (each report
/// reads the loss back, so both ends wait for the device).
/// </summary>
internal sealed class Benchmarks(BenchSettings settings)
{
    public SortedDictionary<string, double> RunAll()
    {
        var data = settings.FashionMnistShaped();
        return new SortedDictionary<string, double>(StringComparer.Ordinal)
        {
            ["simvae_views_per_s"] = TrainerThroughput(data, Precision.Float32),
            ["simvae_bf16_views_per_s"] = TrainerThroughput(data, Precision.BFloat16),
        };
    }

    private double TrainerThroughput(ImageDataset data, Precision precision)
    {
        var options = new SimVaeOptions();
        int warmup = settings.Warmup, total = settings.Warmup + settings.Steps;
        var trainer = new Trainer(new TrainerOptions
        {
            Device = settings.Device, MaxSteps = total, LogEvery = warmup, Prefetch = 2, Precision = precision, Seed = 1234,
        });
        var clock = new Stopwatch();
        double lastLoss = double.NaN;
        trainer.Progress += p =>
        {
            if (p.Step == warmup) clock.Restart();
            if (p.Step == total) { clock.Stop(); lastLoss = p.Losses["loss"]; }
        };
        using var model = trainer.CreateModel(options);
        trainer.Train(model, data);
        if (!double.IsFinite(lastLoss)) throw new InvalidOperationException($"SimVAE {precision}: the loss became {lastLoss}");
        double rate = (double)settings.Steps * options.BatchImages * options.Views / clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"simvae/mlp {PrecisionPolicy.Name(precision)} (Trainer): {clock.Elapsed.TotalMilliseconds / settings.Steps:F3} ms/step, {rate:F0} views/s, final loss {lastLoss:G5}"));
        return rate;
    }
}
