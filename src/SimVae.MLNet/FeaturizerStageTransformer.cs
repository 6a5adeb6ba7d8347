using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;
using SimVae.Methods;

namespace SimVae.MLNet;

/// <summary>
/// A fitted SimVae featurizer stage: appends the feature vector of the image in the input column, computed by the
/// trained encoder exported as ONNX. It is saved by a plain <c>mlContext.Model.Save</c> as ML.NET's own
/// <see cref="OnnxTransformer"/> (the ONNX graph travels inside the model zip; the decoder does not), so a plain
/// <c>mlContext.Model.Load</c> reads it back anywhere ONNX Runtime runs, without SimVae or libtorch.
/// The stage holds one ONNX Runtime session, the OnnxTransformer's, created by ML.NET's <c>ApplyOnnxModel</c> on the
/// device the <c>MLContext</c> names (<c>GpuDeviceId</c>, <c>FallbackToCpu</c>; the CPU by default). In-process,
/// <see cref="Transform"/> computes the features in batches through that session (<see cref="BatchedFeaturesDataView"/>),
/// with the same output schema as the saved stage; prediction engines use the OnnxTransformer row by row.
/// Dispose it (or the pipeline's <c>TransformerChain</c>) to free the session.
/// </summary>
public sealed class FeaturizerStageTransformer : ITransformer, IDisposable
{
    private readonly OnnxTransformer inner;
    private readonly BatchedOnnxSession? batched;
    private readonly byte[] onnxModel;

    internal FeaturizerStageTransformer(TransformsCatalog catalog, StageDescription stage, SslOptions method, byte[] onnxModel, IDataView input)
    {
        Stage = stage;
        Method = method;
        this.onnxModel = onnxModel;
        // No device argument: ApplyOnnxModel then takes the MLContext's GpuDeviceId and FallbackToCpu.
        using (var model = new MemoryStream(onnxModel, writable: false))
            inner = catalog.ApplyOnnxModel([stage.OutputColumn], [stage.InputColumn], model).Fit(input);
        batched = BatchedOnnxSession.TryCreate(inner, stage);
    }

    /// <summary>The stage's columns and sizes.</summary>
    public StageDescription Stage { get; }

    /// <summary>The settings of the method that learned the encoder (input shape included).</summary>
    public SslOptions Method { get; }

    /// <summary>The encoder as an ONNX model (what the saved zip holds): write it to a file to use it outside ML.NET.</summary>
    public ReadOnlyMemory<byte> OnnxModel => onnxModel;

    /// <summary>Always true: the stage maps row by row.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>
    /// The schema after this stage: <paramref name="inputSchema"/> plus the feature column (as the OnnxTransformer
    /// describes it: a vector of <see cref="StageDescription.FeatureLength"/> floats). Checks the input column first.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or of the wrong type or size; the message says what to add.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        Check(inputSchema, nameof(inputSchema));
        return inner.GetOutputSchema(inputSchema);
    }

    /// <summary>Whether <see cref="Transform"/> runs the encoder on batches of rows (true with the ML.NET this was built against).</summary>
    public bool IsBatched => batched is not null;

    /// <summary>Appends the feature column; features are computed lazily, a batch of rows at a time, as cursors move.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column does not fit the stage.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Check(input.Schema, nameof(input));
        var rowByRow = inner.Transform(input);
        return batched is null ? rowByRow : new BatchedFeaturesDataView(input, rowByRow, batched, Stage);
    }

    /// <summary>The OnnxTransformer's row-to-row mapper (for prediction engines), after the same checks as <see cref="GetOutputSchema"/>.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        Check(inputSchema, nameof(inputSchema));
        return ((ITransformer)inner).GetRowToRowMapper(inputSchema);
    }

    /// <summary>Writes the stage as the OnnxTransformer it is underneath: a plain <c>mlContext.Model.Load</c> gives that back.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)inner).Save(ctx);

    /// <summary>Frees the ONNX Runtime session.</summary>
    public void Dispose() => inner.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"SimVae {Method.MethodName} featurizer '{Stage.InputColumn}' -> '{Stage.OutputColumn}' ({Stage.FeatureLength} features, ONNX)";

    private void Check(DataViewSchema schema, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(schema, parameterName);
        var type = PixelColumn.Check(schema, Stage.InputColumn, Method, parameterName);
        if (type != Stage.PixelType)
            throw new ArgumentOutOfRangeException(parameterName,
                $"input column '{Stage.InputColumn}' holds {type} values but the featurizer was fitted on {Stage.PixelType} values");
    }
}
