using System.Globalization;
using SimVae.Data;
using SimVae.Engine;
using SimVae.Featurization;
using SimVae.Losses;
using SimVae.Methods;
using SimVae.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SimVae.Bench.Gpu;

/// <summary>
/// The GPU checks: each prints "CHECK name ok ..." or "CHECK name FAIL ...". The CPU is the reference. Float32 matrix
/// products on CUDA are exact float32 (libtorch's default, as PyTorch's: no TF32 in cuBLAS); cuDNN may use TF32 for
/// convolutions, so the ResNet-18 featurizer check turns that off while it runs.
/// </summary>
internal sealed class Checks(BenchSettings settings)
{
    private readonly Device device = settings.Device;
    private bool allPassed = true;

    public bool RunAll()
    {
        Run("losses-cuda-vs-cpu", LossFunctions);
        Run("model-losses-cuda-vs-cpu", ModelLosses);
        Run("training-simvae-fp32", () => TrainingLossFalls(Precision.Float32));
        Run("training-simvae-bf16", () => TrainingLossFalls(Precision.BFloat16));
        Run("bf16-region-on-device", MixedPrecisionOnDevice);
        Run("fused-adam-on-device", FusedAdamTakesAdamsStep);
        Run("featurizer-parity-mlp", () => FeaturizerParity(new SimVaeOptions(), 1e-4));
        Run("featurizer-parity-resnet18", () => FeaturizerParity(new SimClrOptions
        {
            Backbone = Backbones.BackboneKind.ResNet18, Channels = 3, Height = 32, Width = 32, LatentDim = 512, Augmentation = "simclr",
        }, 1e-3));
        Run("step-on-device+memory-flat", StepOnDeviceAndMemoryFlat);
        return allPassed;
    }

    private void Run(string name, Func<string> check)
    {
        try
        {
            Console.WriteLine($"CHECK {name} ok {check()}");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            allPassed = false;
            Console.WriteLine($"CHECK {name} FAIL {e.GetType().Name}: {e.Message.Replace('\n', ' ')}");
        }
    }

    private const double LossTolerance = 1e-4;
    private const double GradientTolerance = 1e-3;

    private sealed record LossCase(string Name, long[][] Shapes, Func<Tensor[], Tensor> Loss);

    /// <summary>SimVAE (Bernoulli and Gaussian), NT-Xent (SimCLR) and VICReg losses and their gradients on the same inputs.</summary>
    private string LossFunctions()
    {
        var gaussian = new SimVaeLossOptions { Likelihood = Likelihood.Gaussian, Prior = ContentPrior.Uniform };
        var cases = new LossCase[]
        {
            new("simvae", [[32, 2, 784], [32, 2, 784], [32, 2, 10], [32, 2, 10]],
                t => SimVaeLoss.Compute(t[0].sigmoid(), t[1], t[2], t[3], new SimVaeLossOptions()).Total),
            new("simvae-gaussian", [[32, 2, 784], [32, 2, 784], [32, 2, 10], [32, 2, 10]],
                t => SimVaeLoss.Compute(t[0], t[1], t[2], t[3], gaussian).Total),
            new("nt-xent", [[64, 128], [64, 128]], t => NtXentLoss.Compute(t[0], t[1], 0.5).Total),
            new("vicreg", [[64, 512], [64, 512]], t => VicRegLoss.Compute(t[0], t[1]).Total),
        };
        var report = new List<string>();
        foreach (var c in cases)
        {
            using var scope = NewDisposeScope();
            manual_seed(42);
            var cpu = c.Shapes.Select(s => randn(s).requires_grad_()).ToArray();
            var dev = cpu.Select(x => x.detach().to(device).requires_grad_()).ToArray();
            var lossCpu = c.Loss(cpu);
            var lossDev = c.Loss(dev);
            ExpectOnDevice(lossDev, $"the {c.Name} loss");
            double error = RelativeError(lossCpu, lossDev);
            if (error > LossTolerance) throw new InvalidOperationException($"{c.Name}: loss {lossCpu.ToDouble():G8} vs {lossDev.ToDouble():G8}, relative error {error:G3}");
            lossCpu.backward();
            lossDev.backward();
            double worst = 0;
            for (int k = 0; k < cpu.Length; k++)
                worst = Math.Max(worst, RelativeError(cpu[k].grad ?? throw new InvalidOperationException($"{c.Name}: no gradient for input {k}"),
                    dev[k].grad ?? throw new InvalidOperationException($"{c.Name}: no device gradient for input {k}")));
            if (worst > GradientTolerance) throw new InvalidOperationException($"{c.Name}: gradient relative error {worst:G3}");
            report.Add(string.Create(CultureInfo.InvariantCulture, $"{c.Name} {lossCpu.ToDouble():G7} (loss {error:G2}, grads {worst:G2})"));
        }
        return "relative errors: " + string.Join(", ", report);
    }

