using System.Text.Json.Serialization;
using SimVae.Augmentations;
using SimVae.Backbones;

namespace SimVae.Methods;

/// <summary>
/// Settings shared by every method: architecture, input shape, views per image, batch, optimiser and learning-rate
/// schedule. Subclasses add the method's own hyperparameters and set the paper's defaults (optimiser included) in their
/// constructors. Serialised into model bundles; the <c>method</c> field names the type (see <see cref="SslMethods"/>).
/// </summary>
public abstract record SslOptions
{
    /// <summary>Feature (latent) dimension d: 10, the SimVAE authors' FashionMNIST setting.</summary>
    public const int DefaultLatentDim = 10;
    /// <summary>Images per batch: the SimVAE authors' 64 (× 2 views = 128 views).</summary>
    public const int DefaultBatchImages = 64;
    /// <summary>J, views per image: 2 (SimVAE's J; the two views of the discriminative methods).</summary>
    public const int DefaultViews = 2;
    /// <summary>Encoder architecture: the SimVAE authors' MLP.</summary>
    public const BackboneKind DefaultBackbone = BackboneKind.Mlp;
    /// <summary>Learning rate of methods that do not set their own (1e-3, Adam's usual rate; SimCLR and VICReg here).</summary>
    public const double DefaultLearningRate = 1e-3;

    /// <summary>Largest image side accepted (pixels): bounds what a few bytes of options can make a model allocate.</summary>
    public const int MaxImageSide = 1024;

    /// <summary>Largest feature (latent) dimension accepted.</summary>
    public const int MaxLatentDim = 4096;

    /// <summary>Largest width of a projection or expander layer accepted.</summary>
    public const int MaxLayerWidth = 16384;

    /// <summary>Most augmented views per image accepted.</summary>
    public const int MaxViews = 64;

    /// <summary>Most images per batch accepted.</summary>
    public const int MaxBatchImages = 65536;

    /// <summary>Architecture of the encoder (and decoder for the generative methods).</summary>
    public BackboneKind Backbone { get; init; } = DefaultBackbone;
    /// <summary>Image channels (1 grey, 3 RGB).</summary>
    public int Channels { get; init; } = 1;
    /// <summary>Image height in pixels.</summary>
    public int Height { get; init; } = 28;
    /// <summary>Image width in pixels.</summary>
    public int Width { get; init; } = 28;
    /// <summary>Feature (latent) dimension d (<see cref="DefaultLatentDim"/>).</summary>
    public int LatentDim { get; init; } = DefaultLatentDim;
    /// <summary>J, augmented views per image in a training batch.</summary>
    public int Views { get; init; } = DefaultViews;
    /// <summary>Images per batch, each contributing <see cref="Views"/> views (<see cref="DefaultBatchImages"/>).</summary>
    public int BatchImages { get; init; } = DefaultBatchImages;
    /// <summary>The optimiser (default Adam; each method sets its paper's).</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;
    /// <summary>The (peak) learning rate, for this batch size.</summary>
    public double LearningRate { get; init; } = DefaultLearningRate;
    /// <summary>Adam's and AdamW's ε.</summary>
    public double AdamEpsilon { get; init; } = 1e-8;
    /// <summary>Weight decay (L2 for Adam, SGD and LARS; decoupled for AdamW).</summary>
    public double WeightDecay { get; init; }
    /// <summary>Momentum of SGD and LARS.</summary>
    public double OptimizerMomentum { get; init; } = 0.9;
    /// <summary>How the learning rate changes over training (default constant).</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;
    /// <summary>Fraction of the training steps spent in the linear warm-up of <see cref="LearningRateSchedule.WarmupCosine"/>.</summary>
    public double WarmupFraction { get; init; }
    /// <summary>Augmentation preset name: "simvae-fashion-mnist", "simvae-cifar10", "simclr" or "none".</summary>
    public string Augmentation { get; init; } = "simvae-fashion-mnist";

    /// <summary>Short method name for logs and reports (e.g. "simvae", "vae", "beta-vae", "simclr", "vicreg").</summary>
    [JsonIgnore]
    public abstract string MethodName { get; }

