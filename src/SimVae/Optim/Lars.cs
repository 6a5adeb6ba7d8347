using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SimVae.Optim;

/// <summary>
/// LARS (You, Gitman &amp; Ginsburg 2017, "Large Batch Training of Convolutional Networks", Algorithm 1), as used by
/// SimCLR, BYOL and Barlow Twins: SGD with momentum whose learning rate is scaled per parameter by the trust ratio
/// <c>η·‖θ‖ / (‖g‖ + wd·‖θ‖)</c> (1 when either norm is 0):
/// <code>
/// λ ← lr · η‖θ‖/(‖g‖ + wd‖θ‖);  d ← g + wd·θ;  b ← d (first step) or μ·b + d;  θ ← θ − λ·b
/// </code>
/// With <c>excludeOneDimensional</c>, parameters with at most one dimension (biases, batch-norm scales and shifts) get
/// neither the trust ratio nor weight decay, as in BYOL and Barlow Twins: they take plain momentum SGD at rate lr. The
/// trust ratio scales the whole momentum update of the current step (the paper's Algorithm 1); SimCLR's TensorFlow code
/// folds it into the momentum buffer instead, which differs only while the ratio changes. State per parameter:
/// <c>momentum_buffer</c> (with momentum).
/// </summary>
public sealed class Lars : OptimizerHelper, optim.IMomentum
{
    /// <summary>Creates LARS over one group of parameters.</summary>
    /// <param name="parameters">The parameters to optimise.</param>
    /// <param name="lr">Base learning rate.</param>
    /// <param name="momentum">Momentum factor μ.</param>
    /// <param name="eta">Trust coefficient η.</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (and used in the trust ratio).</param>
    /// <param name="excludeOneDimensional">Exempt 1-D parameters (biases, norms) from the trust ratio and weight decay.</param>
    public Lars(IEnumerable<Parameter> parameters, double lr, double momentum = 0.9, double eta = 0.001, double weightDecay = 0, bool excludeOneDimensional = false)
        : this([new ParamGroup(parameters, new Options())], lr, momentum, eta, weightDecay, excludeOneDimensional) { }

    /// <summary>Creates LARS over parameter groups; options a group leaves null take these.</summary>
    /// <param name="groups">The parameter groups.</param>
    /// <param name="lr">Default base learning rate.</param>
    /// <param name="momentum">Default momentum factor μ.</param>
    /// <param name="eta">Default trust coefficient η.</param>
    /// <param name="weightDecay">Default L2 penalty.</param>
    /// <param name="excludeOneDimensional">Exempt 1-D parameters (biases, norms) from the trust ratio and weight decay.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range.</exception>
    public Lars(IEnumerable<ParamGroup> groups, double lr, double momentum = 0.9, double eta = 0.001, double weightDecay = 0, bool excludeOneDimensional = false)
    {
        ArgumentNullException.ThrowIfNull(groups);
        _defaults = new Options
        {
            LearningRate = lr, InitialLearningRate = lr, momentum = momentum, eta = eta, weight_decay = weightDecay,
            exclude_one_dimensional = excludeOneDimensional,
        };
        _parameter_groups = [];
        foreach (var g in groups) add_param_group(g);
    }

    /// <summary>The default momentum factor.</summary>
    public double Momentum
    {
        get => ((Options)_defaults).momentum!.Value;
        set => ((Options)_defaults).momentum = value;
    }

