using Microsoft.ML;
using Microsoft.ML.Data;
using SimVae.Pipelines;

namespace SimVae.MLNet;

/// <summary>
/// A fitted SimVae featurizer stage: appends the feature vector of the image in the input column. It is ML.NET's
/// CustomMapping transformer underneath (the only transformer an outside assembly can have saved and loaded by
/// ML.NET), with the stage's input checks in front. Save pipelines that hold it with
/// <see cref="SimVaeModelOperations.SaveWithSimVae(MLContext, ITransformer, DataViewSchema, string)"/>; a plain
/// <c>mlContext.Model.Save</c> is refused, because it would write the model without its encoder.
/// </summary>
public sealed class SslFeaturizingTransformer : ITransformer
{
    private readonly ITransformer inner;
    private readonly FeaturizerBinding binding;

    internal SslFeaturizingTransformer(ITransformer inner, FeaturizerBinding binding)
    {
        this.inner = inner;
        this.binding = binding;
    }

    /// <summary>The fitted featurizer (shared: do not dispose it while the pipeline is in use).</summary>
    public SslFeaturizerTransformer Featurizer => binding.Featurizer;

    /// <summary>The stage's columns and the hash of its model bundle.</summary>
    public StageDescription Stage => binding.Stage;

    /// <summary>The CustomMapping contract name ML.NET records for the stage; it pins the bundle's SHA-256.</summary>
    public string ContractName => binding.ContractName;

    internal FeaturizerBinding Binding => binding;

    /// <summary>Always true: the stage maps row by row.</summary>
    public bool IsRowToRowMapper => inner.IsRowToRowMapper;

    /// <summary>
    /// The schema after this stage: <paramref name="inputSchema"/> plus the feature column. Checks the input column's type
    /// and size first and fails with an <see cref="ArgumentOutOfRangeException"/> saying what was expected.
    /// </summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        Check(inputSchema, nameof(inputSchema));
        return inner.GetOutputSchema(inputSchema);
    }

    /// <summary>Appends the feature column (computed lazily, row by row, as ML.NET transforms do).</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Check(input.Schema, nameof(input));
        return inner.Transform(input);
    }

    /// <summary>The row-to-row mapper (for prediction engines), after the same checks as <see cref="GetOutputSchema"/>.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        Check(inputSchema, nameof(inputSchema));
        return inner.GetRowToRowMapper(inputSchema);
    }

    /// <summary>
    /// Writes the stage as ML.NET's CustomMapping (contract name and assembly) when called from
    /// <see cref="SimVaeModelOperations.SaveWithSimVae(MLContext, ITransformer, DataViewSchema, string)"/>, which then adds
    /// the encoder to the zip.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called from a plain <c>mlContext.Model.Save</c>.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        if (!SimVaeModelOperations.IsSaving)
            throw new InvalidOperationException(
                $"this pipeline holds a SimVae featurizer ('{Stage.InputColumn}' -> '{Stage.OutputColumn}') whose encoder mlContext.Model.Save cannot store; " +
                "save it with mlContext.SaveWithSimVae(model, inputSchema, path) (namespace SimVae.MLNet) and load it with mlContext.LoadWithSimVae(path, out inputSchema)");
        inner.Save(ctx);
    }

    /// <inheritdoc />
    public override string ToString() => $"SimVae {Featurizer.Options.MethodName} featurizer '{Stage.InputColumn}' -> '{Stage.OutputColumn}' ({Stage.FeatureLength} features)";

    private void Check(DataViewSchema schema, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(schema, parameterName);
        var type = SslFeaturizingEstimator.CheckColumn(schema, Stage.InputColumn, Featurizer.Options, $"{Featurizer.Options.MethodName} featurizer", parameterName);
        if (type != Stage.InputType)
            throw new ArgumentOutOfRangeException(parameterName,
                $"input column '{Stage.InputColumn}' holds {type} values but the featurizer was fitted on {Stage.InputType} values");
    }
}