    /// <summary>SimCLR and VICReg models (MLP backbone, batch norm in training mode) with the same weights and views: loss and every parameter's gradient.</summary>
    private string ModelLosses()
    {
        var report = new List<string>();
        foreach (SslOptions options in new SslOptions[] { new SimClrOptions(), new VicRegOptions() })
        {
            TorchRuntime.ManualSeed(11);
            using var onCpu = SslModel.Create(options);
            TorchRuntime.ManualSeed(11);
            using var onDevice = SslModel.Create(options);
            onDevice.to(device);
            onCpu.train();
            onDevice.train();
            using var scope = NewDisposeScope();
            var views = rand(options.Views * options.BatchImages, options.Channels, options.Height, options.Width);
            var lossCpu = onCpu.Loss(views).Total;
            var lossDev = onDevice.Loss(views.to(device)).Total;
            ExpectOnDevice(lossDev, $"the {options.MethodName} loss");
            double error = RelativeError(lossCpu, lossDev);
            if (error > LossTolerance) throw new InvalidOperationException($"{options.MethodName}: loss {lossCpu.ToDouble():G8} vs {lossDev.ToDouble():G8}, relative error {error:G3}");
            lossCpu.backward();
            lossDev.backward();
            // All gradients as one vector: relative to the largest gradient, since a linear bias before batch norm
            // has a gradient that is zero up to rounding.
            var (gradsCpu, gradsDev) = (new List<Tensor>(), new List<Tensor>());
            foreach (var ((name, pc), (_, pd)) in onCpu.named_parameters().Zip(onDevice.named_parameters()))
            {
                if (pc.grad is not { } gc) continue;
                var gd = pd.grad ?? throw new InvalidOperationException($"{options.MethodName}: {name} has no gradient on the device");
                ExpectOnDevice(gd, $"the gradient of {name}");
                gradsCpu.Add(gc.flatten());
                gradsDev.Add(gd.flatten().cpu());
            }
            double worst = RelativeError(cat(gradsCpu), cat(gradsDev));
            if (worst > GradientTolerance) throw new InvalidOperationException($"{options.MethodName}: gradient relative error {worst:G3}");
            report.Add(string.Create(CultureInfo.InvariantCulture, $"{options.MethodName} {lossCpu.ToDouble():G7} (loss {error:G2}, grads {worst:G2})"));
        }
        return "relative errors: " + string.Join(", ", report);
    }

