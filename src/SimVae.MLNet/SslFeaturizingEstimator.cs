using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using SimVae.Data;
using SimVae.Methods;
using SimVae.Pipelines;

namespace SimVae.MLNet;

/// <summary>
/// An ML.NET estimator that learns an image featurizer without labels (SimVAE, VAE, β-VAE, SimCLR or VICReg) from the
/// images in its input column and returns a <see cref="SslFeaturizingTransformer"/> that appends their feature
/// vectors. Create it with <see cref="SimVaeTransformsCatalog"/>'s extensions, e.g.
/// <c>mlContext.Transforms.SimVaeFeaturize("Features", "Pixels", options)</c>.
/// <list type="table">
/// <listheader><term>column</term><description>type</description></listheader>
/// <item><term>input</term><description><c>Vector&lt;Single, C·H·W&gt;</c> or <c>Vector&lt;Byte, C·H·W&gt;</c>, one image per row in planar CHW order.</description></item>
/// <item><term>output</term><description><c>Vector&lt;Single, d&gt;</c>, the features.</description></item>
/// </list>
/// Save fitted pipelines with <see cref="SimVaeModelOperations.SaveWithSimVae(MLContext, ITransformer, DataViewSchema, string)"/>,
/// which stores the encoder inside ML.NET's model zip, and load them with
/// <see cref="SimVaeModelOperations.LoadWithSimVae(MLContext, string, out DataViewSchema, Torch.Device?)"/>.
/// </summary>
public sealed class SslFeaturizingEstimator : IEstimator<SslFeaturizingTransformer>
{
    private readonly TransformsCatalog catalog;
    private readonly SslFeaturizeOptions? options;
    private readonly SslFeaturizerTransformer? pretrained;
    private readonly float inputScale;

    internal SslFeaturizingEstimator(TransformsCatalog catalog, string outputColumnName, string inputColumnName, SslFeaturizeOptions options)
        : this(catalog, outputColumnName, inputColumnName, options.MethodOptions, options.InputScale)
    {
        options.Validate();
        this.options = options;
    }

    internal SslFeaturizingEstimator(TransformsCatalog catalog, string outputColumnName, string inputColumnName, SslFeaturizerTransformer pretrained, float inputScale)
        : this(catalog, outputColumnName, inputColumnName, pretrained.Options, inputScale)
    {
        if (!(inputScale > 0) || !float.IsFinite(inputScale)) throw new ArgumentOutOfRangeException(nameof(inputScale), inputScale, "inputScale must be a positive number");
        this.pretrained = pretrained;
    }

    private SslFeaturizingEstimator(TransformsCatalog catalog, string outputColumnName, string inputColumnName, SslOptions method, float inputScale)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(inputColumnName);
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

    private int InputSize => Method.Channels * Method.Height * Method.Width;

    private string Name => $"{Method.MethodName} featurizer";

