using SimVae.Losses;

namespace SimVae.Methods;

/// <summary>
/// Settings of the VAE family (SimVAE, VAE, β-VAE, CR-VAE): a Gaussian posterior q(z|x) from the encoder, a decoder
/// p(x|z), and the likelihood/prior settings of <see cref="SimVaeLossOptions"/>. All train with the SimVAE authors'
/// optimiser: Adam, lr 8e-5, ε 1e-4, no weight decay (Bizeul, Schölkopf, Allen 2024, FashionMNIST configuration).
/// </summary>
public abstract record VariationalOptions : SslOptions
{
    /// <summary>Adam's learning rate of the VAE family (8e-5, the SimVAE authors').</summary>
    public const double SimVaeLearningRate = 8e-5;

    /// <summary>Sets the SimVAE authors' optimiser.</summary>
    protected VariationalOptions()
    {
        LearningRate = SimVaeLearningRate;
        AdamEpsilon = 1e-4;
    }

    /// <summary>The objective's hyperparameters (σ², log_var_x, likelihood, prior, entropy weight, β).</summary>
    public SimVaeLossOptions Loss { get; init; } = new();

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Loss.Validate();
    }
}
