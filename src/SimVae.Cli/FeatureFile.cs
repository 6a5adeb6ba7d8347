using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using SimVae.Featurization;
using SimVae.IO;

namespace SimVae.Cli;

/// <summary>Output formats of <c>simvae featurize</c>.</summary>
internal enum FeatureFormat
{
    /// <summary>CSV, one row per image.</summary>
    Csv,
    /// <summary>The little-endian binary matrix described on <see cref="FeatureFile"/>.</summary>
    Binary,
}

/// <summary>
/// Writes (and reads back) feature matrices.
/// <para><b>CSV</b>: a header <c>index,label,f0,f1,…</c> (no <c>label</c> column when the data set has no labels), then one
/// line per image: its index in the data set, its label, its features (invariant culture, shortest round-trip form).</para>
/// <para><b>Binary</b> (version 1), all little-endian: a 24-byte header — the 8 ASCII bytes <c>SVFEAT01</c>, int32
/// version (1), int32 N (rows), int32 F (columns), int32 flags (bit 0: labels present) — then, if labels are present,
/// N int32 labels, then N·F float32 features, row-major. Image i is row i.</para>
/// </summary>
internal static class FeatureFile
{
    /// <summary>The magic bytes at the start of a binary feature file.</summary>
    public static ReadOnlySpan<byte> Magic => "SVFEAT01"u8;

    /// <summary>The binary format version written.</summary>
    public const int Version = 1;

    /// <summary>Size of the binary header in bytes.</summary>
    public const int HeaderBytes = 24;

    /// <summary>The format for <paramref name="requested"/> ("auto" picks by extension: .csv is CSV, anything else binary).</summary>
    public static FeatureFormat Resolve(string requested, string path) => requested switch
    {
        "csv" => FeatureFormat.Csv,
        "binary" => FeatureFormat.Binary,
        "auto" => Path.GetExtension(path).Equals(".csv", StringComparison.OrdinalIgnoreCase) ? FeatureFormat.Csv : FeatureFormat.Binary,
        _ => throw CliException.Usage($"unknown format '{requested}': expected auto, csv or binary"),
    };

    /// <summary>Writes <paramref name="features"/> (and <paramref name="labels"/>, if any) to <paramref name="path"/>, atomically.</summary>
    public static void Write(string path, FeatureFormat format, FeatureMatrix features, ReadOnlySpan<int> labels)
    {
        if (!labels.IsEmpty && labels.Length != features.Rows)
            throw new ArgumentException($"{labels.Length} labels for {features.Rows} rows", nameof(labels));
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(folder)) throw CliException.Input($"cannot write '{path}': folder '{folder}' does not exist");
        var labelArray = labels.ToArray();
        AtomicFile.Write(full, stream =>
        {
            if (format == FeatureFormat.Csv) WriteCsv(stream, features, labelArray);
            else WriteBinary(stream, features, labelArray);
        });
    }

    private static void WriteCsv(Stream stream, FeatureMatrix features, ReadOnlySpan<int> labels)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        var line = new StringBuilder("index");
        if (!labels.IsEmpty) line.Append(",label");
        for (int j = 0; j < features.Columns; j++) line.Append(",f").Append(j.ToString(CultureInfo.InvariantCulture));
        writer.WriteLine(line);
        for (int i = 0; i < features.Rows; i++)
        {
            line.Clear().Append(i.ToString(CultureInfo.InvariantCulture));
            if (!labels.IsEmpty) line.Append(',').Append(labels[i].ToString(CultureInfo.InvariantCulture));
            foreach (var v in features.Row(i)) line.Append(',').Append(v.ToString("R", CultureInfo.InvariantCulture));
            writer.WriteLine(line);
        }
    }

    private static void WriteBinary(Stream stream, FeatureMatrix features, ReadOnlySpan<int> labels)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], features.Rows);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], features.Columns);
        BinaryPrimitives.WriteInt32LittleEndian(header[20..], labels.IsEmpty ? 0 : 1);
        stream.Write(header);
        var buffer = new byte[4 * Math.Max(features.Columns, 1024)];
        for (int start = 0; start < labels.Length; start += 1024)
        {
            int n = Math.Min(1024, labels.Length - start);
            for (int k = 0; k < n; k++) BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(4 * k), labels[start + k]);
            stream.Write(buffer, 0, 4 * n);
        }
        for (int i = 0; i < features.Rows; i++)
        {
            var row = features.Row(i);
            for (int j = 0; j < row.Length; j++) BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(4 * j), row[j]);
            stream.Write(buffer, 0, 4 * row.Length);
        }
    }

    /// <summary>Reads a binary feature file, validating the header against the file's length.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid feature file.</exception>
    public static (FeatureMatrix Features, int[]? Labels) ReadBinary(string path)
    {
        var bytes = File.ReadAllBytes(path);
        InvalidDataException Fail(string problem) => new($"'{path}' is not a SimVae feature file: {problem}");
        if (bytes.Length < HeaderBytes || !bytes.AsSpan(0, 8).SequenceEqual(Magic)) throw Fail("wrong magic bytes");
        int version = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        int rows = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        int columns = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(16));
        int flags = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(20));
        if (version != Version) throw Fail($"version {version} (this tool reads {Version})");
        if (rows < 0 || columns < 0 || (flags & ~1) != 0) throw Fail("invalid header");
        bool hasLabels = (flags & 1) != 0;
        long expected = HeaderBytes + (hasLabels ? 4L * rows : 0) + 4L * rows * columns;
        if (bytes.LongLength != expected) throw Fail($"{bytes.LongLength} bytes, the header describes {expected}");
        int offset = HeaderBytes;
        int[]? labels = null;
        if (hasLabels)
        {
            labels = new int[rows];
            for (int i = 0; i < rows; i++, offset += 4) labels[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
        }
        var values = new float[(long)rows * columns];
        for (long i = 0; i < values.LongLength; i++, offset += 4) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(offset));
        return (new FeatureMatrix(values, rows, columns), labels);
    }
}
