using System.Globalization;

namespace SimVae.Torch.Optim;

/// <summary>
/// A set of parameters optimised with the same learning rate and weight decay (PyTorch's param group).
/// Values left null take the optimizer's defaults when the group is handed to it.
/// </summary>
public sealed class ParamGroup
{
    private readonly double? requestedLr;
    private readonly double? requestedWd;

    /// <summary>Creates a group.</summary>
    /// <param name="parameters">The parameters (leaf tensors requiring gradients).</param>
    /// <param name="learningRate">The group's learning rate, or null for the optimizer's.</param>
    /// <param name="weightDecay">The group's weight decay, or null for the optimizer's.</param>
    public ParamGroup(IEnumerable<Tensor> parameters, double? learningRate = null, double? weightDecay = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters.ToArray();
        if (Parameters.Any(p => p is null)) throw new ArgumentException("a parameter is null", nameof(parameters));
        requestedLr = learningRate;
        requestedWd = weightDecay;
    }

    /// <summary>The group's parameters.</summary>
    public IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>The learning rate used by the next step (schedules set it).</summary>
    public double LearningRate { get; set; }

    /// <summary>The weight decay.</summary>
    public double WeightDecay { get; set; }

    internal void Resolve(double defaultLr, double defaultWd)
    {
        LearningRate = requestedLr ?? defaultLr;
        WeightDecay = requestedWd ?? defaultWd;
        Optimizer.CheckNonNegative(LearningRate, "learning rate");
        Optimizer.CheckNonNegative(WeightDecay, "weight decay");
    }
}

