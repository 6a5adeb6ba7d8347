using SimVae.Backbones;
using SimVae.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Methods;

/// <summary>
/// The VAE family's model (SimVAE, VAE, β-VAE, CR-VAE): the encoder (registered as <c>encoder</c>) outputs the Gaussian
/// posterior q(z|x) = N(μ, diag σ²) as 2·d numbers; z is sampled by reparameterisation; the decoder gives p(x|z).
/// Features are the posterior means μ(x). Subclasses give the loss.
/// </summary>
public abstract class VariationalModel : SslModel
{
    private readonly nn.Module<Tensor, Tensor> encoder;
    private readonly nn.Module<Tensor, Tensor> decoder;

    /// <summary>Creates encoder and decoder with freshly initialised weights.</summary>
    protected VariationalModel(VariationalOptions options) : base(options)
    {
        encoder = BackboneFactory.Encoder(options.Backbone, options.Channels, options.Height, options.Width, 2L * options.LatentDim);
        decoder = BackboneFactory.Decoder(options.Backbone, options.LatentDim, options.Channels, options.Height, options.Width);
        register_module("encoder", encoder);
        register_module("decoder", decoder);
    }

    /// <summary>The likelihood and prior settings.</summary>
    public SimVaeLossOptions LossOptions => ((VariationalOptions)Options).Loss;

    /// <inheritdoc />
    public override int FeatureDimension => Options.LatentDim;

    /// <summary>Posterior mean μ(x) and log-variance log σ²(x), each [N, d].</summary>
    public (Tensor Mean, Tensor LogVar) Posterior(Tensor images)
    {
        using var stats = encoder.forward(images);
        var halves = stats.chunk(2, 1);
        return (halves[0], halves[1]);
    }

    /// <summary>Decoder output for latents [N, d]: logits (Bernoulli) or means (Gaussian), [N, C, H, W].</summary>
    public Tensor Decode(Tensor z) => decoder.forward(z);

    /// <summary>Images for latents: sigmoid of the logits (Bernoulli) or the means (Gaussian).</summary>
    public Tensor Reconstruct(Tensor z)
    {
        var decoded = Decode(z);
        if (LossOptions.Likelihood != Likelihood.Bernoulli) return decoded;
        using (decoded) return nn.functional.sigmoid(decoded);
    }

    /// <summary>z = μ + σ·ε with ε ~ N(0, I) from libtorch's global generator.</summary>
    public static Tensor Reparameterize(Tensor mean, Tensor logVar)
    {
        using var noise = randn_like(mean);
        return Reparameterize(mean, logVar, noise);
    }

    /// <summary>z = μ + σ·ε for given noise ε.</summary>
    public static Tensor Reparameterize(Tensor mean, Tensor logVar, Tensor noise)
    {
        using var scope = NewDisposeScope();
        var z = mean + (logVar * 0.5).exp() * noise;
        return z.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The VAE family's losses are sums over images (recon, entropy and the prior of SimVAE's groups, CR-VAE's ELBOs and
    /// KL never couple two images), so a rank's shard loss is exactly its part of the global batch's sum. Nothing needs
    /// gathering; the trainer sums the ranks' gradients.
    /// </summary>
    protected internal override bool LossSumsOverImages => true;

    /// <summary>
    /// z for the J·N view-major rows of a training batch: in a data-parallel run, with this rank's part of the noise
    /// the whole global batch would draw, so W ranks sample exactly what one process with the global batch does.
    /// </summary>
    protected Tensor SampleLatents(Tensor mean, Tensor logVar, int views, long images)
    {
        if (DataParallel is not { } parallel) return Reparameterize(mean, logVar);
        using var noise = ShardNoise(mean, views, images, parallel);
        return Reparameterize(mean, logVar, noise);
    }

    /// <summary>ε for this rank's shard: the global batch's noise ([J, W·N, d], view-major) narrowed to this rank's N images.</summary>
    private static Tensor ShardNoise(Tensor mean, int views, long images, DataParallelContext parallel)
    {
        using var scope = NewDisposeScope();
        var global = randn([views, parallel.WorldSize * images, mean.size(1)], mean.dtype, mean.device);
        var mine = global.narrow(1, parallel.Rank * images, images).reshape(views * images, mean.size(1));
        return mine.MoveToOuterDisposeScope();
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
        var loss = LossOptions;
        using var scope = NewDisposeScope();
        var (mean, logVar) = Posterior(images);
        var z = Reparameterize(mean, logVar);
        var decoded = Decode(z).flatten(1);
        var x = images.flatten(1);
        double scale = Math.Exp(-loss.LogVarX);
        var recon = (loss.Likelihood == Likelihood.Bernoulli
            ? nn.functional.binary_cross_entropy_with_logits(decoded, x, reduction: nn.Reduction.None)
            : (decoded - x).square() * 0.5).sum(1) * scale;
        var entropy = (logVar + (Math.Log(2 * Math.PI) + 1)).sum(1) * 0.5;
        double priorVar = (loss.Prior == ContentPrior.Gaussian ? 1 : 0) + loss.VarZGivenY;
        var logPrior = (z.square().sum(1) / priorVar + Options.LatentDim * Math.Log(2 * Math.PI * priorVar)) * -0.5;
        return (recon - entropy - logPrior).MoveToOuterDisposeScope();
    }

    /// <summary>View-major rows [J·N, ...] → groups [N, J, ...] (one group = the J views of one image).</summary>
    protected static Tensor Group(Tensor rows, int views, long images) =>
        rows.view(views, images, -1).transpose(0, 1);
}
