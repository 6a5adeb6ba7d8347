namespace SimVae.Torch.Optim;

/// <summary>A learning rate as a function of the optimizer step (0-based). Apply with <c>optimizer.LearningRate = schedule.At(step)</c>.</summary>
public interface ILearningRateSchedule
{
    /// <summary>The learning rate for step <paramref name="step"/> (0 is the first step).</summary>
    double At(long step);
}

/// <summary>The same learning rate at every step.</summary>
/// <param name="learningRate">The learning rate.</param>
public sealed class ConstantSchedule(double learningRate) : ILearningRateSchedule
{
    /// <summary>The learning rate.</summary>
    public double LearningRate { get; } = learningRate;

    /// <inheritdoc />
    public double At(long step) => LearningRate;
}

/// <summary>
/// Linear warm-up followed by cosine decay (SimCLR's and lightly's schedule):
/// <c>baseLr·(step + 1)/warmupSteps</c> for <c>step &lt; warmupSteps</c>, then
/// <c>finalLr + (baseLr − finalLr)·(1 + cos(π·t))/2</c> with <c>t = (step − warmupSteps)/(totalSteps − warmupSteps)</c>,
/// and <c>finalLr</c> from <c>totalSteps</c> on.
/// </summary>
public sealed class CosineWithWarmupSchedule : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="baseLr">Peak learning rate, reached at the end of warm-up.</param>
    /// <param name="warmupSteps">Number of warm-up steps (0 for none).</param>
    /// <param name="totalSteps">Total number of steps (warm-up included).</param>
    /// <param name="finalLr">Learning rate at the end of the decay.</param>
    public CosineWithWarmupSchedule(double baseLr, long warmupSteps, long totalSteps, double finalLr = 0)
    {
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "must be non-negative");
        if (totalSteps < warmupSteps) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "must be at least warmupSteps");
        (BaseLr, WarmupSteps, TotalSteps, FinalLr) = (baseLr, warmupSteps, totalSteps, finalLr);
    }

    /// <summary>Peak learning rate.</summary>
    public double BaseLr { get; }
    /// <summary>Warm-up steps.</summary>
    public long WarmupSteps { get; }
    /// <summary>Total steps.</summary>
    public long TotalSteps { get; }
    /// <summary>Final learning rate.</summary>
    public double FinalLr { get; }

    /// <inheritdoc />
    public double At(long step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "must be non-negative");
        if (step < WarmupSteps) return BaseLr * (step + 1) / WarmupSteps;
        if (step >= TotalSteps) return FinalLr;
        double t = (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps);
        return FinalLr + (BaseLr - FinalLr) * (1 + Math.Cos(Math.PI * t)) / 2;
    }
}

/// <summary>Multiplies the learning rate by <c>gamma</c> every <c>stepSize</c> steps: <c>baseLr·gamma^⌊step/stepSize⌋</c> (PyTorch's StepLR).</summary>
public sealed class StepSchedule : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="baseLr">Initial learning rate.</param>
    /// <param name="stepSize">Steps between decays.</param>
    /// <param name="gamma">Decay factor.</param>
    public StepSchedule(double baseLr, long stepSize, double gamma = 0.1)
    {
        if (stepSize <= 0) throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "must be positive");
        (BaseLr, StepSize, Gamma) = (baseLr, stepSize, gamma);
    }

    /// <summary>Initial learning rate.</summary>
    public double BaseLr { get; }
    /// <summary>Steps between decays.</summary>
    public long StepSize { get; }
    /// <summary>Decay factor.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    public double At(long step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "must be non-negative");
        return BaseLr * Math.Pow(Gamma, step / StepSize);
    }
}
