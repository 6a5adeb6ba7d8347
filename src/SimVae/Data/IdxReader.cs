using SimVae.IO;
using System.Buffers.Binary;
using System.IO.Compression;

namespace SimVae.Data;

/// <summary>
/// Reads the IDX format of MNIST and FashionMNIST (LeCun et al.): a big-endian header — two zero bytes, the type
/// code 0x08 (unsigned byte), the number of dimensions, then one 32-bit size per dimension — followed by the data.
/// Images are magic 0x00000803 (N×H×W), labels 0x00000801 (N). Files may be gzip-compressed (detected by their
/// first bytes, not by name). Everything is validated; a bad file throws <see cref="DataSetFormatException"/>.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of an IDX file of unsigned-byte images (3 dimensions).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned-byte labels (1 dimension).</summary>
    public const int LabelsMagic = 0x00000801;

    private const int MaxSide = 4096;
    private const long MaxBytes = 1L << 31;

    /// <summary>Reads an images file: returns the pixels (N·H·W bytes), N, H and W.</summary>
    /// <exception cref="DataSetFormatException">Wrong magic number, bad dimensions, truncated or oversized data.</exception>
    public static (byte[] Pixels, int Count, int Height, int Width) ReadImages(string path)
    {
        var (dims, data) = Read(path, ImagesMagic, 3, "images");
        if (dims[1] < 1 || dims[2] < 1 || dims[1] > MaxSide || dims[2] > MaxSide)
            throw new DataSetFormatException(path, $"unsupported image size {dims[1]}x{dims[2]} (each side must be 1..{MaxSide})");
        return (data, dims[0], dims[1], dims[2]);
    }

    /// <summary>Reads a labels file: one byte per item.</summary>
    /// <exception cref="DataSetFormatException">Wrong magic number, truncated or oversized data.</exception>
    public static byte[] ReadLabels(string path) => Read(path, LabelsMagic, 1, "labels").Data;

    /// <summary>
    /// Loads images and (optionally) labels into an <see cref="ImageDataset"/> (1 channel), checking that the counts agree.
    /// </summary>
    /// <exception cref="DataSetFormatException">A file is invalid, or the label count differs from the image count.</exception>
    public static ImageDataset Load(string imagesPath, string? labelsPath = null, IReadOnlyList<string>? classNames = null, string? name = null)
    {
        var (pixels, count, height, width) = ReadImages(imagesPath);
        int[]? labels = null;
        if (labelsPath is not null)
        {
            var raw = ReadLabels(labelsPath);
            if (raw.Length != count)
                throw new DataSetFormatException(labelsPath, $"holds {raw.Length} labels but {imagesPath} holds {count} images");
            labels = new int[raw.Length];
            for (int k = 0; k < raw.Length; k++)
            {
                labels[k] = raw[k];
                if (classNames is { Count: > 0 } && raw[k] >= classNames.Count)
                    throw new DataSetFormatException(labelsPath, $"label {raw[k]} at item {k} is outside the {classNames.Count} classes");
            }
        }
        return new ImageDataset(pixels, count, 1, height, width, labels, classNames, name: name ?? Path.GetFileName(imagesPath));
    }

    private static (int[] Dims, byte[] Data) Read(string path, int expectedMagic, int expectedRank, string what)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) throw new DataSetFormatException(path, $"file not found (expected IDX {what})");
        FileStream file;
        try { file = BoundedFile.OpenRead(path, $"IDX {what} file"); }
        catch (Exception e) when (e is IOException or InvalidDataException) { throw new DataSetFormatException(path, e.Message, e); }
        byte[] head;
        try
        {
            using var _ = file;
            bool gzip = file.Length >= 2 && file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
            file.Position = 0;
            using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
            string kind = gzip ? "gzip-compressed IDX" : "IDX";

            head = new byte[4];
            if (ReadFully(stream, head) < 4)
                throw new DataSetFormatException(path, $"truncated {kind} file: shorter than the 4-byte magic number");
            int magic = BinaryPrimitives.ReadInt32BigEndian(head);
            if (magic != expectedMagic)
            {
                string hint = magic == ImagesMagic ? " (this is an images file)" : magic == LabelsMagic ? " (this is a labels file)" : "";
                throw new DataSetFormatException(path, $"wrong magic number 0x{magic:X8}{hint}; expected 0x{expectedMagic:X8} for IDX {what} of unsigned bytes");
            }
            var dimBytes = new byte[4 * expectedRank];
            if (ReadFully(stream, dimBytes) < dimBytes.Length)
                throw new DataSetFormatException(path, $"truncated {kind} file: header ends before its {expectedRank} dimension sizes");
            var dims = new int[expectedRank];
            long total = 1;
            for (int d = 0; d < expectedRank; d++)
            {
                dims[d] = BinaryPrimitives.ReadInt32BigEndian(dimBytes.AsSpan(4 * d));
                if (dims[d] < 0) throw new DataSetFormatException(path, $"negative size {dims[d]} in dimension {d}");
                total *= dims[d];
                if (total > MaxBytes) throw new DataSetFormatException(path, $"dimensions [{string.Join(", ", dims.Take(d + 1))}] describe more than {MaxBytes} bytes");
            }
            // Check the stated size against the file before allocating it: a raw file's length, a gzip file's trailer.
            long headerBytes = 4 + dimBytes.Length;
            if (!gzip && file.Length - headerBytes < total)
                throw new DataSetFormatException(path, $"truncated {kind} file: header [{string.Join(", ", dims)}] needs {total} data bytes, found {file.Length - headerBytes}");
            if (gzip && GzipSize(file) is { } stated && stated != headerBytes + total)
                throw new DataSetFormatException(path, stated < headerBytes + total
                    ? $"truncated {kind} file: header [{string.Join(", ", dims)}] needs {total} data bytes, found {Math.Max(0, stated - headerBytes)} (by its gzip trailer); refused before inflating"
                    : $"header [{string.Join(", ", dims)}] describes {headerBytes + total} bytes but the gzip trailer says the file inflates to {stated}; refused before inflating");
            var data = new byte[total];
            int got = ReadFully(stream, data);
            if (got < total)
                throw new DataSetFormatException(path, $"truncated {kind} file: header [{string.Join(", ", dims)}] needs {total} data bytes, found {got}");
            if (stream.ReadByte() != -1)
                throw new DataSetFormatException(path, $"unexpected data after the {total} bytes that header [{string.Join(", ", dims)}] describes");
            return (dims, data);
        }
        catch (InvalidDataException e)
        {
            throw new DataSetFormatException(path, $"corrupt gzip stream: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new DataSetFormatException(path, $"could not be read: {e.Message}", e);
        }
    }

    /// <summary>The uncompressed size (mod 2³²) a gzip file's last 4 bytes state; null for a file too short to hold them. Keeps the position.</summary>
    private static uint? GzipSize(FileStream file)
    {
        if (file.Length < 18) return null; // 10-byte header + 8-byte trailer
        long position = file.Position;
        var trailer = new byte[4];
        file.Position = file.Length - 4;
        int read = file.ReadAtLeast(trailer, 4, throwOnEndOfStream: false);
        file.Position = position;
        return read == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(trailer) : null;
    }

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
