namespace SimVae.Methods;

/// <summary>
/// MoCo v2 (Chen, Fan, Girshick, He 2020, "Improved Baselines with Momentum Contrastive Learning"): a query encoder
/// (backbone + 2-layer MLP head) trained with InfoNCE against the key of the other view, given by a momentum key
/// encoder (m = 0.999), and a queue of past keys as negatives; τ = 0.2; SGD (lr 0.03 per 256 images, momentum 0.9,
/// weight decay 1e-4) with a cosine schedule. Features are the backbone's output.
/// </summary>
public sealed record MoCoOptions : MomentumOptions
{
    /// <summary>Creates MoCo v2's defaults, the learning rate scaled linearly to 64 images (0.03·64/256).</summary>
    public MoCoOptions()
    {
        TeacherMomentum = 0.999;
        TeacherMomentumEnd = 0.999;
        Optimizer = OptimizerKind.Sgd;
        LearningRate = 0.03 * DefaultBatchImages / 256;
        WeightDecay = 1e-4;
        Schedule = LearningRateSchedule.WarmupCosine;
    }

    /// <summary>τ of InfoNCE (0.2, MoCo v2).</summary>
    public double Temperature { get; init; } = 0.2;

    /// <summary>
    /// K, keys kept as negatives: 4,096. MoCo's 65,536 is 5% of ImageNet's 1.28M images; here 4,096 is 7% of
    /// FashionMNIST's 60,000 and spans 64 batches of 64, so the oldest keys come from a nearly current key encoder
    /// (m = 0.999 changes it by ~6% over 64 steps).
    /// </summary>
    public int QueueSize { get; init; } = 4096;

    /// <summary>Hidden width of the MLP head (MoCo v2: the backbone's 2,048; here SimCLR's 512 of this library).</summary>
    public int ProjectionHidden { get; init; } = 512;

    /// <summary>Output width of the head (128, MoCo v2).</summary>
    public int ProjectionDim { get; init; } = 128;

    /// <summary>
    /// Batch norm after the head's hidden layer (MoCo v2: none; MoCo v3 and BYOL have it). On by default: this library's
    /// MLP and conv backbones have no batch norm, and without it their head's outputs barely depend on the input at
    /// initialisation, so all keys point the same way and InfoNCE has no gradient (measured on the synthetic shapes:
    /// the loss stays at ln(K + 1) with every cosine at 1).
    /// </summary>
    public bool HeadBatchNorm { get; init; } = true;

    /// <inheritdoc />
    public override string MethodName => "moco";

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Require(Views == 2, nameof(Views), Views, "must be 2 for MoCo (query and key)");
        RequirePositive(Temperature, nameof(Temperature));
        Require(QueueSize >= BatchImages, nameof(QueueSize), QueueSize, $"must hold at least one batch ({BatchImages} images)");
        RequireWidth(ProjectionHidden, nameof(ProjectionHidden));
        RequireWidth(ProjectionDim, nameof(ProjectionDim));
    }
}
