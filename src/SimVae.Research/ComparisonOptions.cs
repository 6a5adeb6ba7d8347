using SimVae.Backbones;
using SimVae.Evaluation;
using SimVae.Engine;
using SimVae.Methods;
using SimVae.Research.Baselines;
using SimVae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Research;

/// <summary>
/// What <see cref="ComparisonRunner.Run"/> trains and evaluates: the data set, the methods, the seeds, the training
/// budget (equal for every method: the same number of optimiser steps of the same number of images) and the probes.
/// </summary>
public sealed record ComparisonOptions
{
    /// <summary>The methods a comparison knows: every method of <see cref="SslMethods"/> (trained) and the baselines (<see cref="BaselineFeatures.Names"/>: no training).</summary>
    public static IReadOnlyList<string> KnownMethods => [.. SslMethods.Names, .. BaselineFeatures.Names];

    /// <summary>Whether a method is a baseline: it needs no training, and its cells serve every budget.</summary>
    public static bool IsBaseline(string method) => BaselineFeatures.Names.Contains(method);

    /// <summary>The data sets <see cref="ComparisonRunner"/> knows.</summary>
    public static IReadOnlyList<string> KnownDataSets { get; } = ["fashion-mnist", "synthetic"];

    /// <summary><c>fashion-mnist</c> (the real one; style tasks are transformed test copies) or <c>synthetic</c> (SyntheticShapes; style tasks are its factor labels).</summary>
    public string DataSet { get; init; } = "fashion-mnist";

    /// <summary>Folder of the FashionMNIST IDX files (default: $SIMVAE_DATA or the Debian package's folder).</summary>
    public string? DataPath { get; init; }

    /// <summary>Methods to run, by name (see <see cref="KnownMethods"/>; default: every trained method, no baseline).</summary>
    public IReadOnlyList<string> Methods { get; init; } = SslMethods.Names;

    /// <summary>Seeds; every method is trained once per seed (default 1, 2, 3).</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [1, 2, 3];

    /// <summary>Training epochs per run (the budget), unless <see cref="MaxSteps"/> is set.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Optimiser steps per run, overriding <see cref="Epochs"/> when set.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Use only the first this many training images (null: all).</summary>
    public int? TrainImages { get; init; }

    /// <summary>
    /// Fit the probes on only the first this many training images (null: all); the methods still train on all of them.
    /// Keeps slow featurizers (the <c>resnet18</c> baseline: tens of rows/s on a CPU) affordable.
    /// </summary>
    public int? ProbeTrainImages { get; init; }

    /// <summary>Use only the first this many test images (null: all).</summary>
    public int? TestImages { get; init; }

    /// <summary>Images of the synthetic data set (the last 1/6 are the test set).</summary>
    public int SyntheticCount { get; init; } = 12_000;

    /// <summary>Report folder (created; the report files are replaced, the finished cells in its <c>runs/</c> are kept and reused: <see cref="ComparisonCells"/>).</summary>
    public string OutputFolder { get; init; } = "comparison";

    /// <summary>Training and featurization device (default <see cref="Devices.Auto"/>).</summary>
    public Device Device { get; init; } = Devices.Auto;

    /// <summary>Training precision of every run (default <see cref="Precision.Auto"/>; see <see cref="PrecisionPolicy"/>).</summary>
    public Precision Precision { get; init; } = Precision.Auto;

    /// <summary>Probe settings (the validation split is carved from each task's training rows).</summary>
    public ProbeOptions Probes { get; init; } = new();

    /// <summary>Training images (a seeded subset) transformed for the FashionMNIST style probes' training set.</summary>
    public int StyleTrainImages { get; init; } = 10_000;

    /// <summary>Test images whose two augmented views measure view invariance.</summary>
    public int ViewInvarianceImages { get; init; } = 2_000;

    /// <summary>Encoder (and decoder) of every trained method (null: each method's default, the authors' MLP).</summary>
    public BackboneKind? Backbone { get; init; }

    /// <summary>Feature (latent) dimension d of every trained method (null: each method's default, 10).</summary>
    public int? LatentDim { get; init; }

    /// <summary>Peak learning rate of every trained method (null: each method's paper value).</summary>
    public double? LearningRate { get; init; }

