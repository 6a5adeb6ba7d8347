using System.Text.Json.Serialization;
using SimVae.Losses;

namespace SimVae.Methods;

/// <summary>Encoder/decoder architecture.</summary>
public enum BackboneKind
{
    /// <summary>The authors' MLP: encoder 784→2000→500→500→out, decoder mirrored (FashionMNIST/MNIST).</summary>
    Mlp,
    /// <summary>A small convolutional encoder/decoder for 28×28 and 32×32 images.</summary>
    Conv,
    /// <summary>ResNet-18 (CIFAR variant) with a ResNet-18-style decoder, for 32×32 RGB.</summary>
    ResNet18,
}

/// <summary>
/// Settings shared by every method: architecture, input shape, views per image, batch and optimiser.
/// Subclasses add the method's own hyperparameters with the paper's defaults. Serialised into model bundles.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "method")]
[JsonDerivedType(typeof(SimVaeOptions), "simvae")]
[JsonDerivedType(typeof(SimClrOptions), "simclr")]
[JsonDerivedType(typeof(VicRegOptions), "vicreg")]
public abstract record SslOptions
{
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
    public BackboneKind Backbone { get; init; } = BackboneKind.Mlp;
    /// <summary>Image channels (1 grey, 3 RGB).</summary>
    public int Channels { get; init; } = 1;
    /// <summary>Image height in pixels.</summary>
    public int Height { get; init; } = 28;
    /// <summary>Image width in pixels.</summary>
    public int Width { get; init; } = 28;
    /// <summary>Feature (latent) dimension d; the authors use 10 on FashionMNIST.</summary>
    public int LatentDim { get; init; } = 10;
    /// <summary>J, augmented views per image in a training batch.</summary>
    public int Views { get; init; } = 2;
    /// <summary>Images per batch (each contributes <see cref="Views"/> views): the authors use 64 × 2 = 128 views.</summary>
    public int BatchImages { get; init; } = 64;
    /// <summary>Adam's learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Adam's ε.</summary>
    public double AdamEpsilon { get; init; } = 1e-8;
    /// <summary>Adam's (L2) weight decay.</summary>
    public double WeightDecay { get; init; }
    /// <summary>Augmentation preset name: "simvae-fashion-mnist", "simvae-cifar10" or "simclr".</summary>
    public string Augmentation { get; init; } = "simvae-fashion-mnist";

