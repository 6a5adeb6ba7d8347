using SimVae.Augmentations;

namespace SimVae.Methods;

/// <summary>
/// CR-VAE (Sinha &amp; Dieng 2021, "Consistency Regularization for Variational Auto-Encoders", eq. 4): maximise
/// ELBO(x) + ELBO(t(x)) − λ·KL(q(z|t(x)) ‖ q(z|x)) for an augmentation t. View 0 of each image is the image itself (x),
/// view 1 its augmentation t(x) from the preset. The VAE terms are SimVAE's with J = 1 (prior N(0, I), the same
/// likelihood and log_var_x), and the optimiser is the SimVAE authors' (Adam 8e-5), as for the paper's other VAE baselines.
/// </summary>
public sealed record CrVaeOptions : VariationalOptions
{
    /// <summary>λ, the weight of the consistency KL term: 1, an equal weight with the two ELBOs.</summary>
    public const double DefaultConsistencyWeight = 1;

    /// <summary>λ, the weight of KL(q(z|t(x)) ‖ q(z|x)) (<see cref="DefaultConsistencyWeight"/>).</summary>
    public double ConsistencyWeight { get; init; } = DefaultConsistencyWeight;

    /// <inheritdoc />
    public override string MethodName => "cr-vae";

    /// <summary>View 0: the image unchanged (x); view 1: the preset's augmentation t(x).</summary>
    public override MultiViewTransform? CreateAugmentation() =>
        AugmentationNames.Create(Augmentation, Height, 1) is { } t ? new MultiViewTransform(new Compose(), t.Transforms[0]) : null;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Require(Views == 2, nameof(Views), Views, "must be 2 for CR-VAE (the image and its augmentation)");
        Require(ConsistencyWeight >= 0 && double.IsFinite(ConsistencyWeight), nameof(ConsistencyWeight), ConsistencyWeight, "must be non-negative");
    }
}
