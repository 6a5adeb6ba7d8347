using System.Text.Json.Serialization;
namespace SimVae.Methods;

/// <summary>
/// Barlow Twins (Zbontar et al. 2021): the cross-correlation matrix of the two views' batch-normalised embeddings is
/// pushed to the identity, Σ(1 − C_ii)² + λ·Σ_{i≠j} C_ij², on a projector of three Linear layers (BN and ReLU after the
/// first two). LARS with lr 0.2 per 256 images for the weights and 0.0048 for biases and batch-norm parameters, weight
/// decay 1.5e-6, 10 warm-up epochs of 1,000 (1%), cosine decay. Features are the backbone's output.
/// </summary>
public sealed record BarlowTwinsOptions : SslOptions
{
    /// <summary>The paper's λ (5·10⁻³) for its 8,192-wide projector.</summary>
    public const double PaperLambda = 5e-3;

    /// <summary>The projector width λ = <see cref="PaperLambda"/> was tuned for.</summary>
    public const int PaperProjectionDim = 8192;

    /// <summary>Creates Barlow Twins' defaults, the learning rate scaled linearly to 64 images (0.2·64/256).</summary>
    public BarlowTwinsOptions()
    {
        Optimizer = OptimizerKind.Lars;
        LearningRate = 0.2 * DefaultBatchImages / 256;
        WeightDecay = 1.5e-6;
        Schedule = LearningRateSchedule.WarmupCosine;
        WarmupFraction = 0.01;
    }

    /// <summary>Width of each projector layer (the paper: 8,192; here 512 on d = 10).</summary>
    public int ProjectionDim { get; init; } = 512;

    /// <summary>
    /// λ, weight of the off-diagonal terms. Null (default): the paper's 5·10⁻³ scaled by 8,192 / <see cref="ProjectionDim"/>
    /// (0.08 at 512): the off-diagonal sum has d(d − 1) terms of size ~1/N each against d diagonal ones, so λ·d keeps the
    /// two parts in the paper's balance (λ ∝ 1/d, as Tsai et al. 2021 also argue).
    /// </summary>
    public double? Lambda { get; init; }

    /// <summary>λ in use: <see cref="Lambda"/> or the scaled paper value.</summary>
    [JsonIgnore]
    public double EffectiveLambda => Lambda ?? PaperLambda * PaperProjectionDim / ProjectionDim;

    /// <summary>Ratio of the biases' and batch-norm parameters' learning rate to the weights' (0.0048 / 0.2).</summary>
    public double BiasLearningRateRatio { get; init; } = 0.0048 / 0.2;

    /// <inheritdoc />
    public override string MethodName => "barlow-twins";

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Require(Views == 2, nameof(Views), Views, "must be 2 for Barlow Twins");
        RequireWidth(ProjectionDim, nameof(ProjectionDim));
        Require(Lambda is null || (Lambda >= 0 && double.IsFinite(Lambda.Value)), nameof(Lambda), Lambda ?? 0, "must be non-negative");
        Require(BiasLearningRateRatio > 0 && double.IsFinite(BiasLearningRateRatio), nameof(BiasLearningRateRatio), BiasLearningRateRatio, "must be positive");
    }
}