    /// <summary>Short method name for logs and reports (e.g. "simvae", "vae", "beta-vae", "simclr", "vicreg").</summary>
    [JsonIgnore]
    public abstract string MethodName { get; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public virtual void Validate()
    {
        Require(Enum.IsDefined(Backbone), nameof(Backbone), Backbone, "must be Mlp, Conv or ResNet18");
        Require(Channels is 1 or 3, nameof(Channels), Channels, "must be 1 or 3");
        Require(Height is > 0 and <= MaxImageSide, nameof(Height), Height, $"must be in 1..{MaxImageSide}");
        Require(Width is > 0 and <= MaxImageSide, nameof(Width), Width, $"must be in 1..{MaxImageSide}");
        Require(LatentDim is > 0 and <= MaxLatentDim, nameof(LatentDim), LatentDim, $"must be in 1..{MaxLatentDim}");
        Require(Views is >= 1 and <= MaxViews, nameof(Views), Views, $"must be in 1..{MaxViews}");
        Require(BatchImages is >= 2 and <= MaxBatchImages, nameof(BatchImages), BatchImages, $"must be in 2..{MaxBatchImages}");
        Require(double.IsFinite(LearningRate) && LearningRate > 0, nameof(LearningRate), LearningRate, "must be a positive number");
        Require(double.IsFinite(AdamEpsilon) && AdamEpsilon > 0, nameof(AdamEpsilon), AdamEpsilon, "must be a positive number");
        Require(double.IsFinite(WeightDecay) && WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "must be a non-negative number");
        Require(Backbone != BackboneKind.ResNet18 || (Height == 32 && Width == 32), nameof(Backbone), Backbone, "ResNet-18 expects 32×32 images");
        Require(Backbone != BackboneKind.Conv || (Height % 4 == 0 && Width % 4 == 0 && Height >= 4 && Width >= 4), nameof(Backbone), $"{Height}×{Width}",
            "Conv needs a height and width divisible by 4");
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> with <paramref name="message"/> unless <paramref name="ok"/>.</summary>
    protected static void Require(bool ok, string name, object value, string message)
    {
        if (!ok) throw new ArgumentOutOfRangeException(name, value, $"{name} {message}");
    }
}

/// <summary>
/// SimVAE (Bizeul, Schölkopf, Allen 2024). Defaults are the authors' FashionMNIST configuration:
/// d = 10, MLP backbone, J = 2, 64 images × 2 views, Adam lr 8e-5 with ε 1e-4, var_z_y 0.15, log_var_x −4.6,
/// Bernoulli likelihood, Gaussian p(y). <see cref="Vae"/> and <see cref="BetaVae"/> give the baselines.
/// </summary>
public sealed record SimVaeOptions : SslOptions
{
    /// <summary>Creates the authors' defaults.</summary>
    public SimVaeOptions()
    {
        LearningRate = 8e-5;
        AdamEpsilon = 1e-4;
    }

    /// <summary>The objective's hyperparameters (σ², log_var_x, likelihood, prior, entropy weight, β).</summary>
    public SimVaeLossOptions Loss { get; init; } = new();

    /// <summary>A VAE trained on augmented views: J = 1, so p(z) = N(0, I) (the paper's VAE baseline).</summary>
    public static SimVaeOptions Vae() => new() { Views = 1 };

    /// <summary>A β-VAE on augmented views (Higgins et al. 2017): J = 1 with the latent terms weighted by β.</summary>
    public static SimVaeOptions BetaVae(double beta = 4) => new() { Views = 1, Loss = new SimVaeLossOptions { Beta = beta } };

    /// <inheritdoc />
    public override string MethodName => Views > 1 ? "simvae" : Loss.Beta == 1 ? "vae" : "beta-vae";

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Loss.Validate();
    }
}

/// <summary>
/// SimCLR (Chen et al. 2020): NT-Xent over two views with a projection head (Linear–ReLU–Linear).
/// Features are the backbone's output, before the head. Trained here with Adam (lr 1e-3) rather than LARS,
/// which targets batches of thousands.
/// </summary>
public sealed record SimClrOptions : SslOptions
{
    /// <summary>τ of NT-Xent (0.5, SimCLR's small-batch setting).</summary>
    public double Temperature { get; init; } = 0.5;
    /// <summary>Hidden width of the projection head.</summary>
    public int ProjectionHidden { get; init; } = 512;
    /// <summary>Output width of the projection head.</summary>
    public int ProjectionDim { get; init; } = 128;

    /// <inheritdoc />
    public override string MethodName => "simclr";

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Require(Views == 2, nameof(Views), Views, "must be 2 for SimCLR");
        Require(double.IsFinite(Temperature) && Temperature > 0, nameof(Temperature), Temperature, "must be a positive number");
        Require(ProjectionHidden is > 0 and <= MaxLayerWidth, nameof(ProjectionHidden), ProjectionHidden, $"must be in 1..{MaxLayerWidth}");
        Require(ProjectionDim is > 0 and <= MaxLayerWidth, nameof(ProjectionDim), ProjectionDim, $"must be in 1..{MaxLayerWidth}");
    }
}

/// <summary>
/// VICReg (Bardes, Ponce, LeCun 2022): λ = μ = 25, ν = 1 on an expander MLP (three layers of
/// <see cref="ExpanderDim"/>); features are the backbone's output. Adam lr 1e-3 (LARS targets large batches).
/// </summary>
public sealed record VicRegOptions : SslOptions
{
    /// <summary>Loss coefficients.</summary>
    public VicRegLossOptions Loss { get; init; } = new();
    /// <summary>Width of each expander layer.</summary>
    public int ExpanderDim { get; init; } = 512;

    /// <inheritdoc />
    public override string MethodName => "vicreg";

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Require(Views == 2, nameof(Views), Views, "must be 2 for VICReg");
        Require(ExpanderDim is > 0 and <= MaxLayerWidth, nameof(ExpanderDim), ExpanderDim, $"must be in 1..{MaxLayerWidth}");
    }
}
