using SimVae.Augmentations;
using SimVae.Backbones;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SimVae.Bundles;
using SimVae.Data;
using SimVae.Methods;
using SimVae.Engine;
using SimVae.Training;
using Spectre.Console;

namespace SimVae.Cli.Commands;

/// <summary><c>simvae train</c>: trains a method on a data set and writes a model bundle (with a checkpoint for resuming).</summary>
internal static class TrainCommand
{
    public static readonly string[] Methods = [.. SslMethods.Names];
    public static readonly string[] Backbones = ["mlp", "conv", "resnet18"];

    public static Command Create(CliOutput output)
    {
        var preset = new Option<string>("--preset") { Description = $"Starting configuration: {string.Join("; ", SslPresets.All.Select(p => $"{p.Name} ({p.Description})"))}. --method, --backbone, --latent-dim, --learning-rate and --epochs override it", DefaultValueFactory = _ => SslPresets.Recommended.Name };
        preset.AcceptOnlyFromAmong([.. SslPresets.Names]);
        var method = new Option<string?>("--method") { Description = $"Method: {string.Join(", ", Methods)} (default: the preset's, simvae)" };
        method.AcceptOnlyFromAmong(Methods);
        var dataset = CommonOptions.Dataset();
        var dataPath = CommonOptions.DataPath();
        var limit = CommonOptions.Limit();
        var backbone = new Option<string?>("--backbone") { Description = "Encoder (and decoder) architecture: mlp (the authors' FashionMNIST MLP), conv (side divisible by 4), resnet18 (32x32 RGB) (default: the preset's)" };
        backbone.AcceptOnlyFromAmong(Backbones);
        var latent = new Option<int?>("--latent-dim") { Description = $"Feature (latent) dimension d, 1..{SslOptions.MaxLatentDim} (default: the preset's)" }.Range(1, SslOptions.MaxLatentDim);
        var views = new Option<int?>("--views") { Description = $"J, augmented views per image, 1..{SslOptions.MaxViews} (default: the method's: 1 for vae and beta-vae, 4 for dino (2 global + 2 local crops), 2 for the others)" }.Range(1, SslOptions.MaxViews);
        var batch = new Option<int>("--batch-size") { Description = $"Images per batch, each giving J views (2..{SslOptions.MaxBatchImages})", DefaultValueFactory = _ => SslOptions.DefaultBatchImages }.Range(2, SslOptions.MaxBatchImages);
        var lr = new Option<double?>("--learning-rate") { Description = "Peak learning rate of the method's optimiser, 1e-12..10 (default: the preset's for its method, else the method's paper value for 64 images; e.g. byol LARS 0.05)" }.Range(1e-12, 10);
        var beta = new Option<double>("--beta") { Description = "β of beta-vae (0..1000)", DefaultValueFactory = _ => SimVaeOptions.DefaultBeta }.Range(0, 1000);
        var augmentation = new Option<string>("--augmentation") { Description = $"Augmentation preset: auto (simvae-fashion-mnist for gray images, simvae-cifar10 for RGB; simclr for the other methods on RGB), {string.Join(", ", AugmentationNames.Known)}", DefaultValueFactory = _ => "auto" };
        augmentation.AcceptOnlyFromAmong(["auto", .. AugmentationNames.Known]);
        var imageSize = new Option<int>("--image-size") { Description = $"Image side for generated (synthetic, 8..{SslOptions.MaxImageSide}) and decoded (folder, 1..{SslOptions.MaxImageSide}) data sets", DefaultValueFactory = _ => 28 }.Range(1, SslOptions.MaxImageSide);
        var channels = new Option<int>("--channels") { Description = "Channels for the folder data set: 1 (gray) or 3 (RGB)", DefaultValueFactory = _ => 1 };
        channels.AcceptOnlyFromAmong("1", "3");
        var epochs = new Option<int?>("--epochs", "-e") { Description = $"Passes over the data set, 1..{TrainerOptions.MaxEpochs} (default: the preset's)" }.Range(1, TrainerOptions.MaxEpochs);
        var maxSteps = new Option<long?>("--max-steps") { Description = $"Stop after this many optimiser steps in total, 1..{TrainerOptions.MaxStepLimit} (overrides --epochs)" }.Range(1, TrainerOptions.MaxStepLimit);
        var device = CommonOptions.Device();
        var precision = CommonOptions.Precision();
        var seed = new Option<int>("--seed") { Description = "Seed of weights, data order, augmentations and sampling noise", DefaultValueFactory = _ => 1234 }.Range(int.MinValue, int.MaxValue);
        var outputPath = new Option<string>("--output", "-o") { Description = "Model bundle to write", DefaultValueFactory = _ => "model.simvae" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Checkpoint file (default: <output>.ckpt); written every --checkpoint-every steps, at the end and on Ctrl+C" };
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint when it exists (same method, data and seed; more --epochs trains longer)" };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Steps between checkpoints", DefaultValueFactory = _ => 500 }.Range(1, int.MaxValue);
        var logEvery = new Option<int>("--log-every") { Description = "Steps between progress reports (each waits for the device)", DefaultValueFactory = _ => 10 }.Range(1, int.MaxValue);
        var metrics = new Option<string?>("--metrics") { Description = "JSON-lines file receiving the losses and throughput of every report" };
        var distributed = new DistributedLaunch();

        var command = new Command("train", "Train a self-supervised model on a data set and save it as a model bundle")
        {
            preset, method, dataset, dataPath, limit, backbone, latent, views, batch, lr, beta, augmentation, imageSize, channels,
            epochs, maxSteps, device, precision, seed, outputPath, checkpoint, resume, checkpointEvery, logEvery, metrics,
        };
        foreach (var option in distributed.Options) command.Add(option);
        command.SetAction(r =>
        {
            if (distributed.LaunchIfAsked(r, output) is { } launched) return launched;
            var chosen = SslPresets.Get(r.GetValue(preset)!);
            var m = r.GetValue(method) ?? chosen.Method;
            var bundlePath = r.GetValue(outputPath)!;
            var checkpointPath = r.GetValue(checkpoint) ?? bundlePath + ".ckpt";
            bool resuming = r.GetValue(resume) && File.Exists(checkpointPath);
            new OutputGuard()
                .InputFolder("--data-path", DataSets.InputFolder(r.GetValue(dataset)!, DataSplit.Train, r.GetValue(dataPath)))
                .Input("--checkpoint", resuming ? checkpointPath : null)
                .Output("--output", bundlePath)
                .Output("--checkpoint", checkpointPath)
                .Output("--metrics", r.GetValue(metrics), MetricsLog.IsMetricsLog, "a metrics log simvae wrote (one is replaced, or appended to with --resume)")
                .Check(output);
            int size = r.GetValue(imageSize);
            var datasetName = r.GetValue(dataset)!;
            // The options are checked for the data set's image shape before any image is read or generated.
            var options = BuildOptions(m, chosen, DataSets.Shape(datasetName, r.GetValue(channels), size), r.GetValue(backbone), r.GetValue(latent), r.GetValue(views),
                r.GetValue(batch), r.GetValue(lr), r.GetValue(beta), r.GetValue(augmentation)!);
            var data = DataSets.Load(datasetName, DataSplit.Train, r.GetValue(dataPath), r.GetValue(limit), (r.GetValue(channels), size, size));
            if (data.Count < options.BatchImages)
                throw CliException.Usage($"{data.Name} has {data.Count} images, fewer than one batch (--batch-size {options.BatchImages})");
            var parallel = distributed.Worker(r);
            var trainerOptions = new TrainerOptions
            {
                Epochs = r.GetValue(epochs) ?? chosen.Epochs, MaxSteps = r.GetValue(maxSteps), Device = DistributedLaunch.DeviceOf(CommonOptions.ResolveDevice(r.GetValue(device)!), parallel),
                Seed = r.GetValue(seed), LogEvery = r.GetValue(logEvery), CheckpointPath = checkpointPath,
                CheckpointEvery = r.GetValue(checkpointEvery), MetricsPath = r.GetValue(metrics), DataParallel = parallel,
                Precision = PrecisionPolicy.Parse(r.GetValue(precision)!),
            };
            return Run(output, data, options, trainerOptions, bundlePath, resuming);
        });
        return command;
    }

