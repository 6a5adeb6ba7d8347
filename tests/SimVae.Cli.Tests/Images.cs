using System.Buffers.Binary;
using SimVae.Data;

namespace SimVae.Cli.Tests;

/// <summary>Small PNG files for the image-folder refusals.</summary>
internal static class Images
{
    /// <summary>A gray gradient PNG.</summary>
    public static byte[] Png(int height, int width) =>
        PngWriter.Encode(Enumerable.Range(0, height * width).Select(k => (byte)(k * 7)).ToArray(), width, height, 1);

    /// <summary>A 1×1 gray PNG whose IHDR (with a valid CRC) declares <paramref name="width"/> × <paramref name="height"/>.</summary>
    public static byte[] PngDeclaring(int width, int height)
    {
        var png = Png(1, 1);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), PngWriter.Crc32(png.AsSpan(12, 17)));
        return png;
    }
}