    /// <summary>The Trainer on the device (SimVAE, MLP, learning rate 1e-3 on synthetic shapes): the loss falls; parameters stay float32 on the device.</summary>
    private string TrainingLossFalls(Precision precision)
    {
        var data = SyntheticShapes.Generate(new SyntheticShapesOptions { Count = settings.Smoke ? 256 : 4096, Size = 28 });
        int steps = settings.Smoke ? 6 : 300;
        var losses = new List<double>();
        var trainer = new Trainer(new TrainerOptions
        {
            Device = device, MaxSteps = steps, LogEvery = settings.Smoke ? 2 : 25, Prefetch = 1, Precision = precision,
        });
        trainer.Progress += p => losses.Add(p.Losses["loss"]);
        using var model = trainer.CreateModel(new SimVaeOptions { LearningRate = 1e-3 });
        trainer.Train(model, data);
        foreach (var (name, p) in model.named_parameters())
        {
            if (p.dtype != ScalarType.Float32) throw new InvalidOperationException($"{name} became {p.dtype}");
            ExpectOnDevice(p, name);
        }
        if (losses.Count < 2 || losses.Any(l => !double.IsFinite(l))) throw new InvalidOperationException($"logged losses: {string.Join(", ", losses)}");
        string detail = string.Create(CultureInfo.InvariantCulture,
            $"{steps} steps, {PrecisionPolicy.Name(trainer.Precision)}, on {data.Name}: loss {losses[0]:G5} -> {losses[^1]:G5}");
        if (!settings.Smoke && !(losses[^1] < losses[0])) throw new InvalidOperationException("the loss did not fall: " + detail);
        return detail;
    }

    /// <summary>Inside a bf16 region on the device the networks compute in bfloat16 and the loss comes out float32.</summary>
    private string MixedPrecisionOnDevice()
    {
        TorchRuntime.ManualSeed(3);
        using var model = (SimVaeModel)SslModel.Create(new SimVaeOptions());
        model.to(device);
        using var scope = NewDisposeScope();
        var views = rand(16, 1, 28, 28, device: device);
        using (MixedPrecision.Enable(Precision.BFloat16))
        {
            var (mean, _) = model.Posterior(views);
            ExpectOnDevice(mean, "the posterior mean");
            if (mean.dtype != ScalarType.BFloat16) throw new InvalidOperationException($"the encoder computed in {mean.dtype} inside a bf16 region");
            var loss = model.Loss(views);
            ExpectOnDevice(loss.Total, "the loss");
            if (loss.Total.dtype != ScalarType.Float32) throw new InvalidOperationException($"the loss is {loss.Total.dtype} inside a bf16 region");
            loss.Total.backward();
        }
        foreach (var (name, p) in model.named_parameters())
            if (p.grad is { dtype: not ScalarType.Float32 } g) throw new InvalidOperationException($"the gradient of {name} is {g.dtype}");
        return "encoder output bfloat16, loss and gradients float32, all on " + device.Name();
    }

