using SimVae.Losses;

namespace SimVae.Methods;

/// <summary>
/// SimVAE (Bizeul, Schölkopf, Allen 2024). Defaults are the authors' FashionMNIST configuration:
/// d = 10, MLP backbone, J = 2, 64 images × 2 views, Adam lr 8e-5 with ε 1e-4, var_z_y 0.15, log_var_x −4.6,
/// Bernoulli likelihood, Gaussian p(y). <see cref="Vae"/> and <see cref="BetaVae"/> give the baselines.
/// </summary>
public sealed record SimVaeOptions : VariationalOptions
{
    /// <summary>β of the β-VAE baseline (4).</summary>
    public const double DefaultBeta = 4;

    /// <summary>A VAE trained on augmented views: J = 1, so p(z) = N(0, I) (the paper's VAE baseline).</summary>
    public static SimVaeOptions Vae() => new() { Views = 1 };

    /// <summary>A β-VAE on augmented views (Higgins et al. 2017): J = 1 with the latent terms weighted by β.</summary>
    public static SimVaeOptions BetaVae(double beta = DefaultBeta) => new() { Views = 1, Loss = new SimVaeLossOptions { Beta = beta } };

    /// <inheritdoc />
    public override string MethodName => Views > 1 ? "simvae" : Loss.Beta == 1 ? "vae" : "beta-vae";
}
