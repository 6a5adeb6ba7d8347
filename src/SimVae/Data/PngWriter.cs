using System.IO.Compression;

namespace SimVae.Data;

/// <summary>
/// A minimal PNG encoder (ISO/IEC 15948): 8-bit grayscale or RGB, no interlacing, filter type 0 on every row,
/// zlib-compressed IDAT, CRC-32 per chunk. Enough to write image grids without an imaging library.
/// </summary>
public static class PngWriter
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Encodes <paramref name="pixels"/> (row-major, <paramref name="channels"/> bytes per pixel: 1 gray, 3 RGB).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"size {width}x{height} must be positive");
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "must be 1 (gray) or 3 (RGB)");
        if (pixels.Length != width * height * channels) throw new ArgumentException($"{width}x{height}x{channels} needs {width * height * channels} bytes, got {pixels.Length}", nameof(pixels));
        using var output = new MemoryStream();
        output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        WriteBigEndian(header, 0, (uint)width);
        WriteBigEndian(header, 4, (uint)height);
        header[8] = 8;                                  // bit depth
        header[9] = (byte)(channels == 1 ? 0 : 2);      // colour type: gray / truecolour
        WriteChunk(output, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                int stride = width * channels;
                for (int y = 0; y < height; y++)
                {
                    zlib.WriteByte(0);                  // filter: none
                    zlib.Write(pixels.Slice(y * stride, stride));
                }
            }
            WriteChunk(output, "IDAT", compressed.ToArray());
        }
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>Writes an encoded PNG file.</summary>
    public static void Write(string path, ReadOnlySpan<byte> pixels, int width, int height, int channels) =>
        File.WriteAllBytes(path, Encode(pixels, width, height, channels));

    /// <summary>CRC-32 (ISO 3309, polynomial 0xEDB88320) of <paramref name="data"/>, as PNG chunks use.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data, uint crc = 0)
    {
        crc ^= 0xFFFFFFFFu;
        foreach (var b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc ^ 0xFFFFFFFFu;
    }

    /// <summary>
    /// Tiles float images [N, H, W] (values in [0, 1], gray) into a grid of <paramref name="columns"/> columns with
    /// a 1-pixel separator, scaled up by <paramref name="zoom"/>; returns (pixels, width, height) for <see cref="Encode"/>.
    /// </summary>
    public static (byte[] Pixels, int Width, int Height) Grid(ReadOnlySpan<float> images, int count, int imageHeight, int imageWidth, int columns, int zoom = 2)
    {
        if (count < 1 || columns < 1 || zoom < 1) throw new ArgumentOutOfRangeException(nameof(count), "count, columns and zoom must be positive");
        int rows = (count + columns - 1) / columns;
        int cellW = imageWidth * zoom + 1, cellH = imageHeight * zoom + 1;
        int width = columns * cellW + 1, height = rows * cellH + 1;
        var pixels = new byte[width * height];
        Array.Fill(pixels, (byte)128);
        for (int i = 0; i < count; i++)
        {
            int ox = 1 + (i % columns) * cellW, oy = 1 + (i / columns) * cellH;
            for (int y = 0; y < imageHeight * zoom; y++)
                for (int x = 0; x < imageWidth * zoom; x++)
                {
                    float v = images[i * imageHeight * imageWidth + (y / zoom) * imageWidth + x / zoom];
                    pixels[(oy + y) * width + ox + x] = (byte)Math.Clamp(Math.Round(v * 255), 0, 255);
                }
        }
        return (pixels, width, height);
    }

    private static void WriteChunk(Stream output, string type, byte[] data)
    {
        var buffer = new byte[4];
        WriteBigEndian(buffer, 0, (uint)data.Length);
        output.Write(buffer);
        var typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(data);
        WriteBigEndian(buffer, 0, Crc32(data, Crc32(typeBytes)));
        output.Write(buffer);
    }

    private static void WriteBigEndian(byte[] buffer, int offset, uint value)
    {
        buffer[offset] = (byte)(value >> 24);
        buffer[offset + 1] = (byte)(value >> 16);
        buffer[offset + 2] = (byte)(value >> 8);
        buffer[offset + 3] = (byte)value;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