    private static int Run(CliOutput output, ImageDataset data, SslOptions options, TrainerOptions trainerOptions, string bundlePath, bool resuming)
    {
        long batchesPerEpoch = data.Count / options.BatchImages;
        long planned = trainerOptions.MaxSteps ?? trainerOptions.Epochs * batchesPerEpoch;
        output.Info($"Training [bold]{CliOutput.E(options.MethodName)}[/] ({CliOutput.E(options.Backbone)}, d = {options.LatentDim}, {options.BatchImages} images × {options.Views} views per step) " +
                    $"on {CliOutput.E(data)} for {planned} steps on {CliOutput.E(trainerOptions.Device.Name())}{CliOutput.E(DistributedLaunch.Describe(trainerOptions.DataParallel))} " +
                    $"in {PrecisionPolicy.Name(PrecisionPolicy.Resolve(trainerOptions.Precision, trainerOptions.Device))}" +
                    (resuming ? $", resuming from '{CliOutput.E(trainerOptions.CheckpointPath)}'" : ""));
        var trainer = new Trainer(trainerOptions);
        CommonOptions.WarnIfSlowPrecision(output, trainer.Precision, trainerOptions.Device);
        trainer.Notice += message => { if (!output.Quiet) output.Error.WriteLine($"simvae: {message}"); };
        TrainingProgress? last = null;
        trainer.Progress += p => last = p;
        var clock = Stopwatch.StartNew();
        using var model = trainer.CreateModel(options);
        IReadOnlyDictionary<string, double> losses;
        try
        {
            if (output.Chatty)
            {
                losses = new Dictionary<string, double>();
                output.Console.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .Start(context =>
                    {
                        var task = context.AddTask(Describe(options, null), maxValue: Math.Max(1, planned));
                        trainer.Progress += p =>
                        {
                            task.MaxValue = Math.Max(1, p.TotalSteps);
                            task.Value = p.Step;
                            task.Description = Describe(options, p);
                        };
                        losses = trainer.Train(model, data, resuming, output.Cancellation);
                        task.Value = task.MaxValue;
                    });
            }
            else
            {
                losses = trainer.Train(model, data, resuming, output.Cancellation);
            }
        }
        catch (OperationCanceledException e)
        {
            throw new CliException(ExitCodes.Cancelled,
                $"training interrupted at step {trainer.CompletedSteps}; " +
                (DistributedLaunch.IsMainRank(trainerOptions.DataParallel) ? $"checkpoint written to '{trainerOptions.CheckpointPath}'" : $"rank 0 writes the checkpoint '{trainerOptions.CheckpointPath}'") +
                " — run the same command with --resume to continue", e);
        }
        catch (TrainingDivergedException e)
        {
            throw new CliException(ExitCodes.Diverged, $"training diverged: {e.Message}", e);
        }
        catch (Exception e) when (resuming && e is InvalidOperationException or InvalidDataException)
        {
            throw CliException.Input($"cannot resume: {e.Message}. Resuming needs the same method options, data, --limit and --seed; " +
                                     $"to start afresh, run without --resume (the checkpoint is replaced) or delete '{trainerOptions.CheckpointPath}'", e);
        }
        // In a data-parallel run every rank holds the same weights; rank 0 alone writes the bundle and the result.
        if (!DistributedLaunch.IsMainRank(trainerOptions.DataParallel)) return ExitCodes.Success;
        ModelBundle.Save(bundlePath, model, DataFingerprint.Of(data));
        var seconds = clock.Elapsed.TotalSeconds;
        var result = new TrainResult("train", options.MethodName, options.Backbone.ToString(), options.LatentDim, options.LearningRate, trainerOptions.Epochs, data.Name, data.Count, trainer.CompletedSteps, last?.TotalSteps ?? planned,
            losses, last?.ViewsPerSecond, seconds, Path.GetFullPath(bundlePath), Path.GetFullPath(trainerOptions.CheckpointPath!), trainerOptions.Device.Name(),
            PrecisionPolicy.Name(trainer.Precision));
        output.Result(result, () =>
        {
            output.Console.MarkupLine($"Saved [bold]{CliOutput.E(bundlePath)}[/] ({CliOutput.E(options.MethodName)}, {model.FeatureDimension} features) after {result.Steps} steps in {seconds:F1} s" +
                                      (losses.TryGetValue("loss", out var loss) ? $", loss {loss.ToString("G6", CultureInfo.InvariantCulture)}" : ""));
        });
        return ExitCodes.Success;
    }

