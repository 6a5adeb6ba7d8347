using Microsoft.ML;
using Microsoft.ML.Data;
using SimVae.Export;
using SimVae.Methods;

namespace SimVae.MLNet;

/// <summary>
/// Checks that an image column is what a featurizer stage takes — a fixed-size vector of C·H·W Single or Byte values in
/// planar CHW order — and, when it is not, says which ImageAnalytics transform fixes it.
/// </summary>
internal static class PixelColumn
{
    /// <summary>Checks the column of <paramref name="schema"/>; returns its element type.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing, of the wrong type or of the wrong size.</exception>
    public static OnnxPixelType Check(DataViewSchema schema, string columnName, SslOptions method, string parameterName)
    {
        var column = schema.GetColumnOrNull(columnName)
            ?? throw Mismatch(parameterName, method, $"input column '{columnName}' not found; the data has {Describe(schema.Select(c => c.Name))}");
        if (column.Type is not VectorDataViewType vector || !IsPixelItem(vector.ItemType))
            throw Mismatch(parameterName, method, $"input column '{columnName}' must be {Expected(method)}; found {column.Type}{HintForType(column.Type)}");
        if (vector.Size != InputSize(method))
            throw Mismatch(parameterName, method, $"input column '{columnName}' must be {Expected(method)}; found {column.Type}" +
                (vector.Size == 0 ? HintForVariableSize(vector) : $" ({vector.Size} values){HintForSize(vector.Size, method)}"));
        return vector.ItemType == NumberDataViewType.Byte ? OnnxPixelType.Byte : OnnxPixelType.Single;
    }

    /// <summary>The same checks on a <see cref="SchemaShape"/>, which carries no vector sizes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing, scalar, a key, variable-size or of another item type.</exception>
    public static OnnxPixelType Check(SchemaShape shape, string columnName, SslOptions method, string parameterName)
    {
        var matches = shape.Where(c => c.Name == columnName).ToList();
        if (matches.Count == 0)
            throw Mismatch(parameterName, method, $"input column '{columnName}' not found; the data has {Describe(shape.Select(c => c.Name))}");
        var column = matches[^1];
        if (column.Kind == SchemaShape.Column.VectorKind.Scalar || column.IsKey || !IsPixelItem(column.ItemType))
            throw Mismatch(parameterName, method, $"input column '{columnName}' must be {Expected(method)}; found {column.Kind} of {column.ItemType}{(column.IsKey ? " (key)" : "")}{HintForType(column.ItemType)}");
        if (column.Kind == SchemaShape.Column.VectorKind.VariableVector)
            throw Mismatch(parameterName, method, $"input column '{columnName}' must be {Expected(method)}; found a vector of unknown size" +
                HintForVariableSize(new VectorDataViewType((PrimitiveDataViewType)column.ItemType)));
        return column.ItemType == NumberDataViewType.Byte ? OnnxPixelType.Byte : OnnxPixelType.Single;
    }

    /// <summary>C·H·W of the method's images.</summary>
    public static int InputSize(SslOptions method) => method.Channels * method.Height * method.Width;

    private static bool IsPixelItem(DataViewType type) => type == NumberDataViewType.Single || type == NumberDataViewType.Byte;

    private static string Expected(SslOptions m) =>
        $"a vector of {InputSize(m)} Single or Byte values (one {m.Channels}x{m.Height}x{m.Width} image, CHW order)";

    private static string HintForType(DataViewType type) =>
        type is TextDataViewType
            ? "; a text column of image paths needs mlContext.Transforms.LoadImages, ResizeImages and ExtractPixels before this stage"
            : type.RawType.Name == "MLImage"
                ? "; an image column needs mlContext.Transforms.ResizeImages and ExtractPixels before this stage"
                : "";

    private static string HintForVariableSize(VectorDataViewType vector) =>
        vector.ItemType == NumberDataViewType.Byte
            ? " (encoded image bytes, e.g. from LoadRawImageBytes, are not pixels: load the files with mlContext.Transforms.LoadImages, then ResizeImages and ExtractPixels)"
            : " (resize the images with ResizeImages before ExtractPixels, so that every row has the same size)";

    private static string HintForSize(int found, SslOptions m)
    {
        int plane = m.Height * m.Width;
        if (m.Channels == 1 && found == 3 * plane)
            return "; this looks like a colour image for a grey model: add mlContext.Transforms.ConvertToGrayscale(...) and extract one channel with " +
                   "ExtractPixels(..., colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red)";
        if (m.Channels == 3 && found == plane)
            return "; this looks like a grey image for a colour model: extract all three channels with ExtractPixels(..., colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Rgb)";
        if (found % plane != 0 || found / plane is not (1 or 3 or 4))
            return $"; resize the images to {m.Width}x{m.Height} with ResizeImages(..., imageWidth: {m.Width}, imageHeight: {m.Height}) before ExtractPixels";
        return found == 4 * plane ? "; extract without the alpha channel: ExtractPixels(..., colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Rgb)" : "";
    }

    private static ArgumentOutOfRangeException Mismatch(string parameterName, SslOptions method, string message) =>
        new(parameterName, $"{method.MethodName} featurizer: {message}");

    private static string Describe(IEnumerable<string> names)
    {
        var list = names.Distinct().ToList();
        return list.Count == 0 ? "no columns" : "columns " + string.Join(", ", list.Select(n => $"'{n}'"));
    }
}