/// <summary>
/// Base of the optimizers: parameter groups, per-parameter state (moment tensors and step counts), zeroing of
/// gradients and exact checkpointing through <see cref="StateTensors"/> / <see cref="LoadStateTensors"/>.
/// Parameters without a gradient are skipped by a step (and their state left untouched), as in PyTorch.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly ParamGroup[] groups;
    private readonly Tensor[] flat;
    private readonly ParameterState[] states;
    private bool disposed;

    /// <summary>Creates the optimizer over <paramref name="groups"/>, filling in default hyperparameters.</summary>
    /// <exception cref="ArgumentException">No parameters, or a parameter appears twice.</exception>
    protected Optimizer(IEnumerable<ParamGroup> groups, double defaultLearningRate, double defaultWeightDecay)
    {
        ArgumentNullException.ThrowIfNull(groups);
        this.groups = groups.ToArray();
        if (this.groups.Length == 0) throw new ArgumentException("the optimizer got an empty parameter list", nameof(groups));
        foreach (var g in this.groups) g.Resolve(defaultLearningRate, defaultWeightDecay);
        flat = this.groups.SelectMany(g => g.Parameters).ToArray();
        if (flat.Length == 0) throw new ArgumentException("the optimizer got an empty parameter list", nameof(groups));
        if (flat.Distinct(ReferenceEqualityComparer.Instance).Count() != flat.Length)
            throw new ArgumentException("some parameters appear more than once (in one group or in several)", nameof(groups));
        states = new ParameterState[flat.Length];
        for (int k = 0; k < states.Length; k++) states[k] = new ParameterState();
    }

    /// <summary>Wraps a plain parameter list as one group.</summary>
    protected static IEnumerable<ParamGroup> OneGroup(IEnumerable<Tensor> parameters) => [new ParamGroup(parameters)];

    internal static void CheckNonNegative(double value, string what)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(what, value, $"{what} must be a finite non-negative number");
    }

    /// <summary>The parameter groups (their learning rates and weight decays can be changed between steps).</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => groups;

    /// <summary>
    /// The first group's learning rate; setting it sets every group's (what a schedule does each step).
    /// </summary>
    public double LearningRate
    {
        get => groups[0].LearningRate;
        set
        {
            CheckNonNegative(value, "learning rate");
            foreach (var g in groups) g.LearningRate = value;
        }
    }

    /// <summary>Number of <see cref="Step"/> calls made (restored by <see cref="LoadStateTensors"/>).</summary>
    public long StepCount { get; private set; }

    /// <summary>Names of the per-parameter state tensors this optimizer keeps (e.g. <c>exp_avg</c>).</summary>
    protected abstract IReadOnlyList<string> StateNames { get; }

    /// <summary>Clears every parameter's gradient (PyTorch's <c>zero_grad(set_to_none=True)</c>).</summary>
    public void ZeroGrad()
    {
        foreach (var p in flat) p.Grad = null;
    }

    /// <summary>Updates every parameter that has a gradient, and counts the step.</summary>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        StepCore();
        StepCount++;
    }

    /// <summary>Performs one update; implementations call the fused native kernels.</summary>
    protected abstract void StepCore();

    /// <summary>
    /// The parameters of each group with their flat index (position across all groups, as PyTorch numbers them)
    /// and their current gradient. Gradients are new handles that the caller disposes; parameters without one
    /// are left out.
    /// </summary>
    private protected IEnumerable<(ParamGroup Group, int Index, Tensor Parameter, Tensor Grad)> ParametersWithGrad()
    {
        int index = 0;
        foreach (var g in groups)
        {
            foreach (var p in g.Parameters)
            {
                int i = index++;
                var grad = p.Grad;
                if (grad is null) continue;
                yield return (g, i, p, grad);
            }
        }
    }

    /// <summary>
    /// One SGD-family step (<see cref="Sgd"/>, <see cref="Lars"/>): parameters with equal native configurations
    /// (and equally fresh momentum buffers) share one fused native call.
    /// </summary>
    /// <param name="configFor">The native configuration of a parameter (FirstStep is filled in here).</param>
    /// <param name="useMomentum">Whether momentum buffers are kept.</param>
    private protected void RunSgd(Func<ParamGroup, Tensor, Native.SgdConfig> configFor, bool useMomentum)
    {
        var grads = new List<Tensor>();
        try
        {
            var buckets = new Dictionary<Native.SgdConfig, (List<Tensor> P, List<Tensor> G, List<Tensor?>? B, List<int> I)>();
            foreach (var (group, index, p, g) in ParametersWithGrad())
            {
                grads.Add(g);
                var s = State(index);
                var config = configFor(group, p);
                config.FirstStep = useMomentum && !s.Tensors.ContainsKey("momentum_buffer") ? 1 : 0;
                if (!buckets.TryGetValue(config, out var b)) buckets[config] = b = ([], [], useMomentum ? [] : null, []);
                b.P.Add(p);
                b.G.Add(g);
                b.B?.Add(s.GetOrZeros("momentum_buffer", p));
                b.I.Add(index);
            }
            foreach (var (config, b) in buckets)
            {
                FusedSteps.Sgd(b.P, b.G, b.B, config);
                foreach (var i in b.I) State(i).Step++;
            }
        }
        finally
        {
            foreach (var g in grads) g.Dispose();
        }
    }

    /// <summary>The state of parameter number <paramref name="index"/> (flat index).</summary>
    private protected ParameterState State(int index) => states[index];

    /// <summary>
    /// The optimizer's complete state as named tensors (new copies, owned by the caller), enough to resume
    /// exactly: <c>step</c> (int64, <see cref="StepCount"/>), <c>state.{i}.step</c> (int64) and
    /// <c>state.{i}.{name}</c> for each parameter i that has state, and <c>param_groups.{g}.lr</c> /
    /// <c>param_groups.{g}.weight_decay</c> (float64).
    /// </summary>
    public Dictionary<string, Tensor> StateTensors()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var result = new Dictionary<string, Tensor>();
        using var noGrad = Autograd.NoGrad();
        result.Add("step", Tensor.Scalar(StepCount));
        for (int g = 0; g < groups.Length; g++)
        {
            result.Add(Key("param_groups", g, "lr"), Tensor.Scalar(groups[g].LearningRate));
            result.Add(Key("param_groups", g, "weight_decay"), Tensor.Scalar(groups[g].WeightDecay));
        }
        for (int i = 0; i < states.Length; i++)
        {
            var s = states[i];
            if (s.Step == 0 && s.Tensors.Count == 0) continue;
            result.Add(Key("state", i, "step"), Tensor.Scalar(s.Step));
            foreach (var (name, t) in s.Tensors) result.Add(Key("state", i, name), t.Clone());
        }
        return result;
    }

    /// <summary>
    /// Restores a state saved by <see cref="StateTensors"/> (of an optimizer of the same kind over parameters of
    /// the same shapes, in the same order). Tensors are copied to each parameter's device and type; the caller
    /// keeps ownership of <paramref name="state"/>. Parameters with no entries start fresh. Nothing changes when
    /// a check fails.
    /// </summary>
    /// <exception cref="InvalidOperationException">An unknown key, an index out of range, a shape mismatch, or
    /// a parameter with state tensors but no step count.</exception>
    public void LoadStateTensors(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ObjectDisposedException.ThrowIf(disposed, this);
        var errors = new List<string>();
        var steps = new long?[flat.Length];
        var tensors = new Dictionary<string, Tensor>?[flat.Length];
        var lrs = new double?[groups.Length];
        var wds = new double?[groups.Length];
        long? globalStep = null;
        foreach (var (key, value) in state)
        {
            if (value is null) { errors.Add($"'{key}' is null"); continue; }
            var parts = key.Split('.');
            if (key == "step") { globalStep = ReadLong(value, key, errors); continue; }
            if (parts.Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int i))
            {
                errors.Add($"unexpected key '{key}'");
                continue;
            }
            if (parts[0] == "param_groups")
            {
                if (i >= groups.Length) { errors.Add($"'{key}': the optimizer has {groups.Length} parameter group(s)"); continue; }
                if (parts[2] == "lr") lrs[i] = ReadDouble(value, key, errors);
                else if (parts[2] == "weight_decay") wds[i] = ReadDouble(value, key, errors);
                else errors.Add($"unexpected key '{key}'");
            }
            else if (parts[0] == "state")
            {
                if (i >= flat.Length) { errors.Add($"'{key}': the optimizer has {flat.Length} parameter(s)"); continue; }
                if (parts[2] == "step") steps[i] = ReadLong(value, key, errors);
                else if (StateNames.Contains(parts[2]))
                {
                    var expected = flat[i].Shape;
                    if (!value.Shape.SequenceEqual(expected))
                        errors.Add($"'{key}' has shape [{string.Join(", ", value.Shape)}] but parameter {i} has [{string.Join(", ", expected)}]");
                    else (tensors[i] ??= new())[parts[2]] = value;
                }
                else errors.Add($"unexpected key '{key}' ({GetType().Name} keeps {string.Join(", ", StateNames)})");
            }
            else errors.Add($"unexpected key '{key}'");
        }
        for (int i = 0; i < flat.Length; i++)
            if (tensors[i] is not null && steps[i] is null) errors.Add($"parameter {i} has state tensors but no 'state.{i}.step'");
        if (errors.Count > 0)
            throw new InvalidOperationException($"cannot load {GetType().Name} state: {string.Join("; ", errors)}");

        using var noGrad = Autograd.NoGrad();
        for (int i = 0; i < flat.Length; i++)
        {
            var s = states[i];
            s.Clear();
            s.Step = steps[i] ?? 0;
            if (tensors[i] is null) continue;
            foreach (var (name, source) in tensors[i]!)
                s.Tensors[name] = NewStateTensor(flat[i]).Copy_(source);
        }
        for (int g = 0; g < groups.Length; g++)
        {
            if (lrs[g] is { } lr) groups[g].LearningRate = lr;
            if (wds[g] is { } wd) groups[g].WeightDecay = wd;
        }
        if (globalStep is { } gs) StepCount = gs;
    }

    private static string Key(string kind, int index, string name) => $"{kind}.{index.ToString(CultureInfo.InvariantCulture)}.{name}";

    private static long? ReadLong(Tensor t, string key, List<string> errors)
    {
        if (t.NumberOfElements != 1 || t.DType.IsFloatingPoint() || t.DType == ScalarType.Bool)
        {
            errors.Add($"'{key}' must be one integer");
            return null;
        }
        using var l = t.To(ScalarType.Int64);
        return l.Reshape(1).Item<long>();
    }

    private static double? ReadDouble(Tensor t, string key, List<string> errors)
    {
        if (t.NumberOfElements != 1) { errors.Add($"'{key}' must be one number"); return null; }
        return t.ToDouble();
    }

    /// <summary>A zero tensor shaped, typed and placed like <paramref name="parameter"/>, contiguous, owned by the optimizer.</summary>
    private protected static Tensor NewStateTensor(Tensor parameter) =>
        Tensor.Zeros(parameter.Shape, parameter.DType, parameter.Device).DetachFromScope();

    /// <summary>Releases the state tensors (not the parameters).</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var s in states) s.Clear();
        GC.SuppressFinalize(this);
    }

    /// <summary>One parameter's state: its step count and named tensors (moments, momentum buffer).</summary>
    private protected sealed class ParameterState
    {
        /// <summary>Updates applied to this parameter.</summary>
        public long Step;

        /// <summary>Named state tensors, owned here.</summary>
        public readonly SortedDictionary<string, Tensor> Tensors = new(StringComparer.Ordinal);

        /// <summary>The tensor <paramref name="name"/>, created as zeros like <paramref name="parameter"/> when absent.</summary>
        public Tensor GetOrZeros(string name, Tensor parameter)
        {
            if (!Tensors.TryGetValue(name, out var t))
            {
                t = NewStateTensor(parameter);
                Tensors[name] = t;
            }
            return t;
        }

        /// <summary>Disposes the tensors and resets the step.</summary>
        public void Clear()
        {
            foreach (var t in Tensors.Values) t.Dispose();
            Tensors.Clear();
            Step = 0;
        }
    }
}