    /// <summary>
    /// Checks the input column (present, a vector of Single or Byte) and returns the schema with the output column
    /// added. SchemaShape does not carry vector sizes; the size (C·H·W) is checked by <see cref="Fit"/> and by the
    /// transformer's <see cref="SslFeaturizingTransformer.GetOutputSchema(DataViewSchema)"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or has the wrong type; the message says what was expected.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var matches = inputSchema.Where(c => c.Name == InputColumnName).ToList();
        if (matches.Count == 0)
            throw Mismatch(nameof(inputSchema), $"input column '{InputColumnName}' not found; the data has {Describe(inputSchema.Select(c => c.Name))}");
        var column = matches[^1];
        var itemType = column.ItemType as NumberDataViewType;
        if (column.Kind == SchemaShape.Column.VectorKind.Scalar || column.IsKey || (itemType != NumberDataViewType.Single && itemType != NumberDataViewType.Byte))
            throw Mismatch(nameof(inputSchema), $"input column '{InputColumnName}' must be {Expected}; found {column.Kind} of {column.ItemType}{(column.IsKey ? " (key)" : "")}");
        if (column.Kind == SchemaShape.Column.VectorKind.VariableVector)
            throw Mismatch(nameof(inputSchema), $"input column '{InputColumnName}' must be {Expected}; found a vector of unknown size (resize the images and use ExtractPixels, or give the column a fixed size)");
        return SchemaPreview.OutputSchema(catalog, inputSchema, InputColumnName, OutputColumnName, itemType == NumberDataViewType.Byte, InputSize, Method.LatentDim);
    }

    /// <summary>
    /// Trains the featurizer on the images in the input column (every row; other columns, labels included, are not
    /// read) — or, when the estimator wraps an already fitted featurizer, only checks the column — and returns the
    /// transformer.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing, has the wrong type or size, or holds values outside [0, 1] after scaling.</exception>
    public SslFeaturizingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var pixelType = CheckColumn(input.Schema, InputColumnName, Method, Name, nameof(input));
        SslFeaturizerTransformer featurizer;
        bool owned = pretrained is null;
        if (pretrained is null)
        {
            var o = options!;
            var images = ReadImages(input, pixelType);
            var ssl = new SslContext(o.Seed, o.Device);
            if (o.Log is { } log) ssl.Log += (_, e) => log(e.ToString());
            var featurizers = ssl.Featurizers;
            var estimator = o.MethodOptions switch
            {
                SimVaeOptions m => featurizers.SimVae(m, o.FitOptions),
                SimClrOptions m => featurizers.SimClr(m, o.FitOptions),
                VicRegOptions m => featurizers.VicReg(m, o.FitOptions),
                var m => throw new NotSupportedException($"no estimator for {m.GetType().Name}"),
            };
            featurizer = estimator.Fit(images);
        }
        else
        {
            featurizer = pretrained;
        }

        byte[] bundle;
        using (var buffer = new MemoryStream())
        {
            featurizer.Save(buffer);
            bundle = buffer.ToArray();
        }
        var stage = new StageDescription(InputColumnName, OutputColumnName, pixelType, InputSize, featurizer.OutputSchema.Length, inputScale,
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bundle)));
        bool created = false;
        var binding = FeaturizerBinding.GetOrAdd(stage, bundle, () => { created = true; return featurizer; });
        if (owned && !created) featurizer.Dispose();
        var inner = (ITransformer)FitInnerMethod.MakeGenericMethod(binding.InputType, binding.OutputType).Invoke(null, [catalog, binding, input])!;
        return new SslFeaturizingTransformer(inner, binding);
    }

    /// <summary>Checks that <paramref name="schema"/> has the image column the method expects; returns its element type.</summary>
    internal static PixelType CheckColumn(DataViewSchema schema, string columnName, SslOptions method, string what, string parameterName)
    {
        int size = method.Channels * method.Height * method.Width;
        string expected = ExpectedFor(method);
        var column = schema.GetColumnOrNull(columnName)
            ?? throw Mismatch(parameterName, $"{what}: input column '{columnName}' not found; the data has {Describe(schema.Select(c => c.Name))}");
        if (column.Type is not VectorDataViewType vector || (vector.ItemType != NumberDataViewType.Single && vector.ItemType != NumberDataViewType.Byte))
            throw Mismatch(parameterName, $"{what}: input column '{columnName}' must be {expected}; found {column.Type}");
        if (vector.Size != size)
            throw Mismatch(parameterName, $"{what}: input column '{columnName}' must be {expected}; found {column.Type}" +
                (vector.Size == 0 ? " of unknown size" : $" ({vector.Size} values)"));
        return vector.ItemType == NumberDataViewType.Byte ? PixelType.Byte : PixelType.Single;
    }

    private string Expected => ExpectedFor(Method);

    private static string ExpectedFor(SslOptions m) =>
        $"a vector of {m.Channels * m.Height * m.Width} Single or Byte values (one {m.Channels}x{m.Height}x{m.Width} image, CHW order)";

    private static ArgumentOutOfRangeException Mismatch(string parameterName, string message) => new(parameterName, message);

    private static string Describe(IEnumerable<string> names)
    {
        var list = names.Distinct().ToList();
        return list.Count == 0 ? "no columns" : "columns " + string.Join(", ", list.Select(n => $"'{n}'"));
    }

    private ImageDataset ReadImages(IDataView input, PixelType pixelType)
    {
        var column = input.Schema[InputColumnName];
        int size = InputSize;
        var pixels = new List<byte>();
        int count = 0;
        using var cursor = input.GetRowCursor([column]);
        if (pixelType == PixelType.Byte)
        {
            var getter = cursor.GetGetter<VBuffer<byte>>(column);
            VBuffer<byte> row = default;
            while (cursor.MoveNext())
            {
                getter(ref row);
                foreach (var b in row.DenseValues()) pixels.Add(b);
                count++;
            }
        }
        else
        {
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> row = default;
            while (cursor.MoveNext())
            {
                getter(ref row);
                int i = 0;
                foreach (var v in row.DenseValues())
                {
                    float scaled = v * inputScale;
                    if (!(scaled >= -1e-3f && scaled <= 1.001f))
                        throw Mismatch(nameof(input),
                            $"{Name}: row {count} of column '{InputColumnName}' holds {v} at index {i}, which times InputScale {inputScale} is outside [0, 1]; set InputScale so that pixels map to [0, 1] (1/255 for ExtractPixels' default 0–255 output)");
                    pixels.Add((byte)MathF.Round(Math.Clamp(scaled, 0f, 1f) * 255f));
                    i++;
                }
                count++;
            }
        }
        if (pixels.Count != (long)count * size) throw new InvalidOperationException($"read {pixels.Count} values for {count} rows of {size}");
        return new ImageDataset(pixels.ToArray(), count, Method.Channels, Method.Height, Method.Width, name: $"ML.NET column '{InputColumnName}'");
    }

    private static readonly MethodInfo FitInnerMethod = typeof(SslFeaturizingEstimator).GetMethod(nameof(FitInner), BindingFlags.NonPublic | BindingFlags.Static)!;

    private static ITransformer FitInner<TSrc, TDst>(TransformsCatalog catalog, FeaturizerBinding binding, IDataView input)
        where TSrc : class, new()
        where TDst : class, new() =>
        catalog.CustomMapping(binding.Mapping<TSrc, TDst>(), binding.ContractName).Fit(input);
}

