using SimVae.Bundles;
using SimVae.Data;
using SimVae.Featurization;
using SimVae.Methods;
using SimVae.Torch;

namespace SimVae.Pipelines;

/// <summary>
/// A fitted featurizer (ML.NET's transformer role): turns images into fixed-length float32 feature vectors with a
/// trained encoder, batched, on the device its weights live on (the context's device). Returned by
/// <see cref="SslFeaturizerEstimator.Fit(ImageDataset)"/> and <see cref="SslModelOperations.Load(string, int)"/>; owns its
/// model, so dispose it when done. Thread-safe for concurrent <c>Transform</c> calls (see <see cref="Featurizer"/>).
/// <list type="table">
/// <listheader><term>side</term><description>schema</description></listheader>
/// <item><term>input (<see cref="InputSchema"/>)</term><description>C×H×W images: uint8 (<see cref="ImageDataset"/>, byte spans) or
/// float32 pixels / 255 in [0, 1], NCHW, no mean/std normalisation.</description></item>
/// <item><term>output (<see cref="OutputSchema"/>)</term><description>float32[F], F = the options' latent dimension: the posterior
/// mean μ(x) for the VAE family, the backbone's output for SimCLR and VICReg.</description></item>
/// </list>
/// </summary>
public sealed class SslFeaturizerTransformer : IDisposable
{
    private readonly SslModel model;
    private readonly Featurizer featurizer;
    private readonly IDisposable owner;

    internal SslFeaturizerTransformer(SslModel model, DataFingerprint trainingData, int batchSize)
    {
        this.model = model;
        owner = model;
        featurizer = new Featurizer(model);
        TrainingData = trainingData;
        BatchSize = batchSize;
    }

    internal SslFeaturizerTransformer(ModelBundle bundle, int batchSize)
    {
        model = bundle.Model;
        owner = bundle;
        featurizer = new Featurizer(bundle);
        TrainingData = bundle.TrainingData;
        BatchSize = batchSize;
    }

    /// <summary>The method's settings the model was built with.</summary>
    public SslOptions Options => model.Options;

    /// <summary>The images the transformer takes: shape, layout, element type and normalisation.</summary>
    public ModelInput InputSchema => ModelInput.For(model.Options);

    /// <summary>The features it produces.</summary>
    public FeatureSchema OutputSchema => new(model.FeatureDimension, model.Options.MethodName);

    /// <summary>The fingerprint of the images it was trained on.</summary>
    public DataFingerprint TrainingData { get; }

    /// <summary>Images per forward pass.</summary>
    public int BatchSize { get; }

    /// <summary>Where the features are computed.</summary>
    public Device Device => featurizer.Device;

    /// <summary>The trained model (owned by the transformer; in eval mode, which it must stay in).</summary>
    public SslModel Model => model;

    /// <summary>
    /// Checks that images described by <paramref name="inputSchema"/> fit and returns <see cref="OutputSchema"/>; throws an
    /// <see cref="ArgumentException"/> naming each difference (shape, layout, element type, normalisation) otherwise.
    /// </summary>
    public FeatureSchema GetOutputSchema(ModelInput inputSchema)
    {
        InputSchemaCheck.Require(InputSchema, inputSchema, nameof(inputSchema));
        return OutputSchema;
    }

    /// <summary>Features of every image of <paramref name="images"/>, one row per image in order.</summary>
    /// <exception cref="ArgumentException">The images have another shape than <see cref="InputSchema"/>.</exception>
    public FeatureMatrix Transform(ImageDataset images) => featurizer.Transform(images, BatchSize);

    /// <summary>Features of a float32 tensor [N, C, H, W] in [0, 1] on any device (not disposed).</summary>
    /// <exception cref="ArgumentException">The tensor does not match <see cref="InputSchema"/>.</exception>
    public FeatureMatrix Transform(Tensor images) => featurizer.Transform(images, BatchSize);

    /// <summary>Features of float images, each C·H·W values in [0, 1] (pixels / 255, NCHW), computed in batches.</summary>
    /// <exception cref="ArgumentException">An image has the wrong length.</exception>
    public FeatureMatrix Transform(IEnumerable<float[]> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        int size = ImageSize;
        var values = new List<float>();
        int count = 0;
        foreach (var image in images)
        {
            if (image is null || image.Length != size)
                throw new ArgumentException($"image {count} has {image?.Length.ToString() ?? "no"} values; {InputSchema} needs {size}", nameof(images));
            values.AddRange(image);
            count++;
        }
        return Transform(values.ToArray(), count);
    }

    /// <summary>Features of <paramref name="count"/> float images packed in <paramref name="pixels"/> (count·C·H·W values in [0, 1], NCHW).</summary>
    /// <exception cref="ArgumentException">The span's length is not count·C·H·W.</exception>
    public FeatureMatrix Transform(ReadOnlySpan<float> pixels, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var s = InputSchema;
        if (pixels.Length != (long)count * ImageSize)
            throw new ArgumentException($"{count} images of {s.Channels}x{s.Height}x{s.Width} need {(long)count * ImageSize} values, got {pixels.Length}", nameof(pixels));
        if (count == 0) return new FeatureMatrix([], 0, OutputSchema.Length);
        using var tensor = Tensor.FromSpan(pixels, [count, s.Channels, s.Height, s.Width]);
        return featurizer.Transform(tensor, BatchSize);
    }

    /// <summary>
    /// Saves the transformer as one model-bundle file (<see cref="ModelBundle"/>: options, weights, input description,
    /// training-data fingerprint), written atomically. Load it with <see cref="SslModelOperations.Load(string, int)"/>.
    /// </summary>
    public void Save(string path) => ModelBundle.Save(path, model, TrainingData);

    /// <summary>Writes the model bundle to <paramref name="stream"/> (left open).</summary>
    public void Save(Stream stream) => ModelBundle.Save(stream, model, TrainingData);

    /// <summary>Disposes the model.</summary>
    public void Dispose()
    {
        featurizer.Dispose();
        owner.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Options.MethodName} featurizer: {InputSchema} -> {OutputSchema}";

    private int ImageSize => Options.Channels * Options.Height * Options.Width;
}
