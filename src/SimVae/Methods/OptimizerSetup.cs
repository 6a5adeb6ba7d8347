using SimVae.Torch.Optim;

namespace SimVae.Methods;

/// <summary>
/// What a method trains with, as a Lightning module's <c>configure_optimizers</c> returns it: the optimiser over the
/// method's parameter groups and the learning-rate schedule, applied as a factor of each group's peak rate so groups
/// with their own rates (Barlow Twins' biases) keep their ratio. Owns the optimiser.
/// </summary>
public sealed class OptimizerSetup : IDisposable
{
    private readonly double[] peakRates;
    private readonly ILearningRateSchedule? factor;

    /// <summary>Wraps <paramref name="optimizer"/>, whose groups' current learning rates are the peak rates.</summary>
    /// <param name="optimizer">The optimiser (owned from now on).</param>
    /// <param name="factor">The factor of the peak rates at each step (null: constant).</param>
    public OptimizerSetup(Optimizer optimizer, ILearningRateSchedule? factor = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        this.factor = factor;
        peakRates = optimizer.ParamGroups.Select(g => g.LearningRate).ToArray();
    }

    /// <summary>The optimiser.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Sets every group's learning rate for step <paramref name="step"/> (0-based).</summary>
    public void BeginStep(long step)
    {
        if (factor is null) return;
        double f = factor.At(step);
        for (int g = 0; g < peakRates.Length; g++) Optimizer.ParamGroups[g].LearningRate = peakRates[g] * f;
    }

    /// <summary>
    /// The optimiser and schedule <paramref name="options"/> describe (<see cref="SslOptions.Optimizer"/>,
    /// <see cref="SslOptions.Schedule"/>) over <paramref name="groups"/> for a run of <paramref name="totalSteps"/> steps.
    /// </summary>
    public static OptimizerSetup FromOptions(SslOptions options, IEnumerable<ParamGroup> groups, long totalSteps)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        var o = options;
        Optimizer optimizer = o.Optimizer switch
        {
            OptimizerKind.Adam => new Adam(groups, o.LearningRate, eps: o.AdamEpsilon, weightDecay: o.WeightDecay),
            OptimizerKind.AdamW => new AdamW(groups, o.LearningRate, eps: o.AdamEpsilon, weightDecay: o.WeightDecay),
            OptimizerKind.Sgd => new Sgd(groups, o.LearningRate, momentum: o.OptimizerMomentum, weightDecay: o.WeightDecay),
            // Biases and batch-norm parameters take neither the trust ratio nor weight decay (SimCLR, BYOL, Barlow Twins).
            OptimizerKind.Lars => new Lars(groups, o.LearningRate, momentum: o.OptimizerMomentum, weightDecay: o.WeightDecay, excludeOneDimensional: true),
            _ => throw new ArgumentOutOfRangeException(nameof(options), o.Optimizer, "unknown optimiser"),
        };
        var schedule = o.Schedule == LearningRateSchedule.WarmupCosine
            ? new CosineWithWarmupSchedule(1, (long)(o.WarmupFraction * totalSteps), totalSteps)
            : null;
        return new OptimizerSetup(optimizer, schedule);
    }

    /// <summary>Releases the optimiser's state.</summary>
    public void Dispose() => Optimizer.Dispose();
}