    /// <summary>The J-view transform the trainer applies to each batch (null: the images as they are; "none" with J &gt; 1: J copies).</summary>
    public virtual MultiViewTransform? CreateAugmentation() => AugmentationNames.ForTraining(Augmentation, Height, Views);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting.</summary>
    public virtual void Validate()
    {
        Require(Channels is 1 or 3, nameof(Channels), Channels, "must be 1 or 3");
        Require(Enum.IsDefined(Backbone), nameof(Backbone), Backbone, "must be Mlp, Conv or ResNet18");
        Require(Height is > 0 and <= MaxImageSide, nameof(Height), Height, $"must be in 1..{MaxImageSide}");
        Require(Width is > 0 and <= MaxImageSide, nameof(Width), Width, $"must be in 1..{MaxImageSide}");
        Require(LatentDim is > 0 and <= MaxLatentDim, nameof(LatentDim), LatentDim, $"must be in 1..{MaxLatentDim}");
        Require(Views is >= 1 and <= MaxViews, nameof(Views), Views, $"must be in 1..{MaxViews}");
        Require(BatchImages is >= 2 and <= MaxBatchImages, nameof(BatchImages), BatchImages, $"must be in 2..{MaxBatchImages}");
        Require(Enum.IsDefined(Optimizer), nameof(Optimizer), Optimizer, "must be Adam, AdamW, Sgd or Lars");
        Require(double.IsFinite(LearningRate) && LearningRate > 0, nameof(LearningRate), LearningRate, "must be a positive number");
        Require(double.IsFinite(AdamEpsilon) && AdamEpsilon > 0, nameof(AdamEpsilon), AdamEpsilon, "must be a positive number");
        Require(double.IsFinite(WeightDecay) && WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "must be a non-negative number");
        RequireUnit(OptimizerMomentum, nameof(OptimizerMomentum));
        Require(Enum.IsDefined(Schedule), nameof(Schedule), Schedule, "must be Constant or WarmupCosine");
        Require(WarmupFraction is >= 0 and < 1, nameof(WarmupFraction), WarmupFraction, "must be in [0, 1)");
        Require(Backbone != BackboneKind.ResNet18 || (Height == 32 && Width == 32), nameof(Backbone), Backbone, "ResNet-18 expects 32×32 images");
        Require(Backbone != BackboneKind.Conv || (Height % 4 == 0 && Width % 4 == 0 && Height >= 4 && Width >= 4), nameof(Backbone), $"{Height}×{Width}",
            "Conv needs a height and width divisible by 4 (the mlp backbone takes any size)");
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> with <paramref name="message"/> unless <paramref name="ok"/>.</summary>
    protected static void Require(bool ok, string name, object value, string message)
    {
        if (!ok) throw new ArgumentOutOfRangeException(name, value, $"{name} {message}");
    }

    /// <summary>Requires a momentum-like factor in [0, 1].</summary>
    protected static void RequireUnit(double value, string name) => Require(value is >= 0 and <= 1, name, value, "must be in [0, 1]");

    /// <summary>Requires a temperature τ &gt; 0.</summary>
    protected static void RequirePositive(double value, string name) => Require(double.IsFinite(value) && value > 0, name, value, "must be a positive number");

    /// <summary>Requires a layer width in 1..<see cref="MaxLayerWidth"/>.</summary>
    protected static void RequireWidth(int value, string name) => Require(value is > 0 and <= MaxLayerWidth, name, value, $"must be in 1..{MaxLayerWidth}");
}

/// <summary>The optimiser a method trains with (the Lightning <c>configure_optimizers</c> choice, as data).</summary>
public enum OptimizerKind
{
    /// <summary>Adam (Kingma &amp; Ba 2015) with L2 weight decay.</summary>
    Adam,
    /// <summary>AdamW (Loshchilov &amp; Hutter 2019): Adam with decoupled weight decay (DINO).</summary>
    AdamW,
    /// <summary>SGD with momentum (MoCo).</summary>
    Sgd,
    /// <summary>LARS (You et al. 2017; SimCLR, BYOL, Barlow Twins); 1-D parameters are exempt from adaptation and decay.</summary>
    Lars,
}

/// <summary>How the learning rate follows the training steps.</summary>
public enum LearningRateSchedule
{
    /// <summary>The same learning rate at every step.</summary>
    Constant,
    /// <summary>Linear warm-up over <see cref="SslOptions.WarmupFraction"/> of the steps, then cosine decay to 0.</summary>
    WarmupCosine,
}
