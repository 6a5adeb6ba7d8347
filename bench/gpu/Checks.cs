using SimVae.Backbones;
using System.Globalization;
using SimVae.Augmentations;
using SimVae.Data;
using SimVae.Featurization;
using SimVae.Losses;
using SimVae.Methods;
using SimVae.Torch;
using SimVae.Torch.Optim;
using SimVae.Training;
using F = SimVae.Torch.Functional;

namespace SimVae.Bench.Gpu;

/// <summary>
/// The GPU test subset: each check prints "CHECK name ok ..." or "CHECK name FAIL ...". The CPU is the reference.
/// Tolerances allow for TF32 in cuDNN convolutions (on by default in libtorch, as in PyTorch) and for different
/// summation orders; they are relative to the largest magnitude of the reference.
/// </summary>
internal sealed class Checks(BenchSettings settings)
{
    private readonly Device device = settings.Device;
    private bool allPassed = true;

    public bool RunAll()
    {
        Run("operators+gradients", OperatorsAndGradients);
        Run("training-simvae-fp32", () => TrainingLossFalls(amp: false));
        if (settings.Amp) Run("training-simvae-bf16", () => TrainingLossFalls(amp: true));
        Run("step-on-device", StepStaysOnDevice);
        Run("step-no-sync", StepNeverSynchronizes);
        Run("featurizer-parity-mlp", () => FeaturizerParity(new SimVaeOptions(), settings.FashionMnistShaped(), 1e-4));
        Run("featurizer-parity-resnet18", () => FeaturizerParity(ResNetOptions(settings.ResNetBatchImages), settings.CifarShaped(512), 2e-2));
        return allPassed;
    }

    internal static SimClrOptions ResNetOptions(int batchImages = 256) => new()
    {
        Backbone = BackboneKind.ResNet18, Channels = 3, Height = 32, Width = 32, LatentDim = 512,
        BatchImages = batchImages, Augmentation = "simclr",
    };

    private void Run(string name, Func<string> check)
    {
        long live = TorchRuntime.LiveTensorCount;
        try
        {
            string detail = check();
            long leaked = TorchRuntime.LiveTensorCount - live;
            if (leaked != 0) throw new InvalidOperationException($"{leaked} tensor handles left alive; {detail}");
            Console.WriteLine($"CHECK {name} ok {detail}");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            allPassed = false;
            Console.WriteLine($"CHECK {name} FAIL {e.GetType().Name}: {e.Message.Replace('\n', ' ')}");
        }
    }

    private const double Tf32 = 1e-2;

    private sealed record OpCase(string Name, long[][] Shapes, Func<Tensor[], Tensor> Compute, double Tolerance = 2e-3);