    /// <inheritdoc />
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var o = group.Options;
        double lr = o.LearningRate!.Value, momentum = o.momentum!.Value, eta = o.eta!.Value, decay = o.weight_decay!.Value;
        // Scalars held in variables for the whole step: see MomentumTeacher.Update.
        using Scalar momentumScalar = momentum, minusLr = -lr, lrScalar = lr, etaScalar = eta, decayScalar = decay;
        foreach (var param in group.Parameters)
        {
            var grad = param.grad;
            if (grad is null) continue;
            bool excluded = o.exclude_one_dimensional!.Value && param.dim() <= 1;
            double wd = excluded ? 0 : decay;
            var d = wd == 0 ? grad : grad.add(param, alpha: decayScalar);
            var state = (State)_state[param.Handle];
            if (momentum != 0)
            {
                if (state.momentum_buffer is null) state.momentum_buffer = d.clone().detach().DetachFromDisposeScope();
                else state.momentum_buffer.mul_(momentumScalar).add_(d);
                d = state.momentum_buffer;
            }
            if (excluded) param.add_(d, alpha: minusLr);
            else param.sub_(d.mul(TrustRatio(param, grad, etaScalar, decayScalar)).mul_(lrScalar));
        }
    }, closure);

    /// <summary>η‖θ‖/(‖g‖ + wd‖θ‖) as a scalar tensor (no host synchronisation), 1 where either norm is 0.</summary>
    private static Tensor TrustRatio(Tensor param, Tensor grad, Scalar eta, Scalar wd)
    {
        using Scalar zero = 0;
        var paramNorm = param.norm();
        var gradNorm = grad.norm();
        var ratio = paramNorm.mul(eta).div(gradNorm.add(paramNorm.mul(wd)));
        return where(paramNorm.gt(zero).logical_and(gradNorm.gt(zero)), ratio, ones_like(ratio));
    }

    /// <inheritdoc />
    public override void add_param_group(TorchSharp.Modules.ParamGroup param_group)
    {
        ArgumentNullException.ThrowIfNull(param_group);
        var defaults = (Options)_defaults;
        param_group.Options ??= new Options();
        if (param_group.Options is not Options o) throw new ArgumentException($"a LARS parameter group needs {typeof(Options).FullName}", nameof(param_group));
        o.LearningRate ??= defaults.LearningRate;
        o.momentum ??= defaults.momentum;
        o.eta ??= defaults.eta;
        o.weight_decay ??= defaults.weight_decay;
        o.exclude_one_dimensional ??= defaults.exclude_one_dimensional;
        Check(o.LearningRate!.Value, "learning rate");
        Check(o.momentum!.Value, "momentum");
        Check(o.weight_decay!.Value, "weight decay");
        if (!(o.eta!.Value > 0) || double.IsInfinity(o.eta.Value)) throw new ArgumentOutOfRangeException("eta", o.eta, "the trust coefficient must be positive");
        o.InitialLearningRate = o.LearningRate.Value;
        _parameter_groups.Add(param_group);
        foreach (var p in param_group.Parameters) _state[p.Handle] = new State(p);
    }

    private static void Check(double value, string what)
    {
        if (!(value >= 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(what, value, $"{what} must be a finite non-negative number");
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        foreach (var (_, s) in _state) ((State)s).Dispose();
        _state.Clear();
    }

    /// <summary>LARS hyperparameters of a parameter group (null: the optimiser's default).</summary>
    public sealed class Options : OptimizerOptions
    {
        /// <summary>Momentum factor μ.</summary>
        public double? momentum;
        /// <summary>Trust coefficient η.</summary>
        public double? eta;
        /// <summary>L2 penalty.</summary>
        public double? weight_decay;
        /// <summary>Whether 1-D parameters skip the trust ratio and weight decay.</summary>
        public bool? exclude_one_dimensional;

        /// <inheritdoc />
        public override void SaveStateDict(BinaryWriter writer)
        {
            base.SaveStateDict(writer);
            writer.Write(momentum!.Value);
            writer.Write(eta!.Value);
            writer.Write(weight_decay!.Value);
            writer.Write(exclude_one_dimensional!.Value);
        }

        /// <inheritdoc />
        public override void LoadStateDict(BinaryReader reader)
        {
            base.LoadStateDict(reader);
            momentum = reader.ReadDouble();
            eta = reader.ReadDouble();
            weight_decay = reader.ReadDouble();
            exclude_one_dimensional = reader.ReadBoolean();
        }

        /// <inheritdoc />
        public override void LoadStateDict(OptimizerOptions source)
        {
            base.LoadStateDict(source);
            var o = (Options)source;
            (momentum, eta, weight_decay, exclude_one_dimensional) = (o.momentum, o.eta, o.weight_decay, o.exclude_one_dimensional);
        }
    }

    /// <summary>A LARS parameter group.</summary>
    /// <param name="parameters">The parameters.</param>
    /// <param name="options">The group's options (null entries: the optimiser's defaults).</param>
    public sealed class ParamGroup(IEnumerable<Parameter> parameters, Options options) : ParamGroup<Options>(parameters, options);

    /// <summary>One parameter's LARS state: its momentum buffer (null before the first step, or without momentum).</summary>
    public sealed class State(Parameter parameter) : OptimizerState(parameter), IDisposable
    {
        /// <summary>The momentum buffer b.</summary>
        public Tensor? momentum_buffer;

        /// <inheritdoc />
        public void Dispose()
        {
            momentum_buffer?.Dispose();
            momentum_buffer = null;
        }

        /// <inheritdoc />
        public override void to(Device device) => momentum_buffer = momentum_buffer?.to(device, disposeAfter: true);

        /// <inheritdoc />
        public override void SaveStateDict(BinaryWriter writer) => SaveConditionalStateTensor(writer, momentum_buffer);

        /// <inheritdoc />
        public override void LoadStateDict(BinaryReader reader) => LoadConditionalStateTensor(reader, ref momentum_buffer, _parameter.device);

        /// <inheritdoc />
        public override void LoadStateDict(OptimizerState source)
        {
            var buffer = ((State)source).momentum_buffer;
            momentum_buffer?.Dispose();
            momentum_buffer = buffer?.to(_parameter.device, copy: true).DetachFromDisposeScope();
        }

        /// <inheritdoc />
        public override void Initialize(OptimizerOptions options) => Dispose();
    }
}
