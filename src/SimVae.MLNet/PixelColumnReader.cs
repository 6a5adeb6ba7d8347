using Microsoft.ML;
using Microsoft.ML.Data;
using SimVae.Data;
using SimVae.Export;
using SimVae.Methods;

namespace SimVae.MLNet;

/// <summary>
/// Reads an image column of an <see cref="IDataView"/> into the 8-bit <see cref="ImageDataset"/> training works on, in
/// one pass straight into one growing pixel array. Float pixels go through <see cref="PixelQuantizer"/> (range check,
/// double-scaling check, rounding); a row that cannot be read fails with its row number and ML.NET's reason.
/// </summary>
internal static class PixelColumnReader
{
    public static ImageDataset Read(IDataView data, string columnName, OnnxPixelType pixelType, float inputScale, SslOptions method, string parameterName)
    {
        var column = data.Schema[columnName];
        int size = PixelColumn.InputSize(method);
        string source = $"{method.MethodName} featurizer: column '{columnName}'";
        var quantizer = new PixelQuantizer(pixelType == OnnxPixelType.Byte ? 1f / 255f : inputScale, source, parameterName);
        var pixels = new byte[Math.Clamp(data.GetRowCount() ?? 1024, 1, Array.MaxLength / size) * size];
        int count = 0;
        // One cursor, not ML.NET's parallel split: a row that fails (an unreadable image file) then fails at its own position.
        using var cursor = data.GetRowCursorSet([column], 1).Single();
        var bytes = pixelType == OnnxPixelType.Byte ? cursor.GetGetter<VBuffer<byte>>(column) : null;
        var floats = pixelType == OnnxPixelType.Single ? cursor.GetGetter<VBuffer<float>>(column) : null;
        VBuffer<byte> byteRow = default;
        VBuffer<float> floatRow = default;
        var dense = new float[size];
        while (Advance(cursor, count, data, source))
        {
            if ((long)(count + 1) * size > pixels.Length)
            {
                long grown = Math.Min((long)pixels.Length * 2, (long)(Array.MaxLength / size) * size);
                if (grown < (long)(count + 1) * size)
                    throw new ArgumentOutOfRangeException(parameterName, $"{source}: more than {count} images do not fit in one training set (at most {Array.MaxLength} bytes of pixels)");
                Array.Resize(ref pixels, (int)grown);
            }
            var destination = pixels.AsSpan(count * size, size);
            if (bytes is not null)
            {
                Guard(() => bytes(ref byteRow), count, data, source);
                byteRow.CopyTo(destination);
            }
            else
            {
                Guard(() => floats!(ref floatRow), count, data, source);
                floatRow.CopyTo(dense);
                quantizer.Quantize(dense, destination);
            }
            count++;
        }
        if (count == 0) throw new ArgumentOutOfRangeException(parameterName, $"{source}: the data has no rows to train on");
        if (pixelType == OnnxPixelType.Single) quantizer.Finish();
        Array.Resize(ref pixels, count * size);
        return new ImageDataset(pixels, count, method.Channels, method.Height, method.Width, name: $"ML.NET column '{columnName}'");
    }

    private static bool Advance(DataViewRowCursor cursor, int row, IDataView data, string source)
    {
        bool more = false;
        Guard(() => more = cursor.MoveNext(), row, data, source);
        return more;
    }

    /// <summary>Runs one step of reading; an upstream failure (an unreadable image file, say) names the row and its text columns (the file path).</summary>
    private static void Guard(Action read, int row, IDataView data, string source)
    {
        try
        {
            read();
        }
        catch (Exception e)
        {
            var reason = e;
            while (reason.InnerException is not null) reason = reason.InnerException;
            throw new InvalidDataException($"{source}: row {row}{DescribeRow(data, row)} could not be read: {reason.Message}", e);
        }
    }

    /// <summary>The text columns of one row, e.g. " (ImagePath = 'a/1.png')"; empty when there are none or they cannot be read.</summary>
    private static string DescribeRow(IDataView data, int row)
    {
        var text = data.Schema.Where(c => !c.IsHidden && c.Type is TextDataViewType).ToList();
        if (text.Count == 0) return "";
        try
        {
            using var cursor = data.GetRowCursorSet(text, 1).Single();
            for (int i = 0; i <= row; i++)
                if (!cursor.MoveNext()) return "";
            var values = text.Select(c =>
            {
                ReadOnlyMemory<char> value = default;
                cursor.GetGetter<ReadOnlyMemory<char>>(c)(ref value);
                return $"{c.Name} = '{value}'";
            });
            return $" ({string.Join(", ", values)})";
        }
        catch (Exception)
        {
            return "";   // the description is a courtesy: the error being reported matters more
        }
    }
}
