using System.Text.Json.Serialization;
using SimVae.Augmentations;
using SimVae.Backbones;

namespace SimVae.Methods;

/// <summary>
/// DINO (Caron et al. 2021, "Emerging Properties in Self-Supervised Vision Transformers"): a student and its EMA teacher
/// (momentum 0.996 → 1, cosine) with the same architecture; the teacher's outputs are centred (centre momentum 0.9) and
/// sharpened (τ_t warmed up linearly from 0.04 to 0.07 over the first 30 of 100 epochs), the student's tempered with
/// τ_s = 0.1, and the student's crops are trained to match the teacher's global crops by cross-entropy. Multi-crop:
/// views 0 and 1 are global crops (the preset), the others local crops (scale [0.05, 0.4] of the image before the preset).
/// AdamW (lr 5e-4 per 256 images, weight decay 0.04), 10 warm-up epochs of 100, cosine decay. Features are the student
/// backbone's output.
/// </summary>
public sealed record DinoOptions : MomentumOptions
{
    /// <summary>Creates DINO's defaults, the learning rate scaled linearly to 64 images (5e-4·64/256).</summary>
    public DinoOptions()
    {
        Views = 4;
        Optimizer = OptimizerKind.AdamW;
        LearningRate = 5e-4 * DefaultBatchImages / 256;
        WeightDecay = 0.04;
        Schedule = LearningRateSchedule.WarmupCosine;
        WarmupFraction = 0.1;
    }

    /// <summary>Hidden width of the head's MLP (DINO: 2,048; here 512).</summary>
    public int HeadHidden { get; init; } = 512;

    /// <summary>Bottleneck width before the normalised last layer (DINO: 256; here 128).</summary>
    public int HeadBottleneck { get; init; } = 128;

    /// <summary>K, output dimension (DINO: 65,536 on ImageNet; here 4,096).</summary>
    public int OutputDim { get; init; } = 4096;

    /// <summary>
    /// Batch norm after the head's hidden layers (DINO's <c>use_bn_in_head</c>, off in the paper's ViT runs). On by
    /// default: without it the head's outputs from this library's backbones (no batch norm) barely depend on the input
    /// at initialisation, the centred teacher targets are uniform and DINO collapses to them (measured on the synthetic
    /// shapes: teacher entropy ln K within 30 steps).
    /// </summary>
    public bool HeadBatchNorm { get; init; } = true;

    /// <summary>τ_s, the student's temperature (0.1).</summary>
    public double StudentTemperature { get; init; } = 0.1;

    /// <summary>τ_t at the first step (0.04).</summary>
    public double TeacherTemperatureStart { get; init; } = 0.04;

    /// <summary>τ_t after the warm-up (0.07).</summary>
    public double TeacherTemperature { get; init; } = 0.07;

    /// <summary>Fraction of the steps over which τ_t rises linearly (30 of 100 epochs).</summary>
    public double TeacherTemperatureWarmupFraction { get; init; } = 0.3;

    /// <summary>Momentum m of the centre: c ← m·c + (1 − m)·mean(teacher outputs) (0.9).</summary>
    public double CenterMomentum { get; init; } = 0.9;

    /// <summary>Smallest area fraction of a local crop (DINO: 0.05).</summary>
    public double LocalCropMinScale { get; init; } = 0.05;

    /// <summary>Largest area fraction of a local crop (DINO: 0.4).</summary>
    public double LocalCropMaxScale { get; init; } = 0.4;

    /// <summary>
    /// Side of the local crops for backbones that accept any size (ResNet-18's global pooling; DINO: 96 of 224). The MLP
    /// and conv backbones take one input size, so their local crops stay at the image size.
    /// </summary>
    public int LocalCropSize { get; init; } = 16;

    /// <summary>Whether the local crops are downsampled to <see cref="LocalCropSize"/> (the backbone accepts it).</summary>
    [JsonIgnore]
    public bool SmallLocalCrops => Backbone == BackboneKind.ResNet18 && LocalCropSize < Height;

    /// <inheritdoc />
    public override string MethodName => "dino";

    /// <summary>Two global views from the preset, then <c>Views − 2</c> local crops followed by the preset.</summary>
    public override MultiViewTransform? CreateAugmentation()
    {
        var local = new RandomResizedCrop(Height, Width, LocalCropMinScale, LocalCropMaxScale);
        var global = AugmentationNames.Create(Augmentation, Height, 1)?.Transforms[0];
        IImageTransform localView = global is null ? local : new Compose(local, global);
        return new MultiViewTransform([.. Enumerable.Repeat(global ?? new Compose(), 2), .. Enumerable.Repeat(localView, Views - 2)]);
    }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Require(Views >= 2, nameof(Views), Views, "must be at least 2 for DINO (2 global crops, then local crops)");
        RequireWidth(HeadHidden, nameof(HeadHidden));
        RequireWidth(HeadBottleneck, nameof(HeadBottleneck));
        RequireWidth(OutputDim, nameof(OutputDim));
        RequirePositive(StudentTemperature, nameof(StudentTemperature));
        RequirePositive(TeacherTemperatureStart, nameof(TeacherTemperatureStart));
        RequirePositive(TeacherTemperature, nameof(TeacherTemperature));
        Require(TeacherTemperatureWarmupFraction is >= 0 and <= 1, nameof(TeacherTemperatureWarmupFraction), TeacherTemperatureWarmupFraction, "must be in [0, 1]");
        RequireUnit(CenterMomentum, nameof(CenterMomentum));
        Require(LocalCropMinScale > 0 && LocalCropMinScale <= LocalCropMaxScale, nameof(LocalCropMinScale), LocalCropMinScale, $"must be in (0, {nameof(LocalCropMaxScale)}]");
        Require(LocalCropMaxScale <= 1, nameof(LocalCropMaxScale), LocalCropMaxScale, "must be at most 1");
        Require(LocalCropSize >= 8, nameof(LocalCropSize), LocalCropSize, "must be at least 8 pixels");
    }
}
