using SimVae.Backbones;
using SimVae.Losses;
using SimVae.Torch;
using SimVae.Torch.Nn;

namespace SimVae.Methods;

/// <summary>
/// SimVAE (Bizeul, Schölkopf, Allen 2024) and, with J = 1, the VAE / β-VAE baselines. The encoder outputs the
/// Gaussian posterior q(z|x) = N(μ, diag σ²) as 2·d numbers; z is sampled by reparameterisation; the decoder
/// gives p(x|z); the loss is <see cref="SimVaeLoss"/>. Features are the posterior means μ(x).
/// </summary>
public sealed class SimVaeModel : SslModel
{
    private readonly Module<Tensor, Tensor> encoder;
    private readonly Module<Tensor, Tensor> decoder;

    /// <summary>Creates the model with freshly initialised weights.</summary>
    public SimVaeModel(SimVaeOptions options) : base(options)
    {
        encoder = RegisterModule("encoder", BackboneFactory.Encoder(options.Backbone, options.Channels, options.Height, options.Width, 2L * options.LatentDim));
        decoder = RegisterModule("decoder", BackboneFactory.Decoder(options.Backbone, options.LatentDim, options.Channels, options.Height, options.Width));
    }

    /// <summary>The options (with the loss hyperparameters).</summary>
    public new SimVaeOptions Options => (SimVaeOptions)base.Options;

    /// <inheritdoc />
    public override int FeatureDimension => Options.LatentDim;

    /// <summary>Posterior mean μ(x) and log-variance log σ²(x), each [N, d].</summary>
    public (Tensor Mean, Tensor LogVar) Posterior(Tensor images)
    {
        using var stats = encoder.Forward(images);
        var halves = stats.Chunk(2, 1);
        return (halves[0], halves[1]);
    }

    /// <summary>Decoder output for latents [N, d]: logits (Bernoulli) or means (Gaussian), [N, C, H, W].</summary>
    public Tensor Decode(Tensor z) => decoder.Forward(z);

    /// <summary>Images for latents: sigmoid of the logits (Bernoulli) or the means (Gaussian).</summary>
    public Tensor Reconstruct(Tensor z)
    {
        using var decoded = Decode(z);
        return Options.Loss.Likelihood == Likelihood.Bernoulli ? Functional.Sigmoid(decoded) : decoded.Alias();
    }

    /// <summary>z = μ + σ·ε with ε ~ N(0, I) from libtorch's generator.</summary>
    public static Tensor Reparameterize(Tensor mean, Tensor logVar)
    {
        using var noise = mean.RandnLike();
        return Reparameterize(mean, logVar, noise);
    }

    /// <summary>z = μ + σ·ε for given noise ε.</summary>
    public static Tensor Reparameterize(Tensor mean, Tensor logVar, Tensor noise)
    {
        using var scope = DisposeScope.Open();
        var z = mean + (logVar * 0.5).Exp() * noise;
        return z.MoveToOuterScope();
    }

    /// <summary>
    /// SimVAE's loss is a sum over groups (the J views of one image): recon, entropy and the prior around the group's
    /// mean ȳ never couple two images, so a rank's shard loss is exactly its part of the global batch's sum. Nothing
    /// needs gathering; the trainer sums the ranks' gradients.
    /// </summary>
    protected internal override bool LossSumsOverImages => true;

    /// <inheritdoc />
    public override LossTerms Loss(Tensor views)
    {
        long n = ImagesIn(views);
        int j = Options.Views;
        using var scope = DisposeScope.Open();
        var (mean, logVar) = Posterior(views);
        var z = DataParallel is { } parallel ? Reparameterize(mean, logVar, ShardNoise(mean, j, n, parallel)) : Reparameterize(mean, logVar);
        var decoded = Decode(z);
        // Under mixed precision the loss is still computed in float32 (docs/gpu.md).
        using var float32 = Autocast.Disable();
        (decoded, z, logVar) = (Autocast.ToFloat32(decoded), Autocast.ToFloat32(z), Autocast.ToFloat32(logVar));
        // View-major rows [J·N, ...] → groups [N, J, ...] (one group = the J views of one image).
        var terms = SimVaeLoss.Compute(Group(views.Flatten(1), j, n), Group(decoded.Flatten(1), j, n), Group(z, j, n), Group(logVar, j, n), Options.Loss);
        return terms.MoveToOuterScope();
    }

    /// <inheritdoc />
    public override Tensor Encode(Tensor images)
    {
        var (mean, logVar) = Posterior(images);
        logVar.Dispose();
        return mean;
    }

    /// <summary>
    /// Per-image negative ELBO with a single view (an anomaly score: higher = less like the training data), using
    /// the marginal prior p(z) = N(0, (1 + σ²) I) of the model (y integrated out) and one z sample per image.
    /// </summary>
    public Tensor NegativeElbo(Tensor images)
    {
        using var scope = DisposeScope.Open();
        var (mean, logVar) = Posterior(images);
        var z = Reparameterize(mean, logVar);
        var decoded = Decode(z).Flatten(1);
        var x = images.Flatten(1);
        double scale = Math.Exp(-Options.Loss.LogVarX);
        var recon = (Options.Loss.Likelihood == Likelihood.Bernoulli
            ? Functional.BinaryCrossEntropyWithLogits(decoded, x, Reduction.None)
            : (decoded - x).Square() * 0.5).Sum(1) * scale;
        var entropy = (logVar + (Math.Log(2 * Math.PI) + 1)).Sum(1) * 0.5;
        double priorVar = (Options.Loss.Prior == ContentPrior.Gaussian ? 1 : 0) + Options.Loss.VarZGivenY;
        var logPrior = (z.Square().Sum(1) / priorVar + Options.LatentDim * Math.Log(2 * Math.PI * priorVar)) * -0.5;
        return (recon - entropy - logPrior).MoveToOuterScope();
    }

    /// <summary>
    /// ε for this rank's shard: the noise of the whole global batch ([J, W·N, d], view-major as one process would draw
    /// it) narrowed to this rank's N images, so that W ranks sample exactly what one process with the global batch does.
    /// </summary>
    private static Tensor ShardNoise(Tensor mean, int views, long images, DataParallelContext parallel)
    {
        using var scope = DisposeScope.Open();
        var global = Tensor.Randn([views, parallel.WorldSize * images, mean.Size(1)], mean.DType, mean.Device);
        var mine = global.Narrow(1, parallel.Rank * images, images).Reshape(views * images, mean.Size(1));
        return mine.MoveToOuterScope();
    }

    private static Tensor Group(Tensor rows, int views, long images) =>
        rows.View(views, images, -1).Transpose(0, 1);
}
