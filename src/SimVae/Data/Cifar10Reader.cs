using SimVae.IO;

namespace SimVae.Data;

/// <summary>
/// Reads the CIFAR-10 binary version (Krizhevsky 2009): each record is 1 label byte (0–9) followed by
/// 3072 pixel bytes — 1024 red, 1024 green, 1024 blue, each 32×32 row-major — which is exactly CHW.
/// Training batches are <c>data_batch_1.bin</c> … <c>data_batch_5.bin</c>, the test batch <c>test_batch.bin</c>.
/// </summary>
public static class Cifar10Reader
{
    /// <summary>Bytes per record: one label and 3×32×32 pixels.</summary>
    public const int RecordSize = 1 + ImageBytes;

    private const int ImageBytes = 3 * 32 * 32;

    /// <summary>Largest batch file read (1 GiB; the official batches hold 10,000 records, about 30 MB).</summary>
    public const long MaxFileBytes = 1L << 30;

    /// <summary>The CIFAR-10 class names, index = label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>Reads and concatenates the given batch files (all validated before anything is returned).</summary>
    /// <exception cref="DataSetFormatException">A file is missing, empty, not a whole number of records, or has a label above 9.</exception>
    public static ImageDataset Load(params string[] batchFiles) => Load(batchFiles, null);

    private static ImageDataset Load(string[] batchFiles, string? name)
    {
        if (batchFiles.Length == 0) throw new ArgumentException("no CIFAR-10 batch files given", nameof(batchFiles));
        var parts = new List<byte[]>();
        long records = 0;
        foreach (var path in batchFiles)
        {
            if (!File.Exists(path) && !Directory.Exists(path)) throw new DataSetFormatException(path, "file not found (expected a CIFAR-10 binary batch)");
            byte[] bytes;
            try { bytes = BoundedFile.ReadAll(path, MaxFileBytes, "CIFAR-10 batch"); }
            catch (Exception e) when (e is IOException or InvalidDataException) { throw new DataSetFormatException(path, e.Message, e); }
            if (bytes.Length == 0) throw new DataSetFormatException(path, "empty file (expected CIFAR-10 records of 3073 bytes)");
            if (bytes.Length % RecordSize != 0)
                throw new DataSetFormatException(path, $"size {bytes.Length} is not a whole number of {RecordSize}-byte CIFAR-10 records (truncated? {bytes.Length / RecordSize} whole records and {bytes.Length % RecordSize} bytes left over)");
            for (long r = 0; r < bytes.Length / RecordSize; r++)
            {
                byte label = bytes[r * RecordSize];
                if (label > 9) throw new DataSetFormatException(path, $"record {r} has label {label}; CIFAR-10 labels are 0..9 (is this the CIFAR-100 format?)");
            }
            parts.Add(bytes);
            records += bytes.Length / RecordSize;
        }
        if (records > int.MaxValue / ImageBytes) throw new DataSetFormatException(batchFiles[0], $"{records} records are too many for one data set");
        int n = (int)records;
        var pixels = new byte[(long)n * ImageBytes];
        var labels = new int[n];
        int k = 0;
        foreach (var bytes in parts)
            for (int offset = 0; offset < bytes.Length; offset += RecordSize, k++)
            {
                labels[k] = bytes[offset];
                Buffer.BlockCopy(bytes, offset + 1, pixels, k * ImageBytes, ImageBytes);
            }
        name ??= batchFiles.Length == 1 ? Path.GetFileName(batchFiles[0]) : $"CIFAR-10 ({batchFiles.Length} batches)";
        return new ImageDataset(pixels, n, 3, 32, 32, labels, ClassNames, name: name);
    }

    /// <summary>
    /// Loads the training split (<c>data_batch_1..5.bin</c>) or the test split (<c>test_batch.bin</c>) from a folder
    /// (also looks inside its <c>cifar-10-batches-bin</c> sub-folder, as the archive unpacks).
    /// </summary>
    /// <exception cref="DataSetFormatException">A batch file is missing or invalid.</exception>
    public static ImageDataset LoadSplit(string folder, bool train)
    {
        var nested = Path.Combine(folder, "cifar-10-batches-bin");
        if (!File.Exists(Path.Combine(folder, "test_batch.bin")) && Directory.Exists(nested)) folder = nested;
        var files = train
            ? Enumerable.Range(1, 5).Select(i => Path.Combine(folder, $"data_batch_{i}.bin")).ToArray()
            : [Path.Combine(folder, "test_batch.bin")];
        return Load(files, train ? "CIFAR-10 train" : "CIFAR-10 test");
    }
}
