using Microsoft.ML;
using SimVae.Featurization;
using SimVae.Methods;
using SimVae.Training;

namespace SimVae.MLNet;

/// <summary>
/// <c>mlContext.Transforms</c> extensions that add SimVae featurizer stages to ML.NET pipelines. Each learns, at
/// <c>Fit</c>, an encoder from the images in the input column (no labels) and appends their feature vectors:
/// <code>
/// var pipeline = mlContext.Transforms.SimVaeFeaturize("Features", "Pixels", new SimVaeFeaturizeOptions())   // recommended preset, 1×28×28
///     .AppendCacheCheckpoint(mlContext)
///     .Append(mlContext.Transforms.Conversion.MapValueToKey("Label"))
///     .Append(mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy());
/// var model = pipeline.Fit(train);
/// mlContext.Model.Save(model, train.Schema, "model.zip");   // the encoder travels as ONNX inside the zip
/// ITransformer loaded = mlContext.Model.Load("model.zip", out var schema);   // needs only Microsoft.ML.OnnxTransformer
/// </code>
/// <list type="table">
/// <listheader><term>column</term><description>type</description></listheader>
/// <item><term>input</term><description><c>Vector&lt;Single, C·H·W&gt;</c> (e.g. ImageAnalytics' <c>ExtractPixels</c>; scaled by
/// <see cref="SslFeaturizeOptions.InputScale"/> into [0, 1]) or <c>Vector&lt;Byte, C·H·W&gt;</c> (raw pixels); planar CHW order.</description></item>
/// <item><term>output</term><description><c>Vector&lt;Single, d&gt;</c>, d = the method's latent dimension.</description></item>
/// </list>
/// Featurizing runs the encoder on batches of rows; put <c>AppendCacheCheckpoint</c> after the stage when a trainer makes
/// several passes over the data, so the features are computed once.
/// </summary>
public static class SimVaeTransformsCatalog
{
    /// <summary>A SimVAE (or VAE / β-VAE, through <see cref="Methods.SimVaeOptions.Vae"/>) featurizer stage.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The feature column to create.</param>
    /// <param name="inputColumnName">The image column.</param>
    /// <param name="options">Method, input shape and training settings.</param>
    public static FeaturizerStageEstimator SimVaeFeaturize(this TransformsCatalog catalog, string outputColumnName, string inputColumnName, SimVaeFeaturizeOptions options) =>
        new(catalog, outputColumnName, inputColumnName, options ?? throw new ArgumentNullException(nameof(options)));

    /// <summary>A SimVAE featurizer stage with the recommended preset's settings (<see cref="SslPresets.Recommended"/>) except those given.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The feature column to create.</param>
    /// <param name="inputColumnName">The image column.</param>
    /// <param name="channels">C of the images in the input column.</param>
    /// <param name="height">H of the images.</param>
    /// <param name="width">W of the images.</param>
    /// <param name="latentDimension">Feature dimension d.</param>
    /// <param name="epochs">Passes over the training rows.</param>
    /// <param name="seed">Seed of the training.</param>
    public static FeaturizerStageEstimator SimVaeFeaturize(this TransformsCatalog catalog, string outputColumnName, string inputColumnName,
        int channels, int height, int width, int latentDimension = SslPresets.RecommendedLatentDim, int epochs = SslPresets.RecommendedEpochs, int seed = TrainerOptions.DefaultSeed) =>
        catalog.SimVaeFeaturize(outputColumnName, inputColumnName, new SimVaeFeaturizeOptions
        {
            Method = new SimVaeFeaturizeOptions().Method with { Channels = channels, Height = height, Width = width, LatentDim = latentDimension },
            Epochs = epochs,
            Seed = seed,
        });

    /// <summary>A SimCLR featurizer stage.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The feature column to create.</param>
    /// <param name="inputColumnName">The image column.</param>
    /// <param name="options">Method, input shape and training settings.</param>
    public static FeaturizerStageEstimator SimClrFeaturize(this TransformsCatalog catalog, string outputColumnName, string inputColumnName, SimClrFeaturizeOptions options) =>
        new(catalog, outputColumnName, inputColumnName, options ?? throw new ArgumentNullException(nameof(options)));

    /// <summary>A VICReg featurizer stage.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The feature column to create.</param>
    /// <param name="inputColumnName">The image column.</param>
    /// <param name="options">Method, input shape and training settings.</param>
    public static FeaturizerStageEstimator VicRegFeaturize(this TransformsCatalog catalog, string outputColumnName, string inputColumnName, VicRegFeaturizeOptions options) =>
        new(catalog, outputColumnName, inputColumnName, options ?? throw new ArgumentNullException(nameof(options)));

    /// <summary>A featurizer stage of any method, given by its options (<c>new SslMethodFeaturizeOptions { Method = new DinoOptions() }</c>).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The feature column to create.</param>
    /// <param name="inputColumnName">The image column.</param>
    /// <param name="options">Method, input shape and training settings.</param>
    public static FeaturizerStageEstimator SslFeaturize(this TransformsCatalog catalog, string outputColumnName, string inputColumnName, SslMethodFeaturizeOptions options) =>
        new(catalog, outputColumnName, inputColumnName, options ?? throw new ArgumentNullException(nameof(options)));

    /// <summary>
    /// A stage that applies an already trained model through its featurizer (trained with the core <see cref="Trainer"/>,
    /// or loaded with <see cref="Featurizer.Load"/>); its <c>Fit</c> trains nothing and exports the encoder as ONNX, so the
    /// fitted stage no longer needs <paramref name="featurizer"/>.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The feature column to create.</param>
    /// <param name="inputColumnName">The image column (its shape must be the featurizer's input).</param>
    /// <param name="featurizer">The fitted featurizer.</param>
    /// <param name="inputScale">Factor that brings float pixels into [0, 1] (default 1/255, for 0–255 values).</param>
    public static FeaturizerStageEstimator SslFeaturize(this TransformsCatalog catalog, string outputColumnName, string inputColumnName,
        Featurizer featurizer, float inputScale = 1f / 255f) =>
        new(catalog, outputColumnName, inputColumnName, featurizer ?? throw new ArgumentNullException(nameof(featurizer)), inputScale);
}
