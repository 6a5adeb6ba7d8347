using SimVae.Engine;
using SimVae.Optim;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SimVae.Methods;

/// <summary>
/// What a method trains with, as a Lightning module's <c>configure_optimizers</c> returns it: the optimiser over the
/// method's parameter groups and the learning-rate schedule, applied as a factor of each group's peak rate so groups
/// with their own rates (Barlow Twins' biases) keep their ratio. Counts the steps and saves/restores the optimiser's
/// state as named tensors (<see cref="OptimizerStateTensors"/>). Owns the optimiser.
/// </summary>
public sealed class OptimizerSetup : IDisposable
{
    private readonly double[] peakRates;
    private readonly ILearningRateSchedule? factor;
    private readonly Parameter[] parameters;

    /// <summary>Wraps <paramref name="optimizer"/>, whose groups' current learning rates are the peak rates.</summary>
    /// <param name="optimizer">The optimiser (owned from now on).</param>
    /// <param name="factor">The factor of the peak rates at each step (null: constant).</param>
    public OptimizerSetup(optim.Optimizer optimizer, ILearningRateSchedule? factor = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        ParamGroups = [.. optimizer.ParamGroups.Cast<TorchSharp.Modules.ParamGroup>()];
        parameters = [.. optimizer.parameters()];
        this.factor = factor;
        peakRates = [.. ParamGroups.Select(g => g.LearningRate)];
    }

    /// <summary>The optimiser.</summary>
    public optim.Optimizer Optimizer { get; }

    /// <summary>The optimiser's parameter groups, in order.</summary>
    public IReadOnlyList<TorchSharp.Modules.ParamGroup> ParamGroups { get; }

    /// <summary>Number of parameters the optimiser updates (the <c>state.{i}</c> indices of <see cref="StateTensors"/>).</summary>
    public int ParameterCount => parameters.Length;

    /// <summary>The first group's current learning rate.</summary>
    public double LearningRate => ParamGroups[0].LearningRate;

    /// <summary><see cref="Step"/> calls made (restored by <see cref="LoadStateTensors"/>).</summary>
    public long StepCount { get; private set; }

    /// <summary>Sets every group's learning rate for step <paramref name="step"/> (0-based).</summary>
    public void BeginStep(long step)
    {
        if (factor is null) return;
        double f = factor.At(step);
        for (int g = 0; g < peakRates.Length; g++) ParamGroups[g].LearningRate = peakRates[g] * f;
    }

    /// <summary>Clears every parameter's gradient (PyTorch's <c>zero_grad(set_to_none=True)</c>: parameters without a gradient are skipped by a step).</summary>
    public void ZeroGrad()
    {
        foreach (var p in parameters) p.grad = null;
    }

    /// <summary>Updates every parameter that has a gradient, and counts the step.</summary>
    public void Step()
    {
        Optimizer.step();
        StepCount++;
    }

    /// <summary>The optimiser's state and <see cref="StepCount"/> as new named tensors (owned by the caller).</summary>
    public Dictionary<string, Tensor> StateTensors() => OptimizerStateTensors.Save(Optimizer, StepCount);

    /// <summary>Restores a state saved by <see cref="StateTensors"/>; nothing changes when a check fails.</summary>
    /// <exception cref="InvalidOperationException">The state does not fit this optimiser (the message lists why).</exception>
    public void LoadStateTensors(IReadOnlyDictionary<string, Tensor> state) => StepCount = OptimizerStateTensors.Load(Optimizer, state);

    /// <summary>
    /// The optimiser and schedule <paramref name="options"/> describe (<see cref="SslOptions.Optimizer"/>,
    /// <see cref="SslOptions.Schedule"/>) over <paramref name="groups"/> for a run of <paramref name="totalSteps"/> steps.
    /// </summary>
    public static OptimizerSetup FromOptions(SslOptions options, IEnumerable<ParameterGroup> groups, long totalSteps)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        var o = options;
        var list = groups.ToList();
        if (list.Sum(g => g.Parameters.Count) == 0) throw new ArgumentException("the optimiser got no parameters", nameof(groups));
        optim.Optimizer optimizer = o.Optimizer switch
        {
            // β = (0.9, 0.999) spelled out: TorchSharp's torch.optim.Adam/AdamW factories default β₂ to 0.99, not PyTorch's 0.999.
            OptimizerKind.Adam => new FusedAdam(list.Select(g => new Adam.ParamGroup(g.Parameters, new Adam.Options { LearningRate = g.LearningRate })),
                o.LearningRate, beta1: 0.9, beta2: 0.999, eps: o.AdamEpsilon, weightDecay: o.WeightDecay),
            OptimizerKind.AdamW => new AdamW(list.Select(g => new AdamW.ParamGroup(g.Parameters, new AdamW.Options { LearningRate = g.LearningRate })),
                o.LearningRate, beta1: 0.9, beta2: 0.999, eps: o.AdamEpsilon, weight_decay: o.WeightDecay),
            OptimizerKind.Sgd => optim.SGD(list.Select(g => new SGD.ParamGroup(g.Parameters, new SGD.Options { LearningRate = g.LearningRate })),
                o.LearningRate, momentum: o.OptimizerMomentum, weight_decay: o.WeightDecay),
            // Biases and batch-norm parameters take neither the trust ratio nor weight decay (BYOL, Barlow Twins).
            OptimizerKind.Lars => new Lars(list.Select(g => new Lars.ParamGroup(g.Parameters, new Lars.Options { LearningRate = g.LearningRate })),
                o.LearningRate, momentum: o.OptimizerMomentum, weightDecay: o.WeightDecay, excludeOneDimensional: true),
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