    /// <summary>
    /// FusedAdam on CUDA parameters takes TorchSharp Adam's own step (bit for bit the same as torch.optim.Adam on the
    /// device) and agrees with its fused CPU pass.
    /// </summary>
    private string FusedAdamTakesAdamsStep()
    {
        long[][] shapes = [[500, 784], [500], [10, 500]];
        manual_seed(21);
        var initial = shapes.Select(s => randn(s).DetachFromDisposeScope()).ToArray();
        Parameter[] Make(Device d) => initial.Select(t => new Parameter(t.to(d).clone(), requires_grad: true)).ToArray();
        var fusedDevice = Make(device);
        var adamDevice = Make(device);
        var fusedCpu = Make(CPU);
        Adam.ParamGroup[] Group(Parameter[] ps) => [new Adam.ParamGroup(ps, new Adam.Options { LearningRate = 1e-3 })];
        using var fusedOnDevice = new FusedAdam(Group(fusedDevice), lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-4);
        using var adamOnDevice = optim.Adam(adamDevice, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 1e-4);
        using var fusedOnCpu = new FusedAdam(Group(fusedCpu), lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-4);
        for (int step = 0; step < 5; step++)
        {
            using var scope = NewDisposeScope();
            var gradients = shapes.Select(s => randn(s)).ToArray();
            foreach (var (optimizer, ps) in new (optim.Optimizer, Parameter[])[] { (fusedOnDevice, fusedDevice), (adamOnDevice, adamDevice), (fusedOnCpu, fusedCpu) })
            {
                optimizer.zero_grad();
                // d/dp Σ p·g = g: every optimiser sees the same gradients.
                ps.Select((p, k) => (p * gradients[k].to(p.device)).sum()).Aggregate((a, b) => a + b).backward();
                optimizer.step();
            }
        }
        using var _ = NewDisposeScope();
        double sameAsAdam = 0, vsCpu = 0, moved = 0;
        for (int k = 0; k < shapes.Length; k++)
        {
            ExpectOnDevice(fusedDevice[k], "a FusedAdam parameter");
            sameAsAdam = Math.Max(sameAsAdam, (fusedDevice[k] - adamDevice[k]).abs().max().ToDouble());
            vsCpu = Math.Max(vsCpu, RelativeError(fusedCpu[k], fusedDevice[k]));
            moved = Math.Max(moved, (fusedDevice[k].cpu() - initial[k]).abs().max().ToDouble());
        }
        foreach (var t in initial.Concat(fusedDevice).Concat(adamDevice).Concat(fusedCpu)) t.Dispose();
        string detail = string.Create(CultureInfo.InvariantCulture,
            $"5 steps: max |FusedAdam - Adam| on {device.Name()} {sameAsAdam:G3}, relative to the fused CPU pass {vsCpu:G3}, largest move {moved:G3}");
        // On the CPU FusedAdam is its own fused pass (float rounding differs from Adam's eight calls, not the update).
        if ((device.IsCuda() ? sameAsAdam != 0 : sameAsAdam > 1e-5) || vsCpu > 1e-5 || moved < 1e-3) throw new InvalidOperationException(detail);
        return detail;
    }

    /// <summary>Features of the same weights on the CPU and on the device agree (bf16 region reported, not checked).</summary>
    private string FeaturizerParity(SslOptions options, double tolerance)
    {
        TorchRuntime.ManualSeed(5);
        using var model = SslModel.Create(options);
        int count = settings.Smoke ? 16 : options.Channels == 1 ? 2048 : 512;
        var pixels = new byte[count * options.Channels * options.Height * options.Width];
        new Random(77).NextBytes(pixels);
        var data = new ImageDataset(pixels, count, options.Channels, options.Height, options.Width, name: "random");
        using var featurizer = new Featurizer(model);
        bool tf32 = device.IsCuda() && backends.cudnn.allow_tf32;
        if (tf32) backends.cudnn.allow_tf32 = false;
        try
        {
            var cpu = featurizer.Transform(data);
            model.to(device);
            var dev = featurizer.Transform(data);
            double error = MaxRelative(cpu.Values, dev.Values);
            string detail = string.Create(CultureInfo.InvariantCulture,
                $"{count} images, {options.MethodName}/{options.Backbone}, {cpu.Columns} features: relative error {error:G3} (tolerance {tolerance:G2})");
            if (error > tolerance) throw new InvalidOperationException(detail);
            if (device.IsCuda())
            {
                FeatureMatrix mixed;
                using (MixedPrecision.Enable(Precision.BFloat16)) mixed = featurizer.Transform(data);
                detail += string.Create(CultureInfo.InvariantCulture, $"; bf16 region {MaxRelative(cpu.Values, mixed.Values):G3} (informative)");
            }
            return detail;
        }
        finally
        {
            if (tf32) backends.cudnn.allow_tf32 = true;
        }
    }

