namespace SimVae.Optim;

/// <summary>A learning rate (or a factor of the peak rates) as a function of the optimiser step (0-based).</summary>
public interface ILearningRateSchedule
{
    /// <summary>The value for step <paramref name="step"/> (0 is the first step).</summary>
    double At(long step);
}

/// <summary>
/// Linear warm-up followed by cosine decay (SimCLR's, BYOL's and DINO's schedule; Loshchilov &amp; Hutter 2017 without
/// restarts): <c>baseLr·(step + 1)/warmupSteps</c> for <c>step &lt; warmupSteps</c>, then
/// <c>finalLr + (baseLr − finalLr)·(1 + cos(π·t))/2</c> with <c>t = (step − warmupSteps)/(totalSteps − warmupSteps)</c>,
/// and <c>finalLr</c> from <c>totalSteps</c> on.
/// </summary>
public sealed class CosineWithWarmupSchedule : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="baseLr">Peak value, reached at the end of warm-up.</param>
    /// <param name="warmupSteps">Number of warm-up steps (0 for none).</param>
    /// <param name="totalSteps">Total number of steps (warm-up included).</param>
    /// <param name="finalLr">Value at the end of the decay.</param>
    public CosineWithWarmupSchedule(double baseLr, long warmupSteps, long totalSteps, double finalLr = 0)
    {
        if (!double.IsFinite(baseLr)) throw new ArgumentOutOfRangeException(nameof(baseLr), baseLr, "must be finite");
        if (!double.IsFinite(finalLr)) throw new ArgumentOutOfRangeException(nameof(finalLr), finalLr, "must be finite");
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "must be non-negative");
        if (totalSteps < warmupSteps) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "must be at least warmupSteps");
        (BaseLr, WarmupSteps, TotalSteps, FinalLr) = (baseLr, warmupSteps, totalSteps, finalLr);
    }

    /// <summary>Peak value.</summary>
    public double BaseLr { get; }
    /// <summary>Warm-up steps.</summary>
    public long WarmupSteps { get; }
    /// <summary>Total steps.</summary>
    public long TotalSteps { get; }
    /// <summary>Final value.</summary>
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
