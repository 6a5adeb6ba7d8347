using static TorchSharp.torch;

namespace SimVae.Losses;

/// <summary>Observation model p(x|z) of the decoder.</summary>
public enum Likelihood
{
    /// <summary>Bernoulli on pixels in [0, 1]; the decoder outputs logits (grey images, the authors' FashionMNIST setting).</summary>
    Bernoulli,
    /// <summary>Gaussian with fixed variance exp(log_var_x); the decoder outputs means (colour images).</summary>
    Gaussian,
}

/// <summary>Prior p(y) over the shared content latent.</summary>
public enum ContentPrior
{
    /// <summary>p(y) = N(0, I).</summary>
    Gaussian,
    /// <summary>A flat prior: log p(y) is constant and drops out of the gradient.</summary>
    Uniform,
}

/// <summary>
/// Hyperparameters of the SimVAE objective (Bizeul, Schölkopf, Allen 2024, "A Probabilistic Model Behind
/// Self-Supervised Learning", eq. for ELBO_SSL). Defaults are the authors' FashionMNIST configuration.
/// </summary>
public sealed record SimVaeLossOptions
{
    /// <summary>σ² of p(z_j | y) = N(y, σ² I); the authors' <c>var_z_y</c> (0.15).</summary>
    public double VarZGivenY { get; init; } = 0.15;

    /// <summary>Log of the fixed observation variance; reconstruction terms are divided by exp(LogVarX) (−4.6 ≈ ×100).</summary>
    public double LogVarX { get; init; } = -4.6;

    /// <summary>Decoder likelihood.</summary>
    public Likelihood Likelihood { get; init; } = Likelihood.Bernoulli;

    /// <summary>Prior p(y).</summary>
    public ContentPrior Prior { get; init; } = ContentPrior.Gaussian;

    /// <summary>
    /// Weight on log σ²_φ in the posterior entropy 0.5·Σ(log 2π + 1 + w·log σ²). 1 is the true Gaussian entropy;
    /// 2π reproduces the authors' code, whose entropy term is 0.5·Σ 2π·log σ².
    /// </summary>
    public double EntropyWeight { get; init; } = 1.0;

    /// <summary>β: weight on the latent terms (−entropy − prior); 1 is the ELBO, β &gt; 1 gives β-VAE.</summary>
    public double Beta { get; init; } = 1.0;

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        if (!(VarZGivenY > 0)) throw new ArgumentOutOfRangeException(nameof(VarZGivenY), VarZGivenY, "must be positive");
        if (!double.IsFinite(LogVarX)) throw new ArgumentOutOfRangeException(nameof(LogVarX), LogVarX, "must be finite");
        if (!(EntropyWeight >= 0)) throw new ArgumentOutOfRangeException(nameof(EntropyWeight), EntropyWeight, "must be non-negative");
        if (!(Beta >= 0)) throw new ArgumentOutOfRangeException(nameof(Beta), Beta, "must be non-negative");
    }
}

/// <summary>
/// The SimVAE loss for groups of J related views (J = 1 gives the plain VAE with prior N(0, I)):
/// <c>loss = recon − β·(entropy + prior)</c>, summed over the batch as in the authors' code, where
/// <list type="bullet">
/// <item>recon = −Σ_j log p(x_j|z_j) / exp(log_var_x) (BCE for Bernoulli, ½‖x − μ‖² for Gaussian);</item>
/// <item>entropy = Σ_j H[q(z_j|x_j)] = ½·Σ (log 2π + 1 + w·log σ²_φ);</item>
/// <item>prior = Σ_j log N(z_j; ȳ, σ²I) + log p(ȳ) with ȳ = mean_j z_j (constants dropped):
/// −½·Σ_j ‖z_j − ȳ‖²/σ² − ½‖ȳ‖² (Gaussian p(y)).</item>
/// </list>
/// </summary>
public static class SimVaeLoss
{
    private static readonly double Log2PiPlus1 = Math.Log(2 * Math.PI) + 1;

    /// <summary>Computes the loss and its terms.</summary>
    /// <param name="x">Targets, [G, J, D] (pixels flattened, in [0, 1] for Bernoulli).</param>
    /// <param name="decoded">Decoder output for each z, [G, J, D]: logits (Bernoulli) or means (Gaussian).</param>
    /// <param name="z">Sampled latents, [G, J, d].</param>
    /// <param name="logVar">Posterior log-variances log σ²_φ, [G, J, d].</param>
    /// <param name="options">Hyperparameters.</param>
    public static LossTerms Compute(Tensor x, Tensor decoded, Tensor z, Tensor logVar, SimVaeLossOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        RequireRank3(x, nameof(x));
        RequireRank3(z, nameof(z));
        using var scope = NewDisposeScope();
        var recon = Reconstruction(x, decoded, options);
        // H[q] = ½ Σ (log 2π + 1 + log σ²); the weight w scales only the log σ² part (see EntropyWeight).
        var entropy = (logVar * options.EntropyWeight + Log2PiPlus1).sum() * 0.5;
        var prior = LogPrior(z, options);
        var total = recon - (entropy + prior) * options.Beta;
        return LossTerms.FromScope(total, ("recon", recon), ("entropy", entropy), ("prior", prior));
    }

    /// <summary>−Σ log p(x|z) / exp(log_var_x), up to constants.</summary>
    public static Tensor Reconstruction(Tensor x, Tensor decoded, SimVaeLossOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var scope = NewDisposeScope();
        double scale = Math.Exp(-options.LogVarX);
        var raw = options.Likelihood == Likelihood.Bernoulli
            ? nn.functional.binary_cross_entropy_with_logits(decoded, x, reduction: nn.Reduction.Sum)
            : nn.functional.mse_loss(decoded, x, nn.Reduction.Sum) * 0.5;
        return (raw * scale).MoveToOuterDisposeScope();
    }

    /// <summary>Σ_j log N(z_j; ȳ, σ²I) + log p(ȳ), constants dropped; ȳ is the mean of the group's z.</summary>
    public static Tensor LogPrior(Tensor z, SimVaeLossOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var scope = NewDisposeScope();
        var yBar = z.mean([1], keepdim: true);
        var spread = (z - yBar).square().sum() * (-0.5 / options.VarZGivenY);
        var result = options.Prior == ContentPrior.Gaussian ? spread - yBar.square().sum() * 0.5 : spread;
        return result.MoveToOuterDisposeScope();
    }

    internal static void RequireRank3(Tensor t, string name)
    {
        if (t.dim() != 3) throw new ArgumentException($"{name} must be [groups, views, features]; got shape {LossTerms.Shape(t)}", name);
    }
}
