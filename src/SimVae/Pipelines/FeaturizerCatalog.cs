using SimVae.Backbones;
using SimVae.Methods;

namespace SimVae.Pipelines;

/// <summary>
/// The estimators of an <see cref="SslContext"/> (<c>ssl.Featurizers</c>): every registered method through
/// <see cref="For(SslOptions, FitOptions?)"/> (its options) or <see cref="For(string, int, long?)"/> (its name), and the
/// paper's methods in two forms as ML.NET's
/// catalogs: flat arguments with documented defaults (<see cref="Defaults"/>), where the image shape is taken from the
/// training data at <c>Fit</c>; and a full options object (<see cref="SimVaeOptions"/>, <see cref="SimClrOptions"/>,
/// <see cref="VicRegOptions"/>), whose image shape must match the data.
/// </summary>
public sealed class FeaturizerCatalog
{
    private readonly SslContext context;

    internal FeaturizerCatalog(SslContext context) => this.context = context;

    /// <summary>SimVAE (Bizeul, Schölkopf, Allen 2024) with the authors' settings except those given.</summary>
    /// <param name="latentDimension">Feature dimension d.</param>
    /// <param name="epochs">Passes over the training images (ignored when <paramref name="maxSteps"/> is set).</param>
    /// <param name="maxSteps">Stop after this many optimiser steps, if set.</param>
    /// <param name="views">J, augmented views per image (at least 2; 1 is the VAE, see <see cref="Vae(int, int, long?, BackboneKind, int)"/>).</param>
    /// <param name="backbone">Encoder/decoder architecture.</param>
    /// <param name="batchImages">Images per batch.</param>
    public SslFeaturizerEstimator SimVae(int latentDimension = Defaults.LatentDimension, int epochs = Defaults.Epochs, long? maxSteps = null,
        int views = Defaults.SimVaeViews, BackboneKind backbone = Defaults.Backbone, int batchImages = Defaults.BatchImages)
    {
        if (views < 2) throw new ArgumentOutOfRangeException(nameof(views), views, "SimVAE needs at least 2 views per image; use Vae() for one");
        return Flat(new SimVaeOptions { LatentDim = latentDimension, Views = views, Backbone = backbone, BatchImages = batchImages }, epochs, maxSteps);
    }

    /// <summary>SimVAE, VAE or β-VAE with every setting given by <paramref name="options"/> (the image shape must match the data).</summary>
    /// <param name="options">The method's settings.</param>
    /// <param name="fit">Training length and transform batch size (default: <see cref="FitOptions"/>' defaults).</param>
    public SslFeaturizerEstimator SimVae(SimVaeOptions options, FitOptions? fit = null) => For(options, fit);

    /// <summary>The VAE baseline: SimVAE's model with one view per image, so p(z) = N(0, I).</summary>
    /// <param name="latentDimension">Feature dimension d.</param>
    /// <param name="epochs">Passes over the training images (ignored when <paramref name="maxSteps"/> is set).</param>
    /// <param name="maxSteps">Stop after this many optimiser steps, if set.</param>
    /// <param name="backbone">Encoder/decoder architecture.</param>
    /// <param name="batchImages">Images per batch.</param>
    public SslFeaturizerEstimator Vae(int latentDimension = Defaults.LatentDimension, int epochs = Defaults.Epochs, long? maxSteps = null,
        BackboneKind backbone = Defaults.Backbone, int batchImages = Defaults.BatchImages) =>
        Flat(SimVaeOptions.Vae() with { LatentDim = latentDimension, Backbone = backbone, BatchImages = batchImages }, epochs, maxSteps);

