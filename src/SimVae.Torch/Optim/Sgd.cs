using SimVae.Torch.Native;

namespace SimVae.Torch.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight decay, the same
/// arithmetic as PyTorch 1.13's <c>torch.optim.SGD</c>, run by one fused native pass per parameter:
/// <code>
/// d ← g + wd·θ
/// b ← d (first step) or μ·b + (1−τ)·d;  d ← d + μ·b (Nesterov) or b
/// θ ← θ − lr·d
/// </code>
/// State per parameter (with momentum): <c>momentum_buffer</c>.
/// </summary>
public sealed class Sgd : Optimizer
{
    private static readonly string[] Names = ["momentum_buffer"];

    /// <summary>Creates SGD over one group of parameters.</summary>
    /// <param name="parameters">The parameters to optimise.</param>
    /// <param name="lr">Learning rate (required, as in PyTorch).</param>
    /// <param name="momentum">Momentum factor μ (0: plain SGD).</param>
    /// <param name="dampening">Dampening τ of the momentum.</param>
    /// <param name="weightDecay">L2 penalty added to the gradient.</param>
    /// <param name="nesterov">Use Nesterov momentum (needs momentum &gt; 0 and dampening 0).</param>
    public Sgd(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
        : this(OneGroup(parameters), lr, momentum, dampening, weightDecay, nesterov) { }

    /// <summary>Creates SGD over parameter groups; groups without their own lr / weight decay take these.</summary>
    /// <param name="groups">The parameter groups.</param>
    /// <param name="lr">Default learning rate.</param>
    /// <param name="momentum">Momentum factor μ (0: plain SGD).</param>
    /// <param name="dampening">Dampening τ of the momentum.</param>
    /// <param name="weightDecay">Default L2 penalty.</param>
    /// <param name="nesterov">Use Nesterov momentum (needs momentum &gt; 0 and dampening 0).</param>
    public Sgd(IEnumerable<ParamGroup> groups, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
        : base(groups, lr, weightDecay)
    {
        CheckNonNegative(momentum, "momentum");
        CheckNonNegative(dampening, "dampening");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening", nameof(nesterov));
        (Momentum, Dampening, Nesterov) = (momentum, dampening, nesterov);
    }

    /// <summary>Momentum factor.</summary>
    public double Momentum { get; }
    /// <summary>Momentum dampening.</summary>
    public double Dampening { get; }
    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc />
    protected override IReadOnlyList<string> StateNames => Names;

    /// <inheritdoc />
    protected override void StepCore() =>
        RunSgd((group, _) => new SgdConfig
        {
            Lr = group.LearningRate, Momentum = Momentum, Dampening = Dampening, WeightDecay = group.WeightDecay,
            Nesterov = Nesterov ? 1 : 0,
        }, Momentum > 0);
}
