using Microsoft.ML;
using Microsoft.ML.Data;
using SimVae.Engine;
using SimVae.Export;
using SimVae.Featurization;
using SimVae.Methods;
using SimVae.Training;

namespace SimVae.MLNet;

/// <summary>
/// An ML.NET estimator that learns an image featurizer without labels (any method of SimVae.Methods.SslMethods) from the
/// images in its input column and returns a <see cref="FeaturizerStageTransformer"/> that appends their feature
/// vectors. Create it with <see cref="SimVaeTransformsCatalog"/>'s extensions, e.g.
/// <c>mlContext.Transforms.SimVaeFeaturize("Features", "Pixels", options)</c>.
/// <list type="table">
/// <listheader><term>column</term><description>type</description></listheader>
/// <item><term>input</term><description><c>Vector&lt;Single, C·H·W&gt;</c> or <c>Vector&lt;Byte, C·H·W&gt;</c>, one image per row in planar CHW order.</description></item>
/// <item><term>output</term><description><c>Vector&lt;Single, F&gt;</c>, the features.</description></item>
/// </list>
/// <c>Fit</c> trains with TorchSharp (libtorch, CPU or CUDA) through the core <see cref="Trainer"/> and exports the encoder
/// as ONNX; the fitted pipeline is saved and loaded with plain <c>mlContext.Model.Save</c> / <c>Load</c>, and consuming it
/// needs neither TorchSharp nor libtorch.
/// </summary>
public sealed class FeaturizerStageEstimator : IEstimator<FeaturizerStageTransformer>
{
    private readonly TransformsCatalog catalog;
    private readonly SslFeaturizeOptions? options;
    private readonly Featurizer? pretrained;
    private readonly float inputScale;

    internal FeaturizerStageEstimator(TransformsCatalog catalog, string outputColumnName, string inputColumnName, SslFeaturizeOptions options)
        : this(catalog, outputColumnName, inputColumnName, options.MethodOptions, options.InputScale)
    {
        options.Validate();
        this.options = options;
    }

    internal FeaturizerStageEstimator(TransformsCatalog catalog, string outputColumnName, string inputColumnName, Featurizer pretrained, float inputScale)
        : this(catalog, outputColumnName, inputColumnName, pretrained.Options, inputScale)
    {
        if (!(inputScale > 0) || !float.IsFinite(inputScale)) throw new ArgumentOutOfRangeException(nameof(inputScale), inputScale, "inputScale must be a positive number");
        this.pretrained = pretrained;
    }

    private FeaturizerStageEstimator(TransformsCatalog catalog, string outputColumnName, string inputColumnName, SslOptions method, float inputScale)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(inputColumnName);
        // The ONNX graph names its input and output after the columns, and a graph cannot use one name for both.
        if (outputColumnName == inputColumnName)
            throw new ArgumentException($"the feature column must differ from the image column ('{inputColumnName}'); name it e.g. 'Features'", nameof(outputColumnName));
        this.catalog = catalog;
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        Method = method;
        this.inputScale = inputScale;
    }

    /// <summary>The column the features are written to.</summary>
    public string OutputColumnName { get; }

    /// <summary>The column the images are read from.</summary>
    public string InputColumnName { get; }

    /// <summary>The method's settings, input shape included.</summary>
    public SslOptions Method { get; }

    /// <summary>
    /// Checks the input column (present, a fixed-size vector of Single or Byte) and returns the schema with the output
    /// column added. SchemaShape does not carry vector sizes; the size (C·H·W) is checked by <see cref="Fit"/> and by the
    /// transformer's <see cref="FeaturizerStageTransformer.GetOutputSchema(DataViewSchema)"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or has the wrong type; the message says what was expected.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var pixelType = PixelColumn.Check(inputSchema, InputColumnName, Method, nameof(inputSchema));
        return SchemaPreview.OutputSchema(catalog, inputSchema, InputColumnName, OutputColumnName, pixelType, PixelColumn.InputSize(Method), Method.LatentDim);
    }

    /// <summary>
    /// Trains the featurizer on the images in the input column (every row; other columns, labels included, are not
    /// read) — or, when the estimator wraps an already fitted featurizer, only checks the column — then exports its
    /// encoder as ONNX and returns the stage that runs it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or has the wrong type or size.</exception>
    /// <exception cref="ArgumentException">Float pixels times the input scale lie outside [0, 1], or look scaled twice.</exception>
    /// <exception cref="InvalidDataException">A row cannot be read (an unreadable image file, say); the message names the row.</exception>
    public FeaturizerStageTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var pixelType = PixelColumn.Check(input.Schema, InputColumnName, Method, nameof(input));
        var model = pretrained?.Model ?? Train(input, pixelType);
        try
        {
            var stage = new StageDescription(InputColumnName, OutputColumnName, pixelType, PixelColumn.InputSize(Method), model.FeatureDimension,
                pixelType == OnnxPixelType.Byte ? 1f / 255f : inputScale);
            var onnx = OnnxExporter.ExportToBytes(model, new OnnxExportOptions
            {
                PixelType = pixelType, InputScale = stage.InputScale, InputName = InputColumnName, OutputName = OutputColumnName,
            });
            return new FeaturizerStageTransformer(catalog, stage, Method, onnx, input);
        }
        finally
        {
            // The trained model (decoder included) is not needed once its encoder is exported.
            if (pretrained is null) model.Dispose();
        }
    }

    /// <summary>Reads the image column and trains the method on it; returns the model in eval mode.</summary>
    private SslModel Train(IDataView input, OnnxPixelType pixelType)
    {
        var o = options!;
        var images = PixelColumnReader.Read(input, InputColumnName, pixelType, inputScale, Method, nameof(input));
        var trainerOptions = o.TrainerOptions;
        var trainer = new Trainer(trainerOptions);
        string source = $"[{Method.MethodName} featurizer]";
        if (o.Log is { } log)
        {
            trainer.Progress += p => log($"{source} step {p.Step}/{p.TotalSteps} (epoch {p.Epoch}): " +
                string.Join(", ", p.Losses.Select(l => $"{l.Key} {l.Value:G5}")) + $", {p.ViewsPerSecond:F0} views/s");
            log($"{source} training on {images} ({trainerOptions.Device.Name()}, {PrecisionPolicy.Name(trainer.Precision)}, seed {o.Seed})");
        }
        var model = trainer.CreateModel(Method);
        try
        {
            trainer.Train(model, images);
            model.eval();
            o.Log?.Invoke($"{source} training done");
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
