using SimVae.Torch.Native;

namespace SimVae.Torch.Optim;

/// <summary>
/// Adam (Kingma &amp; Ba 2015), the same arithmetic as PyTorch 1.13's <c>torch.optim.Adam</c> (L2 weight decay added
/// to the gradient), run by one fused multi-threaded native pass per parameter:
/// <code>
/// g ← g + wd·θ;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
/// θ ← θ − lr/(1−β1ᵗ) · m / (√v / √(1−β2ᵗ) + ε)
/// </code>
/// State per parameter: <c>exp_avg</c> (m), <c>exp_avg_sq</c> (v) and its own step count t.
/// </summary>
public class Adam : Optimizer
{
    private static readonly string[] Names = ["exp_avg", "exp_avg_sq"];
    private readonly bool decoupled;

    /// <summary>Creates Adam over one group of parameters (PyTorch defaults).</summary>
    /// <param name="parameters">The parameters to optimise.</param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="beta1">Decay of the first-moment average.</param>
    /// <param name="beta2">Decay of the second-moment average.</param>
    /// <param name="eps">Added to the denominator.</param>
    /// <param name="weightDecay">L2 penalty added to the gradient.</param>
    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
        : this(OneGroup(parameters), lr, beta1, beta2, eps, weightDecay, false) { }

    /// <summary>Creates Adam over parameter groups; groups without their own lr / weight decay take these.</summary>
    /// <param name="groups">The parameter groups.</param>
    /// <param name="lr">Default learning rate.</param>
    /// <param name="beta1">Decay of the first-moment average.</param>
    /// <param name="beta2">Decay of the second-moment average.</param>
    /// <param name="eps">Added to the denominator.</param>
    /// <param name="weightDecay">Default L2 penalty.</param>
    public Adam(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
        : this(groups, lr, beta1, beta2, eps, weightDecay, false) { }

    /// <summary>Creates Adam or, with <paramref name="decoupledWeightDecay"/>, AdamW.</summary>
    /// <param name="groups">The parameter groups.</param>
    /// <param name="lr">Default learning rate.</param>
    /// <param name="beta1">Decay of the first-moment average.</param>
    /// <param name="beta2">Decay of the second-moment average.</param>
    /// <param name="eps">Added to the denominator.</param>
    /// <param name="weightDecay">Default weight decay.</param>
    /// <param name="decoupledWeightDecay">Decay the weights directly (<c>θ ← θ·(1 − lr·wd)</c>) instead of adding an L2 gradient.</param>
    protected Adam(IEnumerable<ParamGroup> groups, double lr, double beta1, double beta2, double eps, double weightDecay, bool decoupledWeightDecay)
        : base(groups, lr, weightDecay)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "must be in [0, 1)");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "must be in [0, 1)");
        CheckNonNegative(eps, "epsilon");
        (Beta1, Beta2, Eps, decoupled) = (beta1, beta2, eps, decoupledWeightDecay);
    }

    /// <summary>Decay of the first-moment average.</summary>
    public double Beta1 { get; }
    /// <summary>Decay of the second-moment average.</summary>
    public double Beta2 { get; }
    /// <summary>Denominator epsilon.</summary>
    public double Eps { get; }

    /// <inheritdoc />
    protected override IReadOnlyList<string> StateNames => Names;

    /// <inheritdoc />
    protected override void StepCore()
    {
        // One native call per (group, step count): parameters normally share a step count, but one that had no
        // gradient on some steps is behind, and bias correction uses each parameter's own count (as PyTorch).
        var grads = new List<Tensor>();
        try
        {
            var buckets = new Dictionary<(ParamGroup, long), (List<Tensor> P, List<Tensor> G, List<Tensor> M, List<Tensor> V, List<int> I)>();
            foreach (var (group, index, p, g) in ParametersWithGrad())
            {
                grads.Add(g);
                var s = State(index);
                var key = (group, s.Step + 1);
                if (!buckets.TryGetValue(key, out var b)) buckets[key] = b = ([], [], [], [], []);
                b.P.Add(p);
                b.G.Add(g);
                b.M.Add(s.GetOrZeros("exp_avg", p));
                b.V.Add(s.GetOrZeros("exp_avg_sq", p));
                b.I.Add(index);
            }
            foreach (var ((group, step), b) in buckets)
            {
                var config = new AdamConfig
                {
                    Lr = group.LearningRate, Beta1 = Beta1, Beta2 = Beta2, Eps = Eps, WeightDecay = group.WeightDecay,
                    Step = step, Decoupled = decoupled ? 1 : 0,
                };
                FusedSteps.Adam(b.P, b.G, b.M, b.V, config);
                foreach (var i in b.I) State(i).Step = step;
            }
        }
        finally
        {
            foreach (var g in grads) g.Dispose();
        }
    }
}

/// <summary>
/// AdamW (Loshchilov &amp; Hutter 2019): Adam with decoupled weight decay, <c>θ ← θ·(1 − lr·wd)</c> before the Adam
/// update, as PyTorch 1.13's <c>torch.optim.AdamW</c> (default weight decay 1e-2).
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates AdamW over one group of parameters (PyTorch defaults).</summary>
    /// <param name="parameters">The parameters to optimise.</param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="beta1">Decay of the first-moment average.</param>
    /// <param name="beta2">Decay of the second-moment average.</param>
    /// <param name="eps">Added to the denominator.</param>
    /// <param name="weightDecay">Decoupled weight decay.</param>
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2)
        : base(OneGroup(parameters), lr, beta1, beta2, eps, weightDecay, true) { }

    /// <summary>Creates AdamW over parameter groups; groups without their own lr / weight decay take these.</summary>
    /// <param name="groups">The parameter groups.</param>
    /// <param name="lr">Default learning rate.</param>
    /// <param name="beta1">Decay of the first-moment average.</param>
    /// <param name="beta2">Decay of the second-moment average.</param>
    /// <param name="eps">Added to the denominator.</param>
    /// <param name="weightDecay">Default decoupled weight decay.</param>
    public AdamW(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2)
        : base(groups, lr, beta1, beta2, eps, weightDecay, true) { }
}
