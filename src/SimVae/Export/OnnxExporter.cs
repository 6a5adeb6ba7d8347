using System.Reflection;
using Google.Protobuf;
using Onnx;
using SimVae.Backbones;
using SimVae.IO;
using SimVae.Methods;
using TorchSharp;

namespace SimVae.Export;

/// <summary>
/// Writes a model's encoder as an ONNX model that computes exactly what <see cref="SslModel.Encode"/> returns in eval mode
/// (what <c>Featurizer.Transform</c> gives), so it runs without libtorch (ONNX Runtime, ML.NET's <c>ApplyOnnxModel</c>).
/// Export depends on the model alone, not on the featurizer, which offers it as <c>Featurizer.ExportOnnx</c>.
/// <para>
/// The graph: input <see cref="OnnxExportOptions.InputName"/> of shape [batch, C·H·W] (batch symbolic), float32 or
/// uint8, one image's pixels per row in planar channel-height-width order (ML.NET's pixel vector); the scaling to
/// [0, 1] inside the graph (<c>Mul</c> by <see cref="OnnxExportOptions.InputScale"/>, or <c>Cast</c> + <c>Div</c> by
/// 255 for bytes); a <c>Reshape</c> to [batch, C, H, W] where the backbone needs images; the encoder in eval mode;
/// output <see cref="OnnxExportOptions.OutputName"/> of shape [batch, F], float32: the posterior mean μ(x) (a
/// <c>Slice</c> of the first d of the encoder's 2·d outputs) for the VAE family (SimVAE, VAE, β-VAE, CR-VAE), the
/// backbone output for the joint-embedding methods (SimCLR, VICReg, MoCo, BYOL, Barlow Twins, DINO; followed by the head when <see cref="JointEmbeddingModel.UseHeadOutput"/> is set, F then being the head's width; DINO's normalised head does not export)).
/// </para>
/// <para>
/// ONNX opset <see cref="Opset"/> (IR version <see cref="IrVersion"/>), default domain only. Operators: Cast, Mul,
/// Div, Reshape, Gemm (transB = 1), Conv, BatchNormalization (inference), Relu, LeakyRelu, Sigmoid, Tanh, Flatten,
/// GlobalAveragePool, Add, Slice, Identity. Weights are float32 initializers copied from the model (on any device).
/// Every backbone (<see cref="BackboneKind.Mlp"/>, <see cref="BackboneKind.Conv"/>, <see cref="BackboneKind.ResNet18"/>)
/// exports; a module type without a translation fails with a <see cref="NotSupportedException"/> naming it and its path.
/// </para>
/// </summary>
public static class OnnxExporter
{
    /// <summary>The ONNX operator set the graph uses (run by ONNX Runtime 1.6 and later, ML.NET's OnnxTransformer included).</summary>
    public const int Opset = 13;

    /// <summary>The ONNX IR version written (the one that goes with opset 13).</summary>
    public const long IrVersion = 7;

    /// <summary>The symbolic name of the batch dimension of the input and output.</summary>
    public const string BatchDimensionName = "batch";

    /// <summary>The symbolic name of the output's feature dimension, used only when the translation cannot tell its size.</summary>
    public const string FeatureDimensionName = "features";

    /// <summary>Writes the ONNX model to <paramref name="output"/> (which stays open).</summary>
    /// <param name="model">The model whose encoder to export (in eval mode).</param>
    /// <param name="output">A writable stream.</param>
    /// <param name="options">Input/output settings; null for the defaults.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="NotSupportedException">The model contains a module type without an ONNX translation.</exception>
    /// <exception cref="InvalidOperationException">The model is in training mode.</exception>
    public static void Export(SslModel model, Stream output, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        Build(model, options).WriteTo(output);
    }

