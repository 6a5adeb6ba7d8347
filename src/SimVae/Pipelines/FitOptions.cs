namespace SimVae.Pipelines;

/// <summary>
/// How an <see cref="SslFeaturizerEstimator"/> trains and how its transformer featurizes; the method's own settings live
/// in its <see cref="Methods.SslOptions"/>, the seed and device in the <see cref="SslContext"/>.
/// </summary>
public sealed record FitOptions
{
    /// <summary>Passes over the training images (default <see cref="Defaults.Epochs"/>). Ignored when <see cref="MaxSteps"/> is set.</summary>
    public int Epochs { get; init; } = Defaults.Epochs;

    /// <summary>Stop after this many optimiser steps in total, if set (default: none).</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Progress is reported every this many steps (default <see cref="Defaults.LogEvery"/>).</summary>
    public int LogEvery { get; init; } = Defaults.LogEvery;

    /// <summary>Training precision (default <see cref="Torch.Precision.Auto"/>; see <see cref="Torch.PrecisionPolicy"/>).</summary>
    public Torch.Precision Precision { get; init; } = Torch.Precision.Auto;

    /// <summary>Images per forward pass of the fitted transformer (default <see cref="Defaults.TransformBatchSize"/>).</summary>
    public int TransformBatchSize { get; init; } = Defaults.TransformBatchSize;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Epochs < 1 && MaxSteps is null) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be at least 1");
        if (MaxSteps is < 1) throw new ArgumentOutOfRangeException(nameof(MaxSteps), MaxSteps, "MaxSteps must be at least 1");
        if (LogEvery < 1) throw new ArgumentOutOfRangeException(nameof(LogEvery), LogEvery, "LogEvery must be at least 1");
        if (!Enum.IsDefined(Precision)) throw new ArgumentOutOfRangeException(nameof(Precision), Precision, $"Precision must be one of {string.Join(", ", Enum.GetNames<Torch.Precision>())}");
        if (TransformBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(TransformBatchSize), TransformBatchSize, "TransformBatchSize must be at least 1");
    }
}