/// <summary>Output schemas of featurizer stages before fitting, from CustomMapping with runtime schema definitions.</summary>
internal static class SchemaPreview
{
    /// <summary>Placeholder input row (float pixels); renamed and sized through a SchemaDefinition.</summary>
    public sealed class FloatRow
    {
        public float[]? Pixels { get; set; }
    }

    /// <summary>Placeholder input row (byte pixels).</summary>
    public sealed class ByteRow
    {
        public byte[]? Pixels { get; set; }
    }

    /// <summary>Placeholder output row.</summary>
    public sealed class FeatureRow
    {
        public float[]? Features { get; set; }
    }

    public static SchemaShape OutputSchema(TransformsCatalog catalog, SchemaShape input, string inputColumn, string outputColumn, bool bytes, int inputSize, int features)
    {
        var inputDefinition = SchemaDefinition.Create(bytes ? typeof(ByteRow) : typeof(FloatRow), SchemaDefinition.Direction.Read);
        inputDefinition[0].ColumnName = inputColumn;
        inputDefinition[0].ColumnType = new VectorDataViewType(bytes ? NumberDataViewType.Byte : NumberDataViewType.Single, inputSize);
        var outputDefinition = SchemaDefinition.Create(typeof(FeatureRow), SchemaDefinition.Direction.Write);
        outputDefinition[0].ColumnName = outputColumn;
        outputDefinition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
        return bytes
            ? catalog.CustomMapping<ByteRow, FeatureRow>((_, _) => { }, null, inputDefinition, outputDefinition).GetOutputSchema(input)
            : catalog.CustomMapping<FloatRow, FeatureRow>((_, _) => { }, null, inputDefinition, outputDefinition).GetOutputSchema(input);
    }
}