    /// <summary>β of the β-VAE baseline.</summary>
    public double BetaVaeBeta { get; init; } = SimVaeOptions.DefaultBeta;

    /// <summary>Training progress is reported (and the loss logged) every this many steps.</summary>
    public int LogEvery { get; init; } = 50;

    /// <summary>The command line that started the run, recorded in the report (optional).</summary>
    public string? CommandLine { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (!KnownDataSets.Contains(DataSet)) throw new ArgumentException($"unknown data set '{DataSet}'; expected one of {string.Join(", ", KnownDataSets)}", nameof(DataSet));
        if (Methods.Count == 0) throw new ArgumentException("no methods given", nameof(Methods));
        foreach (var m in Methods)
            if (!KnownMethods.Contains(m)) throw new ArgumentException($"unknown method '{m}'; expected one of {string.Join(", ", KnownMethods)}", nameof(Methods));
        if (Seeds.Count == 0) throw new ArgumentException("no seeds given", nameof(Seeds));
        if (Seeds.Distinct().Count() != Seeds.Count) throw new ArgumentException("seeds must be distinct", nameof(Seeds));
        if (Epochs < 1 && MaxSteps is null) throw new ArgumentException("Epochs must be at least 1", nameof(Epochs));
        if (MaxSteps is < 1) throw new ArgumentException("MaxSteps must be at least 1", nameof(MaxSteps));
        if (TrainImages is < 100) throw new ArgumentException("TrainImages must be at least 100", nameof(TrainImages));
        if (ProbeTrainImages is < 100) throw new ArgumentException("ProbeTrainImages must be at least 100", nameof(ProbeTrainImages));
        if (TestImages is < 20) throw new ArgumentException("TestImages must be at least 20", nameof(TestImages));
        if (SyntheticCount < 600) throw new ArgumentException("SyntheticCount must be at least 600", nameof(SyntheticCount));
        if (StyleTrainImages < 100) throw new ArgumentException("StyleTrainImages must be at least 100", nameof(StyleTrainImages));
        if (ViewInvarianceImages < 2) throw new ArgumentException("ViewInvarianceImages must be at least 2", nameof(ViewInvarianceImages));
        if (LatentDim is < 1 or > SslOptions.MaxLatentDim) throw new ArgumentException($"LatentDim must be in 1..{SslOptions.MaxLatentDim}", nameof(LatentDim));
        if (LearningRate is { } rate && !(rate > 0 && double.IsFinite(rate))) throw new ArgumentException("LearningRate must be a positive number", nameof(LearningRate));
        if (LogEvery < 1) throw new ArgumentException("LogEvery must be at least 1", nameof(LogEvery));
    }

    /// <summary>
    /// The method options of a method name: the paper's defaults (β-VAE: β = <see cref="BetaVaeBeta"/>) with
    /// <see cref="Backbone"/>, <see cref="LatentDim"/> and <see cref="LearningRate"/> where set.
    /// </summary>
    public SslOptions CreateMethod(string name)
    {
        var defaults = name == "beta-vae" ? SimVaeOptions.BetaVae(BetaVaeBeta) : SslMethods.Defaults(name);
        return defaults with { Backbone = Backbone ?? defaults.Backbone, LatentDim = LatentDim ?? defaults.LatentDim, LearningRate = LearningRate ?? defaults.LearningRate };
    }
}

/// <summary>A progress report of a comparison run.</summary>
/// <param name="Stage"><c>data</c>, <c>resume</c> (a finished cell is kept), <c>train</c>, <c>features</c>, <c>probe</c>, <c>diagnostics</c>, <c>pictures</c>, <c>report</c> or <c>done</c>.</param>
/// <param name="Method">The method being run, if any.</param>
/// <param name="Seed">The seed being run, if any.</param>
/// <param name="Run">Runs (method × seed) finished so far.</param>
/// <param name="Runs">Runs planned.</param>
/// <param name="Message">A human-readable line.</param>
/// <param name="Training">The trainer's report during the <c>train</c> stage.</param>
public sealed record ComparisonProgress(string Stage, string? Method, int? Seed, int Run, int Runs, string Message, TrainingProgress? Training = null);