    /// <summary>
    /// Every operator family the methods use, forward and backward, on the device against the CPU. Convolutions get
    /// 1e-2: cuDNN may use TF32 tensor cores for float32 convolutions (libtorch's default, as PyTorch's
    /// torch.backends.cudnn.allow_tf32), which keeps 10 mantissa bits.
    /// </summary>
    private string OperatorsAndGradients()
    {
        var cases = new List<OpCase>
        {
            new("linear", [[64, 784], [500, 784], [500]], t => F.Linear(t[0], t[1], t[2])),
            new("matmul", [[128, 64], [64, 96]], t => t[0].MatMul(t[1])),
            new("conv2d", [[8, 3, 32, 32], [16, 3, 3, 3], [16]], t => F.Conv2d(t[0], t[1], t[2], padding: 1), Tf32),
            new("conv2d-stride2", [[4, 16, 16, 16], [32, 16, 3, 3]], t => F.Conv2d(t[0], t[1], null, stride: 2, padding: 1), Tf32),
            new("conv-transpose2d", [[4, 8, 7, 7], [8, 4, 4, 4], [4]], t => F.ConvTranspose2d(t[0], t[1], t[2], stride: 2, padding: 1), Tf32),
            new("batch-norm-train", [[16, 8, 6, 6], [8], [8]], t => F.BatchNorm(t[0], null, null, t[1], t[2], training: true)),
            new("relu", [[4096]], t => F.Relu(t[0])),
            new("sigmoid", [[4096]], t => F.Sigmoid(t[0])),
            new("log-softmax", [[32, 10]], t => F.LogSoftmax(t[0], 1)),
            new("bce-with-logits", [[64, 784], [64, 784]], t => F.BinaryCrossEntropyWithLogits(t[0], F.Sigmoid(t[1]), Reduction.Sum)),
            new("mse", [[64, 32], [64, 32]], t => F.MseLoss(t[0], t[1], Reduction.Sum)),
            new("normalize", [[32, 128]], t => F.Normalize(t[0], dim: 1)),
            new("exp-log-sum", [[256]], t => (t[0].Exp() + 1).Log().Sum()),
            new("mean-var", [[64, 16]], t => t[0].Var([0]) + t[0].Mean(0)),
            new("adaptive-avg-pool", [[4, 8, 8, 8]], t => F.AdaptiveAvgPool2d(t[0], 1, 1)),
            new("interpolate-nearest", [[2, 4, 4, 4]], t => F.Interpolate(t[0], 8, 8, bilinear: false)),
            new("affine-grid+grid-sample", [[4, 1, 28, 28], [4, 2, 3]], t => F.GridSample(t[0], F.AffineGrid(t[1] * 0.5, [4, 1, 28, 28]))),
            new("cross-entropy", [[16, 16]], t =>
            {
                using var targets = Tensor.Arange(16, t[0].Device);
                return F.CrossEntropy(t[0], targets);
            }),
        };
        double worst = 0;
        string worstName = "";
        foreach (var c in cases)
        {
            using var scope = DisposeScope.Open();
            TorchRuntime.ManualSeed(42);
            var cpuInputs = c.Shapes.Select(s => Tensor.Randn(s).RequiresGrad_()).ToArray();
            var devInputs = cpuInputs.Select(x => x.Detach().To(device).RequiresGrad_()).ToArray();
            var cpuOut = c.Compute(cpuInputs);
            var devOut = c.Compute(devInputs);
            if (devOut.Device != device) throw new InvalidOperationException($"{c.Name}: result on {devOut.Device}, expected {device}");
            double err = RelativeError(cpuOut, devOut);
            if (err > c.Tolerance) throw new InvalidOperationException($"{c.Name}: forward relative error {err:G3} > {c.Tolerance:G3}");
            var cotangent = Tensor.Randn(cpuOut.Shape);
            (cpuOut * cotangent).Sum().Backward();
            (devOut * cotangent.To(device)).Sum().Backward();
            for (int k = 0; k < cpuInputs.Length; k++)
            {
                var gc = cpuInputs[k].Grad ?? throw new InvalidOperationException($"{c.Name}: no CPU gradient for input {k}");
                var gd = devInputs[k].Grad ?? throw new InvalidOperationException($"{c.Name}: no device gradient for input {k}");
                double gerr = RelativeError(gc, gd);
                gc.Dispose();
                gd.Dispose();
                if (gerr > c.Tolerance) throw new InvalidOperationException($"{c.Name}: gradient of input {k} relative error {gerr:G3} > {c.Tolerance:G3}");
                if (gerr > worst) (worst, worstName) = (gerr, $"{c.Name} grad {k}");
            }
            if (err > worst) (worst, worstName) = (err, c.Name);
        }
        return string.Create(CultureInfo.InvariantCulture, $"{cases.Count} operators; worst relative error {worst:G3} ({worstName})");
    }

    /// <summary>max |a − b| / max(1e-6, max |a|), both read back as float64 on the CPU.</summary>
    internal static double RelativeError(Tensor reference, Tensor actual)
    {
        using var scope = DisposeScope.Open();
        var a = reference.Detach().To(Device.Cpu, ScalarType.Float64);
        var b = actual.Detach().To(Device.Cpu, ScalarType.Float64);
        if (!a.Shape.SequenceEqual(b.Shape)) throw new InvalidOperationException($"shapes differ: [{string.Join(",", a.Shape)}] vs [{string.Join(",", b.Shape)}]");
        double scale = Math.Max(1e-6, a.Abs().Max().ToDouble());
        return (a - b).Abs().Max().ToDouble() / scale;
    }

