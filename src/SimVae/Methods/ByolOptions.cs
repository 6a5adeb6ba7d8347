namespace SimVae.Methods;

/// <summary>
/// BYOL (Grill et al. 2020, "Bootstrap Your Own Latent"): an online network (backbone, projector, predictor) regresses
/// the target network's projection of the other view; the target is an EMA of the online backbone and projector with
/// τ rising from 0.996 to 1 on a cosine schedule; the loss is the normalised MSE 2 − 2·cos, symmetrised over the two
/// views. LARS (lr 0.2 per 256 images, weight decay 1.5e-6, biases and batch norm exempt) with 10 warm-up epochs of
/// 1,000 (1%) and cosine decay. Features are the backbone's output.
/// </summary>
public sealed record ByolOptions : MomentumOptions
{
    /// <summary>Creates BYOL's defaults, the learning rate scaled linearly to 64 images (0.2·64/256).</summary>
    public ByolOptions()
    {
        Optimizer = OptimizerKind.Lars;
        LearningRate = 0.2 * DefaultBatchImages / 256;
        WeightDecay = 1.5e-6;
        Schedule = LearningRateSchedule.WarmupCosine;
        WarmupFraction = 0.01;
    }

    /// <summary>Hidden width of projector and predictor (BYOL: 4,096 on ResNet-50's 2,048 features; here 512 on d = 10).</summary>
    public int ProjectionHidden { get; init; } = 512;

    /// <summary>Output width of projector and predictor (BYOL: 256; here 128).</summary>
    public int ProjectionDim { get; init; } = 128;

    /// <inheritdoc />
    public override string MethodName => "byol";

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Require(Views == 2, nameof(Views), Views, "must be 2 for BYOL");
        RequireWidth(ProjectionHidden, nameof(ProjectionHidden));
        RequireWidth(ProjectionDim, nameof(ProjectionDim));
    }
}