    private static string Describe(SslOptions options, TrainingProgress? p)
    {
        if (p is null) return $"{options.MethodName}: starting";
        var loss = p.Losses.TryGetValue("loss", out var l) ? l.ToString("G5", CultureInfo.InvariantCulture) : "?";
        return CliOutput.E($"{options.MethodName} epoch {p.Epoch} step {p.Step}/{p.TotalSteps}  loss {loss}  {p.ViewsPerSecond:F0} views/s");
    }

    /// <summary>The backbone a <c>--backbone</c> value names.</summary>
    internal static BackboneKind ParseBackbone(string backbone) => backbone switch
    {
        "mlp" => BackboneKind.Mlp,
        "conv" => BackboneKind.Conv,
        "resnet18" => BackboneKind.ResNet18,
        _ => throw CliException.Usage($"unknown backbone '{backbone}': expected {string.Join(", ", Backbones)}"),
    };

    /// <summary>
    /// The method's options for the data's image shape: the method's paper defaults, then the preset's encoder, d (and
    /// learning rate for its own method), then the given settings (null: keep).
    /// </summary>
    internal static SslOptions BuildOptions(string method, SslPreset preset, (int Channels, int Height, int Width) data, string? backbone, int? latentDim, int? views, int batchImages,
        double? learningRate, double beta, string augmentation)
    {
        if (!Methods.Contains(method)) throw CliException.Usage($"unknown method '{method}': expected {string.Join(", ", Methods)}");
        var options = preset.Apply(method == "beta-vae" ? SimVaeOptions.BetaVae(beta) : SslMethods.Defaults(method), method);
        var augmentationPreset = augmentation != "auto" ? augmentation
            : data.Channels == 1 ? "simvae-fashion-mnist"
            : options is VariationalOptions ? "simvae-cifar10" : "simclr";
        options = options with
        {
            Backbone = backbone is null ? options.Backbone : ParseBackbone(backbone), Channels = data.Channels, Height = data.Height, Width = data.Width,
            LatentDim = latentDim ?? options.LatentDim, BatchImages = batchImages, Augmentation = augmentationPreset,
            Views = views ?? options.Views,
            LearningRate = learningRate ?? options.LearningRate,
        };
        // The VAE family is one options type whose view count names the method (J = 1: vae/beta-vae, J ≥ 2: simvae).
        if (options is SimVaeOptions && (options.Views == 1) != (method is "vae" or "beta-vae"))
            throw CliException.Usage($"--method {method} with --views {options.Views} is {options.MethodName}: " +
                                     (options.Views == 1 ? "simvae needs --views of at least 2" : $"{method} uses one view per image; leave out --views"));
        try
        {
            options.Validate();
            SslModel.CheckSize(options);
        }
        catch (ArgumentException e)
        {
            throw CliException.Usage($"invalid settings: {e.Message}");
        }
        return options;
    }

    /// <summary>The JSON result of <c>simvae train</c>.</summary>
    internal sealed record TrainResult(string Command, string Method, string Backbone, int LatentDim, double LearningRate, int Epochs,
        string Dataset, int Images, long Steps, long TotalSteps, IReadOnlyDictionary<string, double> Losses, double? ViewsPerSecond, double Seconds, string Output, string Checkpoint, string Device, string Precision);
}