    /// <summary>The VAE baseline with every setting given by <paramref name="options"/>, which must have one view per image.</summary>
    /// <param name="options">The method's settings (<c>Views</c> must be 1; start from <see cref="SimVaeOptions.Vae"/>).</param>
    /// <param name="fit">Training length and transform batch size.</param>
    public SslFeaturizerEstimator Vae(SimVaeOptions options, FitOptions? fit = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Views != 1) throw new ArgumentException($"a VAE has one view per image; the options have Views = {options.Views} (use SimVae() for more)", nameof(options));
        return For(options, fit);
    }

    /// <summary>The β-VAE baseline (Higgins et al. 2017): one view per image, latent terms weighted by β.</summary>
    /// <param name="beta">β (default <see cref="Defaults.Beta"/>).</param>
    /// <param name="latentDimension">Feature dimension d.</param>
    /// <param name="epochs">Passes over the training images (ignored when <paramref name="maxSteps"/> is set).</param>
    /// <param name="maxSteps">Stop after this many optimiser steps, if set.</param>
    /// <param name="backbone">Encoder/decoder architecture.</param>
    public SslFeaturizerEstimator BetaVae(double beta = Defaults.Beta, int latentDimension = Defaults.LatentDimension, int epochs = Defaults.Epochs,
        long? maxSteps = null, BackboneKind backbone = Defaults.Backbone) =>
        Flat(SimVaeOptions.BetaVae(beta) with { LatentDim = latentDimension, Backbone = backbone }, epochs, maxSteps);

    /// <summary>SimCLR (Chen et al. 2020) with the library's defaults except those given.</summary>
    /// <param name="latentDimension">Feature dimension (the backbone's output).</param>
    /// <param name="epochs">Passes over the training images (ignored when <paramref name="maxSteps"/> is set).</param>
    /// <param name="maxSteps">Stop after this many optimiser steps, if set.</param>
    /// <param name="temperature">τ of NT-Xent.</param>
    /// <param name="backbone">Encoder architecture.</param>
    /// <param name="batchImages">Images per batch.</param>
    public SslFeaturizerEstimator SimClr(int latentDimension = Defaults.LatentDimension, int epochs = Defaults.Epochs, long? maxSteps = null,
        double temperature = Defaults.Temperature, BackboneKind backbone = Defaults.Backbone, int batchImages = Defaults.BatchImages) =>
        Flat(new SimClrOptions { LatentDim = latentDimension, Temperature = temperature, Backbone = backbone, BatchImages = batchImages }, epochs, maxSteps);

    /// <summary>SimCLR with every setting given by <paramref name="options"/> (the image shape must match the data).</summary>
    /// <param name="options">The method's settings.</param>
    /// <param name="fit">Training length and transform batch size.</param>
    public SslFeaturizerEstimator SimClr(SimClrOptions options, FitOptions? fit = null) => For(options, fit);

    /// <summary>VICReg (Bardes, Ponce, LeCun 2022) with the library's defaults except those given.</summary>
    /// <param name="latentDimension">Feature dimension (the backbone's output).</param>
    /// <param name="epochs">Passes over the training images (ignored when <paramref name="maxSteps"/> is set).</param>
    /// <param name="maxSteps">Stop after this many optimiser steps, if set.</param>
    /// <param name="backbone">Encoder architecture.</param>
    /// <param name="batchImages">Images per batch.</param>
    public SslFeaturizerEstimator VicReg(int latentDimension = Defaults.LatentDimension, int epochs = Defaults.Epochs, long? maxSteps = null,
        BackboneKind backbone = Defaults.Backbone, int batchImages = Defaults.BatchImages) =>
        Flat(new VicRegOptions { LatentDim = latentDimension, Backbone = backbone, BatchImages = batchImages }, epochs, maxSteps);

    /// <summary>VICReg with every setting given by <paramref name="options"/> (the image shape must match the data).</summary>
    /// <param name="options">The method's settings.</param>
    /// <param name="fit">Training length and transform batch size.</param>
    public SslFeaturizerEstimator VicReg(VicRegOptions options, FitOptions? fit = null) => For(options, fit);

    /// <summary>
    /// Any method of <see cref="SslMethods"/> by name (<c>simvae</c>, <c>cr-vae</c>, <c>moco</c>, <c>byol</c>,
    /// <c>barlow-twins</c>, <c>dino</c>, …) with its paper's defaults; the image shape is taken from the training data at <c>Fit</c>.
    /// </summary>
    /// <param name="method">The method's name (<see cref="SslMethods.Names"/>).</param>
    /// <param name="epochs">Passes over the training images (ignored when <paramref name="maxSteps"/> is set).</param>
    /// <param name="maxSteps">Stop after this many optimiser steps, if set.</param>
    /// <exception cref="ArgumentException">No method has that name.</exception>
    public SslFeaturizerEstimator For(string method, int epochs = Defaults.Epochs, long? maxSteps = null) =>
        Flat(SslMethods.Defaults(method), epochs, maxSteps);

    private SslFeaturizerEstimator Flat(SslOptions options, int epochs, long? maxSteps) =>
        new(context, options, new FitOptions { Epochs = epochs, MaxSteps = maxSteps }, shapeFromData: true);

    /// <summary>An estimator for any method's options (the method is the options' type), training as <paramref name="fit"/> says.</summary>
    /// <param name="options">The method's settings, input shape included.</param>
    /// <param name="fit">Training budget and batch size of the fitted transformer (default: <see cref="FitOptions"/>' defaults).</param>
    public SslFeaturizerEstimator For(SslOptions options, FitOptions? fit = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(context, options, fit ?? new FitOptions(), shapeFromData: false);
    }
}
