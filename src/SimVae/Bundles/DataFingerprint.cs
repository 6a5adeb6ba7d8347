using System.Buffers.Binary;
using System.Security.Cryptography;
using SimVae.Data;

namespace SimVae.Bundles;

/// <summary>
/// Identifies the data set a model was trained on, so a bundle can say what it saw: the SHA-256 over a small
/// header (the ASCII tag <c>simvae-images-v1</c>, then N, C, H and W as little-endian 32-bit integers) followed by
/// every pixel byte (NCHW, uint8). Labels and names are not hashed: the same pixels in the same order give the same
/// fingerprint whatever they are called.
/// </summary>
/// <param name="Sha256">The hash, 64 lowercase hexadecimal digits.</param>
/// <param name="Count">N, the number of images.</param>
/// <param name="Channels">C, channels per image.</param>
/// <param name="Height">H in pixels.</param>
/// <param name="Width">W in pixels.</param>
/// <param name="Name">The data set's description (<see cref="ImageDataset.Name"/>), informational only.</param>
public sealed record DataFingerprint(string Sha256, int Count, int Channels, int Height, int Width, string Name)
{
    private static readonly byte[] Tag = "simvae-images-v1"u8.ToArray();

    /// <summary>Fingerprints <paramref name="data"/> (reads every pixel once).</summary>
    public static DataFingerprint Of(ImageDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> header = stackalloc byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(header, data.Count);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], data.Channels);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], data.Height);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], data.Width);
        hash.AppendData(Tag);
        hash.AppendData(header);
        hash.AppendData(data.Pixels);
        return new DataFingerprint(Convert.ToHexStringLower(hash.GetCurrentHash()), data.Count, data.Channels, data.Height, data.Width, data.Name);
    }

    /// <summary>Whether <paramref name="data"/> has this fingerprint (same hash and shape; the name is ignored).</summary>
    public bool Matches(ImageDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var other = Of(data);
        return other.Sha256 == Sha256 && other.Count == Count && other.Channels == Channels && other.Height == Height && other.Width == Width;
    }

    /// <inheritdoc />
    public override string ToString() => $"sha256:{Sha256} ({Count} images of {Channels}x{Height}x{Width}, {Name})";
}
