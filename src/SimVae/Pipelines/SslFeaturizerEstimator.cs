using SimVae.Bundles;
using SimVae.Data;
using SimVae.Methods;
using SimVae.Training;

namespace SimVae.Pipelines;

/// <summary>
/// An unfitted featurizer (ML.NET's estimator role): <see cref="Fit(ImageDataset)"/> trains the method on unlabelled
/// images with the context's seed and device and returns the fitted <see cref="SslFeaturizerTransformer"/>. Create one
/// through <see cref="SslContext.Featurizers"/>.
/// <list type="table">
/// <listheader><term>side</term><description>description</description></listheader>
/// <item><term>input</term><description>images C×H×W (1 or 3 channels): an <see cref="ImageDataset"/> (uint8), or float vectors of
/// C·H·W pixels in [0, 1] (pixels / 255, NCHW order) with their <see cref="ModelInput"/>.</description></item>
/// <item><term>output</term><description>float32 vectors of <see cref="SslOptions.LatentDim"/> features.</description></item>
/// </list>
/// </summary>
public sealed class SslFeaturizerEstimator
{
    private readonly SslContext context;
    private readonly bool shapeFromData;

    internal SslFeaturizerEstimator(SslContext context, SslOptions options, FitOptions fit, bool shapeFromData)
    {
        fit.Validate();
        if (!shapeFromData) options.Validate();
        this.context = context;
        Options = options;
        FitOptions = fit;
        this.shapeFromData = shapeFromData;
    }

    /// <summary>
    /// The method's settings. When the estimator came from a flat-argument overload, its image shape is a placeholder:
    /// <c>Fit</c> takes the shape of the data.
    /// </summary>
    public SslOptions Options { get; }

    /// <summary>Training length and the transformer's batch size.</summary>
    public FitOptions FitOptions { get; }

    /// <summary>
    /// The features a transformer fitted on images described by <paramref name="inputSchema"/> would produce, without
    /// training. Throws an <see cref="ArgumentException"/> saying what does not fit when the images do not suit the
    /// estimator (another shape than its options', an unsupported channel count, another normalisation).
    /// </summary>
    public FeatureSchema GetOutputSchema(ModelInput inputSchema)
    {
        var options = OptionsFor(inputSchema, nameof(inputSchema));
        return new FeatureSchema(options.LatentDim, options.MethodName);
    }

    /// <summary>Trains on <paramref name="images"/> (labels, if any, are not used) and returns the fitted featurizer.</summary>
    /// <exception cref="ArgumentException">The images do not fit the options, or there are fewer than one batch.</exception>
    public SslFeaturizerTransformer Fit(ImageDataset images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var options = OptionsFor(new ModelInput(images.Channels, images.Height, images.Width), nameof(images));
        string source = $"{nameof(SslFeaturizerEstimator)}({options.MethodName})";
        var trainer = new Trainer(new TrainerOptions
        {
            Epochs = FitOptions.Epochs, MaxSteps = FitOptions.MaxSteps, LogEvery = FitOptions.LogEvery,
            Device = context.Device, Seed = context.Seed, Prefetch = 0,
        });
        trainer.Progress += p => context.Write(source,
            $"step {p.Step}/{p.TotalSteps} (epoch {p.Epoch}): " + string.Join(", ", p.Losses.Select(l => $"{l.Key} {l.Value:G5}")) + $", {p.ViewsPerSecond:F0} views/s", p);
        context.Write(source, $"training on {images} ({context.Device}, seed {context.Seed})");
        var model = trainer.CreateModel(options);
        try
        {
            trainer.Train(model, images);
            context.Write(source, "training done");
            return new SslFeaturizerTransformer(model, DataFingerprint.Of(images), FitOptions.TransformBatchSize);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Trains on float images: each array holds one image's C·H·W pixels in [0, 1] (pixels / 255, NCHW order), as
    /// <paramref name="shape"/> describes. Training works on 8-bit images, so values are rounded to multiples of 1/255.
    /// </summary>
    /// <exception cref="ArgumentException">An image has the wrong length or a value outside [0, 1], or the shape does not fit the options.</exception>
    public SslFeaturizerTransformer Fit(IEnumerable<float[]> images, ModelInput shape) => Fit(ToDataset(images, shape, nameof(images)));

    /// <summary>Packs float images (pixels / 255) into an 8-bit <see cref="ImageDataset"/>, checking lengths and ranges.</summary>
    internal static ImageDataset ToDataset(IEnumerable<float[]> images, ModelInput shape, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(images, parameterName);
        ArgumentNullException.ThrowIfNull(shape);
        InputSchemaCheck.Require(new ModelInput(shape.Channels, shape.Height, shape.Width), shape, nameof(shape));
        int size = checked(shape.Channels * shape.Height * shape.Width);
        var list = images as IReadOnlyCollection<float[]> ?? images.ToList();
        var pixels = new byte[(long)list.Count * size];
        var quantizer = new PixelQuantizer(1f, "float images", parameterName);
        int count = 0;
        foreach (var image in list)
        {
            if (image is null || image.Length != size)
                throw new ArgumentException($"image {count} has {image?.Length.ToString() ?? "no"} values; {shape} needs {size}", parameterName);
            quantizer.Quantize(image, pixels.AsSpan(count * size, size));
            count++;
        }
        quantizer.Finish();
        return new ImageDataset(pixels, count, shape.Channels, shape.Height, shape.Width, name: $"{count} float images");
    }

    private SslOptions OptionsFor(ModelInput input, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(input, parameterName);
        if (!shapeFromData)
        {
            InputSchemaCheck.Require(ModelInput.For(Options), input, parameterName);
            return Options;
        }
        InputSchemaCheck.Require(new ModelInput(input.Channels, input.Height, input.Width), input, parameterName);
        var options = Options with { Channels = input.Channels, Height = input.Height, Width = input.Width };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{input.Channels}x{input.Height}x{input.Width} images do not suit this {options.MethodName} estimator: {e.Message}", parameterName, e);
        }
        return options;
    }
}