    /// <summary>The Trainer on the device with the authors' configuration: the loss falls over a short run.</summary>
    private string TrainingLossFalls(bool amp)
    {
        var data = settings.Smoke ? settings.FashionMnistShaped() : SyntheticShapes.Generate(new SyntheticShapesOptions { Count = 4096, Size = 28 });
        int steps = settings.Smoke ? 6 : 300;
        var losses = new List<double>();
        var options = new SimVaeOptions { LearningRate = 1e-3 };
        var trainer = new Trainer(new TrainerOptions
        {
            Device = device, MaxSteps = steps, LogEvery = settings.Smoke ? 2 : 25, Prefetch = 1,
            Precision = amp ? Precision.BFloat16 : Precision.Float32,
        });
        trainer.Progress += p => losses.Add(p.Losses["loss"]);
        using var model = trainer.CreateModel(options);
        trainer.Train(model, data);
        foreach (var p in model.Parameters())
            if (p.DType != ScalarType.Float32 || p.Device != device) throw new InvalidOperationException($"a parameter became {p.DType} on {p.Device}");
        if (losses.Count < 2) throw new InvalidOperationException("fewer than two logged losses");
        if (losses.Any(l => !double.IsFinite(l))) throw new InvalidOperationException($"non-finite loss: {string.Join(", ", losses)}");
        double first = losses[0], last = losses[^1];
        string detail = string.Create(CultureInfo.InvariantCulture, $"{steps} steps on {data.Name}: loss {first:G5} -> {last:G5}");
        if (!settings.Smoke && !(last < first)) throw new InvalidOperationException("the loss did not fall: " + detail);
        return detail;
    }

    /// <summary>
    /// Inside a training step nothing goes to the host: the delivered views, every parameter, every gradient, the
    /// optimiser state and the loss live on the device (the loss is read back only when logging).
    /// </summary>
    private string StepStaysOnDevice()
    {
        TorchRuntime.ManualSeed(1);
        var options = new SimVaeOptions();
        using var model = SslModel.Create(options);
        model.To(device);
        using var loader = new DataLoader(settings.FashionMnistShaped(), new DataLoaderOptions
        {
            BatchSize = options.BatchImages, DropLast = true, Device = device,
            Transform = AugmentationNames.Create(options.Augmentation, options.Height, options.Views),
        });
        using var opt = new Adam(model.Parameters(), options.LearningRate, eps: options.AdamEpsilon);
        int checkedTensors = 0;
        void Expect(Tensor t, string what)
        {
            if (t.Device != device) throw new InvalidOperationException($"{what} is on {t.Device}, expected {device}");
            checkedTensors++;
        }
        int step = 0;
        foreach (var batch in loader.Epoch(0).Take(settings.Amp ? 3 : 2))
        {
            using var owned = batch;
            using var scope = DisposeScope.Open();
            Expect(batch.Images, "the batch of views");
            LossTerms loss;
            bool amp = step++ == 2; // the last step under bf16 autocast: the loss must still be float32
            using (amp ? Autocast.Enable(ScalarType.BFloat16, device.IsCuda ? DeviceType.Cuda : DeviceType.Cpu) : null)
                loss = model.Loss(batch.Images);
            if (loss.Total.DType != ScalarType.Float32) throw new InvalidOperationException($"the loss is {loss.Total.DType}{(amp ? " under autocast" : "")}");
            Expect(loss.Total, "the loss");
            opt.ZeroGrad();
            loss.Total.Backward();
            foreach (var p in model.Parameters())
            {
                Expect(p, "a parameter");
                using var g = p.Grad ?? throw new InvalidOperationException("a parameter has no gradient");
                Expect(g, "a gradient");
            }
            opt.Step();
        }
        // Step counts and learning rates are host numbers; the moment estimates are tensors beside the parameters.
        foreach (var (name, t) in opt.StateTensors())
            using (t)
                if (name.Contains("exp_avg", StringComparison.Ordinal)) Expect(t, $"optimizer state {name}");
        return $"{checkedTensors} tensors checked on {device} over {step} steps{(settings.Amp ? " (the last under bf16 autocast)" : "")}";
    }

