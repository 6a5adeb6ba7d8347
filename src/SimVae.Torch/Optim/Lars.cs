using SimVae.Torch.Native;

namespace SimVae.Torch.Optim;

/// <summary>
/// LARS (You, Gitman &amp; Ginsburg 2017, "Large Batch Training of Convolutional Networks"), as used by SimCLR:
/// SGD with momentum whose learning rate is scaled per parameter by the trust ratio
/// <c>η·‖θ‖ / (‖g‖ + wd·‖θ‖)</c> (1 when either norm is 0):
/// <code>
/// λ ← lr · η‖θ‖/(‖g‖ + wd‖θ‖);  d ← g + wd·θ;  b ← d (first step) or μ·b + d;  θ ← θ − λ·b
/// </code>
/// With <c>excludeOneDimensional</c>, parameters with at most one dimension (biases, batch-norm scales and shifts)
/// get neither the trust ratio nor weight decay, as SimCLR does; they take plain momentum SGD at rate lr.
/// Note: the trust ratio scales the whole momentum update at the current step (as in the paper's Algorithm 1);
/// SimCLR's TensorFlow code instead folds it into the momentum buffer, which differs only while it changes.
/// </summary>
public sealed class Lars : Optimizer
{
    private static readonly string[] Names = ["momentum_buffer"];

    /// <summary>Creates LARS over one group of parameters.</summary>
    /// <param name="parameters">The parameters to optimise.</param>
    /// <param name="lr">Base learning rate.</param>
    /// <param name="momentum">Momentum factor.</param>
    /// <param name="eta">Trust coefficient η.</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (and used in the trust ratio).</param>
    /// <param name="excludeOneDimensional">Exempt 1-D parameters (biases, norms) from the trust ratio and weight decay.</param>
    public Lars(IEnumerable<Tensor> parameters, double lr, double momentum = 0.9, double eta = 0.001, double weightDecay = 0, bool excludeOneDimensional = false)
        : this(OneGroup(parameters), lr, momentum, eta, weightDecay, excludeOneDimensional) { }

    /// <summary>Creates LARS over parameter groups; groups without their own lr / weight decay take these.</summary>
    /// <param name="groups">The parameter groups.</param>
    /// <param name="lr">Default base learning rate.</param>
    /// <param name="momentum">Momentum factor.</param>
    /// <param name="eta">Trust coefficient η.</param>
    /// <param name="weightDecay">Default L2 penalty.</param>
    /// <param name="excludeOneDimensional">Exempt 1-D parameters (biases, norms) from the trust ratio and weight decay.</param>
    public Lars(IEnumerable<ParamGroup> groups, double lr, double momentum = 0.9, double eta = 0.001, double weightDecay = 0, bool excludeOneDimensional = false)
        : base(groups, lr, weightDecay)
    {
        CheckNonNegative(momentum, "momentum");
        if (!(eta > 0) || double.IsInfinity(eta)) throw new ArgumentOutOfRangeException(nameof(eta), eta, "must be positive");
        (Momentum, Eta, ExcludeOneDimensional) = (momentum, eta, excludeOneDimensional);
    }

    /// <summary>Momentum factor.</summary>
    public double Momentum { get; }
    /// <summary>Trust coefficient η.</summary>
    public double Eta { get; }
    /// <summary>Whether 1-D parameters are exempt from adaptation and weight decay.</summary>
    public bool ExcludeOneDimensional { get; }

    /// <inheritdoc />
    protected override IReadOnlyList<string> StateNames => Names;

    /// <inheritdoc />
    protected override void StepCore() =>
        RunSgd((group, p) =>
        {
            bool excluded = ExcludeOneDimensional && p.Dim <= 1;
            return new SgdConfig
            {
                Lr = group.LearningRate, Momentum = Momentum, Dampening = 0,
                WeightDecay = excluded ? 0 : group.WeightDecay, LarsEta = excluded ? 0 : Eta,
            };
        }, Momentum > 0);
}