    /// <summary>
    /// Training steps of the step's own pieces (SimVAE, the method's optimiser, fixed views on the device): the views,
    /// loss, parameters, gradients and optimiser moments live on the device; between step 20 and the last step
    /// neither the live tensor handles of this thread nor the device memory in use grow.
    /// </summary>
    private string StepOnDeviceAndMemoryFlat()
    {
        var options = new SimVaeOptions();
        TorchRuntime.ManualSeed(8);
        using var model = SslModel.Create(options);
        model.to(device);
        model.train();
        int steps = settings.Smoke ? 25 : 300, settled = 20;
        using var optimizer = model.ConfigureOptimizers(steps);
        var views = rand(options.Views * options.BatchImages, 1, 28, 28, device: device).DetachFromDisposeScope();
        int onDevice = 0;
        long liveAtSettled = 0;
        long? memoryAtSettled = null;
        for (int step = 0; step < steps; step++)
        {
            if (step == settled)
            {
                if (device.IsCuda()) cuda.synchronize();
                liveAtSettled = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
                memoryAtSettled = device.IsCuda() ? CudaMemory.UsedBytes() : null;
            }
            using var scope = NewDisposeScope();
            TorchRuntime.ManualSeed((ulong)step);
            optimizer.BeginStep(step);
            var loss = model.Loss(views);
            optimizer.ZeroGrad();
            loss.Total.backward();
            if (step == 0)
            {
                ExpectOnDevice(views, "the views");
                ExpectOnDevice(loss.Total, "the loss");
                foreach (var (name, p) in model.named_parameters())
                {
                    ExpectOnDevice(p, name);
                    ExpectOnDevice(p.grad ?? throw new InvalidOperationException($"{name} has no gradient"), $"the gradient of {name}");
                    onDevice += 2;
                }
            }
            optimizer.Step();
        }
        if (device.IsCuda()) cuda.synchronize();
        long liveGrowth = DisposeScopeManager.Statistics.ThreadTotalLiveCount - liveAtSettled;
        long? memoryGrowth = CudaMemory.UsedBytes() - memoryAtSettled;
        using (NewDisposeScope())
            foreach (var (name, t) in optimizer.StateTensors())
                if (name.Contains("exp_avg", StringComparison.Ordinal)) { ExpectOnDevice(t, $"optimiser state {name}"); onDevice++; }
        views.Dispose();
        string memory = memoryGrowth is { } m
            ? string.Create(CultureInfo.InvariantCulture, $"{m / 1048576.0:+0.0;-0.0;0} MiB (in use {CudaMemory.UsedBytes() / 1048576.0:F0} MiB)")
            : "not measured";
        string detail = $"{onDevice} tensors on {device.Name()}; steps {settled}->{steps}: live tensor handles {liveGrowth:+0;-0;0}, device memory {memory}";
        if (liveGrowth > 0 || memoryGrowth > 0) throw new InvalidOperationException("memory grew: " + detail);
        return detail;
    }

    private void ExpectOnDevice(Tensor t, string what)
    {
        if (t.device_type != device.type || device.IsCuda() && t.device_index != Math.Max(device.index, 0))
            throw new InvalidOperationException($"{what} is on {t.device}, expected {device.Name()}");
    }

    /// <summary>max |a − b| / max(1e-6, max |a|), both read back as float64 on the CPU.</summary>
    private static double RelativeError(Tensor reference, Tensor actual)
    {
        using var scope = NewDisposeScope();
        var a = reference.detach().to(CPU).to_type(ScalarType.Float64);
        var b = actual.detach().to(CPU).to_type(ScalarType.Float64);
        if (!a.shape.SequenceEqual(b.shape)) throw new InvalidOperationException($"shapes differ: [{string.Join(",", a.shape)}] vs [{string.Join(",", b.shape)}]");
        return (a - b).abs().max().ToDouble() / Math.Max(1e-6, a.abs().max().ToDouble());
    }

    private static double MaxRelative(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double scale = 1e-6, diff = 0;
        for (int k = 0; k < a.Length; k++)
        {
            scale = Math.Max(scale, Math.Abs(a[k]));
            diff = Math.Max(diff, Math.Abs(a[k] - b[k]));
        }
        return diff / scale;
    }
}
