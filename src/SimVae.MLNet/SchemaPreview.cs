using Microsoft.ML;
using Microsoft.ML.Data;
using SimVae.Export;

namespace SimVae.MLNet;

/// <summary>
/// Output schemas of featurizer stages before fitting. <c>SchemaShape.Column</c>'s constructor is internal to ML.NET, so
/// the shape comes from a CustomMapping with runtime schema definitions (never fitted, never saved).
/// </summary>
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

    public static SchemaShape OutputSchema(TransformsCatalog catalog, SchemaShape input, string inputColumn, string outputColumn, OnnxPixelType pixelType, int inputSize, int features)
    {
        bool bytes = pixelType == OnnxPixelType.Byte;
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
