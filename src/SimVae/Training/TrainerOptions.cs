using SimVae.Engine;
using TorchSharp;

namespace SimVae.Training;

/// <summary>How long and where to train, and what to record. The method's own settings live in its options.</summary>
public sealed record TrainerOptions
{
    /// <summary>Default of <see cref="Epochs"/>.</summary>
    public const int DefaultEpochs = 5;
    /// <summary>Default of <see cref="Seed"/>: 1234, the SimVAE authors'.</summary>
    public const int DefaultSeed = 1234;
    /// <summary>Default of <see cref="LogEvery"/>.</summary>
    public const int DefaultLogEvery = 50;

    /// <summary>Most epochs accepted.</summary>
    public const int MaxEpochs = 1_000_000;

    /// <summary>Most optimiser steps accepted (<see cref="MaxSteps"/>).</summary>
    public const long MaxStepLimit = 1_000_000_000_000;

    /// <summary>Passes over the data set (default 5). Ignored when <see cref="MaxSteps"/> is set.</summary>
    public int Epochs { get; init; } = DefaultEpochs;
    /// <summary>Stop after this many optimiser steps in total, if set.</summary>
    public long? MaxSteps { get; init; }
    /// <summary>Compute device (default: CUDA when available, else CPU).</summary>
    public torch.Device Device { get; init; } = Devices.Auto;
    /// <summary>Seed of weights, data order, augmentations and sampling noise (default 1234, as the authors).</summary>
    public int Seed { get; init; } = DefaultSeed;
    /// <summary>Metrics are read back and reported every this many steps (each read waits for the device).</summary>
    public int LogEvery { get; init; } = DefaultLogEvery;
    /// <summary>JSON-lines metrics file (one object per logged step), or null for none.</summary>
    public string? MetricsPath { get; init; }
    /// <summary>Checkpoint file (safetensors), written atomically; null disables checkpoints.</summary>
    public string? CheckpointPath { get; init; }
    /// <summary>Write a checkpoint every this many steps (and at the end, on cancellation and before a NaN stop).</summary>
    public int CheckpointEvery { get; init; } = 1000;
    /// <summary>Background batches prepared ahead of the step (0 = prepare on the training thread).</summary>
    public int Prefetch { get; init; } = 1;
    /// <summary>
    /// Precision of each step's forward pass on <see cref="Device"/> (default <see cref="Precision.Auto"/>, resolved by
    /// <see cref="PrecisionPolicy.Resolve"/>): <see cref="Precision.BFloat16"/> runs it under <see cref="MixedPrecision"/>;
    /// losses, parameters, gradients and Adam's state stay float32 whatever the choice (docs/bf16.md).
    /// </summary>
    public Precision Precision { get; init; } = Precision.Auto;
    /// <summary>
    /// Data-parallel training over several processes (null, the default, or a world size of 1: this process alone).
    /// Only rank 0 writes the checkpoint and the metrics and reports progress.
    /// </summary>
    public DataParallelOptions? DataParallel { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if ((Epochs < 1 && MaxSteps is null) || Epochs > MaxEpochs) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, $"Epochs must be in 1..{MaxEpochs}");
        if (MaxSteps is < 1 or > MaxStepLimit) throw new ArgumentOutOfRangeException(nameof(MaxSteps), MaxSteps, $"MaxSteps must be in 1..{MaxStepLimit}");
        if (LogEvery < 1) throw new ArgumentOutOfRangeException(nameof(LogEvery), LogEvery, "LogEvery must be at least 1");
        if (CheckpointEvery < 1) throw new ArgumentOutOfRangeException(nameof(CheckpointEvery), CheckpointEvery, "CheckpointEvery must be at least 1");
        if (Prefetch < 0) throw new ArgumentOutOfRangeException(nameof(Prefetch), Prefetch, "Prefetch must not be negative");
        ArgumentNullException.ThrowIfNull(Device);
        if (!Enum.IsDefined(Precision)) throw new ArgumentOutOfRangeException(nameof(Precision), Precision, $"Precision must be one of {string.Join(", ", Enum.GetNames<Precision>())}");
        DataParallel?.Validate();
    }
}

/// <summary>A progress report from the trainer, every <see cref="TrainerOptions.LogEvery"/> steps.</summary>
/// <param name="Step">Optimiser steps done.</param>
/// <param name="TotalSteps">Steps planned.</param>
/// <param name="Epoch">Current epoch (from 0).</param>
/// <param name="Losses">The loss and its terms as the method computes them (SimVAE: summed over the batch, as the authors).</param>
/// <param name="ViewsPerSecond">Training throughput since the previous report (of all ranks together in a data-parallel run).</param>
public sealed record TrainingProgress(long Step, long TotalSteps, int Epoch, IReadOnlyDictionary<string, double> Losses, double ViewsPerSecond)
{
    /// <summary>In a data-parallel run: mean time per step of the gradient all-reduce since the previous report (ms); else null.</summary>
    public double? AllReduceMsPerStep { get; init; }
}

/// <summary>Raised when the loss becomes NaN or infinite; the last good checkpoint is kept.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
