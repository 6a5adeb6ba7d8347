using System.Diagnostics;
using System.Globalization;
using SimVae.Augmentations;
using SimVae.Data;
using SimVae.Featurization;
using SimVae.Losses;
using SimVae.Methods;
using SimVae.Torch;
using SimVae.Torch.Optim;
using SimVae.Training;

namespace SimVae.Bench.Gpu;

/// <summary>
/// Throughput on the device, each measured after a warm-up and closed by a device synchronisation:
/// <list type="bullet">
/// <item>simvae: the authors' FashionMNIST configuration (MLP, 64 images x 2 views, Adam 8e-5/1e-4) in a
/// Trainer-like loop: DataLoader (upload as uint8, augmentation on the device, 2 batches prefetched), per-step
/// seed, loss, backward, Adam. Views per second end to end.</item>
/// <item>simclr_resnet18: SimCLR with ResNet-18 (CIFAR stem), 32x32 RGB, 256 images x 2 views, Adam 1e-3, on a
/// fixed batch of views already on the device (the step PyTorch eager is compared with); simclr_e2e adds the
/// DataLoader with SimCLR's augmentations.</item>
/// <item>featurizer: Featurizer.Transform of 10,000 CIFAR-shaped images through the ResNet-18 encoder (batch 256,
/// upload and read-back included), and of FashionMNIST through the SimVAE MLP encoder.</item>
/// </list>
/// Every measurement runs in float32 and, unless --no-amp, with a bfloat16 autocast region around the forward pass
/// (losses in float32).
/// </summary>
internal sealed class Benchmarks(BenchSettings settings)
{
    private readonly Device device = settings.Device;

    public SortedDictionary<string, double> RunAll()
    {
        var r = new SortedDictionary<string, double>(StringComparer.Ordinal);
        if (device.IsCuda) CudaBackend.CudnnBenchmark = true; // as the PyTorch reference (fixed shapes)
        var fashion = settings.FashionMnistShaped();
        foreach (bool amp in Precisions())
        {
            string suffix = amp ? "_bf16" : "";
            r["simvae" + suffix + "_views_per_s"] = TrainingThroughput(new SimVaeOptions(), fashion, amp, fixedViews: false);
            r["simclr_resnet18" + suffix + "_views_per_s"] = TrainingThroughput(Checks.ResNetOptions(settings.ResNetBatchImages), null, amp, fixedViews: true);
            r["featurizer" + suffix + "_images_per_s"] = FeaturizerThroughput(Checks.ResNetOptions(settings.ResNetBatchImages), settings.CifarShaped(10_000), amp);
        }
        r["simclr_e2e_views_per_s"] = TrainingThroughput(Checks.ResNetOptions(settings.ResNetBatchImages), settings.CifarShaped(50_000), amp: false, fixedViews: false);
        r["featurizer_mlp_images_per_s"] = FeaturizerThroughput(new SimVaeOptions(), fashion, amp: false);
        return r;
    }

    private IEnumerable<bool> Precisions() => settings.Amp ? [false, true] : [false];

    private void Synchronize()
    {
        if (device.IsCuda) TorchRuntime.CudaSynchronize(device.Index < 0 ? 0 : device.Index);
    }

    private Autocast? Region(bool amp) =>
        amp ? Autocast.Enable(ScalarType.BFloat16, device.IsCuda ? DeviceType.Cuda : DeviceType.Cpu) : null;

    /// <summary>Views per second of training steps; <paramref name="fixedViews"/> reuses one batch already on the device.</summary>
    private double TrainingThroughput(SslOptions options, ImageDataset? data, bool amp, bool fixedViews)
    {
        TorchRuntime.ManualSeed(1234);
        using var model = SslModel.Create(options);
        model.To(device);
        model.Train();
        using var opt = new Adam(model.Parameters(), options.LearningRate, eps: options.AdamEpsilon, weightDecay: options.WeightDecay);
        int views = options.BatchImages * options.Views;
        int warmup = settings.Warmup, steps = settings.Steps;
        var clock = new Stopwatch();
        double lastLoss = double.NaN;

        void Step(Tensor batch, long step)
        {
            using var scope = DisposeScope.Open();
            TorchRuntime.ManualSeed((ulong)Seeds.Derive(1234, step, 3)); // as the Trainer: sampling noise per step
            LossTerms loss;
            using (Region(amp)) loss = model.Loss(batch);
            opt.ZeroGrad();
            loss.Total.Backward();
            opt.Step();
            if (step == warmup + steps - 1) lastLoss = loss.Total.ToDouble();
        }

        if (fixedViews)
        {
            using var batch = Tensor.Rand([views, options.Channels, options.Height, options.Width], ScalarType.Float32, device).DetachFromScope();
            for (int s = 0; s < warmup + steps; s++)
            {
                if (s == warmup) { Synchronize(); clock.Start(); }
                Step(batch, s);
            }
        }
        else
        {
            using var loader = new DataLoader(data!, new DataLoaderOptions
            {
                BatchSize = options.BatchImages, DropLast = true, Seed = 1234, Device = device, Prefetch = 2,
                Transform = AugmentationNames.Create(options.Augmentation, options.Height, options.Views),
            });
            int s = 0;
            foreach (var batch in loader.Batches(new LoaderPosition(0, 0), epochs: 10_000))
            {
                using var owned = batch;
                if (s == warmup) { Synchronize(); clock.Start(); }
                if (s == warmup + steps) break;
                Step(batch.Images, s++);
            }
        }
        Synchronize();
        clock.Stop();
        if (!double.IsFinite(lastLoss)) throw new InvalidOperationException($"{options.MethodName}: the loss became {lastLoss}");
        double rate = (double)steps * views / clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{options.MethodName}/{options.Backbone}{(amp ? " bf16" : "")}{(fixedViews ? " (fixed views)" : " (DataLoader+augmentation)")}: " +
            $"{clock.Elapsed.TotalMilliseconds / steps:F3} ms/step, {rate:F0} views/s, final loss {lastLoss:G5}"));
        return rate;
    }

    /// <summary>Images per second through Featurizer.Transform (the model's encoder in eval mode, batch 256).</summary>
    private double FeaturizerThroughput(SslOptions options, ImageDataset data, bool amp)
    {
        TorchRuntime.ManualSeed(1234);
        using var model = SslModel.Create(options);
        model.To(device);
        model.Eval();
        using var featurizer = new Featurizer(model);
        var warm = Checks.Subset(data, Math.Min(data.Count, 1024));
        using (Region(amp)) featurizer.Transform(warm);
        Synchronize();
        int repeats = settings.Smoke ? 1 : 3;
        var clock = Stopwatch.StartNew();
        for (int r = 0; r < repeats; r++)
            using (Region(amp)) featurizer.Transform(data);
        Synchronize();
        double rate = (double)repeats * data.Count / clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"featurizer {options.MethodName}/{options.Backbone}{(amp ? " bf16" : "")}: {rate:F0} images/s over {data.Count} images"));
        return rate;
    }
}