    /// <summary>
    /// A training step (seed, forward, loss, backward, Adam; fp32 and bf16, SimVAE and SimCLR) with CUDA's sync debug
    /// mode set to error: any operation that would make the host wait for the GPU throws and names itself. The batch
    /// is uploaded before the mode is set (the upload from pageable memory is a synchronising copy by design).
    /// </summary>
    private string StepNeverSynchronizes()
    {
        var runs = new List<string>();
        foreach (var options in new SslOptions[] { new SimVaeOptions(), ResNetOptions(settings.ResNetBatchImages) })
        {
            TorchRuntime.ManualSeed(2);
            using var model = SslModel.Create(options);
            model.To(device);
            model.Train();
            using var opt = new Adam(model.Parameters(), options.LearningRate, eps: options.AdamEpsilon);
            var data = options.Channels == 1 ? settings.FashionMnistShaped() : settings.CifarShaped(1024);
            using var loader = new DataLoader(data, new DataLoaderOptions
            {
                BatchSize = options.BatchImages, DropLast = true, Device = device, Prefetch = 0,
                Transform = AugmentationNames.Create(options.Augmentation, options.Height, options.Views),
            });
            int step = 0;
            foreach (var batch in loader.Epoch(0).Take(settings.Amp ? 4 : 2))
            {
                using var owned = batch;
                bool amp = step >= 2;
                // On the CPU the same steps run without the mode (there is nothing to synchronise with).
                if (device.IsCuda) TorchRuntime.CudaSynchronize();
                var previous = device.IsCuda ? CudaBackend.SetSyncDebugMode(CudaSyncDebugMode.Error) : CudaSyncDebugMode.Disabled;
                try
                {
                    using var scope = DisposeScope.Open();
                    TorchRuntime.ManualSeed((ulong)(100 + step));
                    LossTerms loss;
                    using (amp ? Autocast.Enable(ScalarType.BFloat16) : null) loss = model.Loss(batch.Images);
                    opt.ZeroGrad();
                    loss.Total.Backward();
                    opt.Step();
                }
                finally
                {
                    if (device.IsCuda) CudaBackend.SetSyncDebugMode(previous);
                }
                step++;
            }
            runs.Add($"{options.MethodName}/{options.Backbone} {step} steps");
        }
        return string.Join(", ", runs) + (device.IsCuda ? " without a host synchronisation" : " (CPU: sync debugging not applicable)") +
            (settings.Amp ? "; the last two under bf16 autocast" : "");
    }

    /// <summary>Features of the same weights on the CPU and on the device agree.</summary>
    private string FeaturizerParity(SslOptions options, ImageDataset data, double tolerance)
    {
        TorchRuntime.ManualSeed(5);
        using var model = SslModel.Create(options);
        model.Eval();
        var subset = Subset(data, settings.Smoke ? 64 : 2048);
        using var featurizer = new Featurizer(model);
        var cpu = featurizer.Transform(subset);
        model.To(device);
        var dev = featurizer.Transform(subset);
        double err = MaxRelative(cpu.Values, dev.Values);
        string detail = string.Create(CultureInfo.InvariantCulture, $"{subset.Count} images, {options.MethodName}/{options.Backbone}: relative error {err:G3}");
        if (err > tolerance) throw new InvalidOperationException($"{detail} > {tolerance:G3}");
        if (settings.Amp && device.IsCuda)
        {
            FeatureMatrix mixed;
            using (Autocast.Enable(ScalarType.BFloat16)) mixed = featurizer.Transform(subset);
            detail += string.Create(CultureInfo.InvariantCulture, $"; bf16 autocast relative error {MaxRelative(cpu.Values, mixed.Values):G3} (informative)");
        }
        return detail;
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

    internal static ImageDataset Subset(ImageDataset data, int count) =>
        data.Subset(Enumerable.Range(0, Math.Min(count, data.Count)).ToArray());
}