    /// <summary>
    /// Writes the ONNX model to the file <paramref name="path"/>, replacing it. The graph is built before the file is
    /// touched and written through a temporary file beside it, so a failure leaves an existing file as it was.
    /// </summary>
    /// <inheritdoc cref="Export(SslModel, Stream, OnnxExportOptions?)"/>
    /// <param name="model">The model whose encoder to export (in eval mode).</param>
    /// <param name="path">The file to write (conventionally <c>.onnx</c>).</param>
    /// <param name="options">Input/output settings; null for the defaults.</param>
    public static void Export(SslModel model, string path, OnnxExportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var bytes = ExportToBytes(model, options);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>The ONNX model as bytes (a serialized <c>ModelProto</c>).</summary>
    /// <inheritdoc cref="Export(SslModel, Stream, OnnxExportOptions?)"/>
    /// <param name="model">The model whose encoder to export (in eval mode).</param>
    /// <param name="options">Input/output settings; null for the defaults.</param>
    public static byte[] ExportToBytes(SslModel model, OnnxExportOptions? options = null) => Build(model, options).ToByteArray();

    private static ModelProto Build(SslModel model, OnnxExportOptions? options)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new OnnxExportOptions();
        options.Validate();
        // Disposing a module disposes its parameters.
        ObjectDisposedException.ThrowIf(model.parameters().Any(p => p.IsInvalid), model);
        if (model.training)
            throw new InvalidOperationException("the model is in training mode; call eval() before exporting (features are defined in eval mode)");
        var o = model.Options;
        long pixels = (long)o.Channels * o.Height * o.Width;

        var graph = new OnnxGraphBuilder();
        graph.Reserve(options.InputName);
        graph.Reserve(options.OutputName);
        using var noGrad = torch.no_grad();
        var x = new OnnxValue(Scaled(graph, options), 4, FlatImage: true);
        var encoder = new EncoderTranslator(graph, o.Channels, o.Height, o.Width);
        var features = model switch
        {
            // Features are the posterior means: the first d of the encoder's 2·d outputs (VariationalModel.Posterior).
            VariationalModel => PosteriorMean(graph, encoder.Translate(EncoderTranslator.Child(model, "encoder"), "encoder", x), model.FeatureDimension),
            JointEmbeddingModel joint => TwoView(encoder, model, joint.UseHeadOutput, x),
            _ => throw new NotSupportedException($"ONNX export does not support models of type {model.GetType().FullName}; it exports VariationalModel (the VAE family) and JointEmbeddingModel (SimCLR, VICReg, MoCo, BYOL, Barlow Twins, DINO)"),
        };
        if (features.Rank != 2)
            throw new NotSupportedException($"the encoder of this {o.MethodName} model gives a {features.Rank}-D value; features must be [N, F]");
        graph.NodeTo("Identity", options.OutputName, [features.Name]);

        var input = options.PixelType == OnnxPixelType.Byte ? TensorProto.Types.DataType.Uint8 : TensorProto.Types.DataType.Float;
        graph.Graph.Name = $"simvae-{o.MethodName}-encoder";
        graph.Graph.Input.Add(OnnxGraphBuilder.Matrix(options.InputName, input, BatchDimensionName, pixels));
        graph.Graph.Output.Add(OnnxGraphBuilder.Matrix(options.OutputName, TensorProto.Types.DataType.Float, BatchDimensionName, features.Width));
        var result = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "SimVae",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "",
            DocString = $"{o.MethodName} encoder ({o.Backbone}) for {o.Channels}x{o.Height}x{o.Width} images: {options.InputName} [batch, {pixels}] " +
                        $"{input.ToString().ToLowerInvariant()} pixels, planar CHW -> {options.OutputName} [batch, {features.Width?.ToString() ?? FeatureDimensionName}] float",
            Graph = graph.Graph,
        };
        result.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        AddMetadata(result, "simvae.method", o.MethodName);
        AddMetadata(result, "simvae.backbone", o.Backbone.ToString());
        AddMetadata(result, "simvae.image_shape", $"{o.Channels}x{o.Height}x{o.Width}");
        AddMetadata(result, "simvae.pixel_type", options.PixelType.ToString());
        return result;
    }

    /// <summary>The input scaled to [0, 1] as the model was trained: ×scale for floats, uint8 → float / 255 for bytes (as <c>ImageDataset.ToTensor</c>).</summary>
    private static string Scaled(OnnxGraphBuilder graph, OnnxExportOptions options)
    {
        if (options.PixelType == OnnxPixelType.Byte)
        {
            var asFloat = graph.Node("Cast", "input", [options.InputName], OnnxGraphBuilder.Attribute("to", (long)TensorProto.Types.DataType.Float));
            return graph.Node("Div", "input", [asFloat, graph.FloatConstant("input.divisor", 255f)]);
        }
        return graph.Node("Mul", "input", [options.InputName, graph.FloatConstant("input.scale", options.InputScale)]);
    }

    private static OnnxValue TwoView(EncoderTranslator encoder, SslModel model, bool useHead, OnnxValue x)
    {
        var features = encoder.Translate(EncoderTranslator.Child(model, "backbone"), "backbone", x);
        return useHead ? encoder.Translate(EncoderTranslator.Child(model, "head"), "head", features) : features;
    }

    private static OnnxValue PosteriorMean(OnnxGraphBuilder graph, OnnxValue stats, int latent)
    {
        var inputs = new[] { stats.Name, graph.Int64Constant("posterior.starts", 0), graph.Int64Constant("posterior.ends", latent), graph.Int64Constant("posterior.axes", 1) };
        return stats with { Name = graph.Node("Slice", "posterior_mean", inputs), Width = latent };
    }

    private static void AddMetadata(ModelProto model, string key, string value) =>
        model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
}
