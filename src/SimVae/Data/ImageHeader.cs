using System.Buffers.Binary;

namespace SimVae.Data;

/// <summary>
/// Reads the pixel size an encoded PNG or JPEG declares in its header, without decoding it, so a small file that
/// would decode to gigabytes can be refused first. PNG: the IHDR chunk that must follow the signature (PNG spec §11.2.2);
/// JPEG: the first start-of-frame segment (ITU T.81 §B.2.2).
/// </summary>
public static class ImageHeader
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>"PNG" or "JPEG" by the file's signature, or null for anything else.</summary>
    public static string? Format(ReadOnlySpan<byte> encoded) =>
        encoded.StartsWith(PngSignature) ? "PNG" : encoded.Length >= 3 && encoded[0] == 0xFF && encoded[1] == 0xD8 && encoded[2] == 0xFF ? "JPEG" : null;

    /// <summary>The declared width and height, or null when the bytes do not start like a PNG or JPEG with a readable size.</summary>
    public static (long Width, long Height)? Size(ReadOnlySpan<byte> encoded)
    {
        if (encoded.StartsWith(PngSignature))
        {
            if (encoded.Length < 24 || !encoded.Slice(12, 4).SequenceEqual("IHDR"u8)) return null;
            return (BinaryPrimitives.ReadUInt32BigEndian(encoded[16..]), BinaryPrimitives.ReadUInt32BigEndian(encoded[20..]));
        }
        if (encoded.Length < 4 || encoded[0] != 0xFF || encoded[1] != 0xD8) return null;
        int at = 2;
        while (at + 4 <= encoded.Length)
        {
            if (encoded[at] != 0xFF) return null;
            byte marker = encoded[at + 1];
            if (marker == 0xFF) { at++; continue; }                                  // fill byte
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) { at += 2; continue; }      // markers without a length
            int length = BinaryPrimitives.ReadUInt16BigEndian(encoded[(at + 2)..]);
            if (length < 2) return null;
            bool frame = marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC);
            if (frame)
                return at + 9 <= encoded.Length
                    ? (BinaryPrimitives.ReadUInt16BigEndian(encoded[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(encoded[(at + 5)..]))
                    : null;
            if (marker is 0xD9 or 0xDA) return null;                                 // end of image, or scan data before any frame
            at += 2 + length;
        }
        return null;
    }
}
