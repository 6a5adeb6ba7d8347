using System.Buffers.Binary;
using System.Text;

namespace SimVae.Tests.Serialization;

/// <summary>Hand-built safetensors bytes and stream wrappers for the serialization tests.</summary>
internal static class SafeTensorsTestData
{
    /// <summary>8-byte little-endian length, the header as given (space-padded to 8 unless told not to), then <paramref name="data"/>.</summary>
    public static byte[] Build(string json, byte[]? data = null, ulong? headerLength = null, bool pad = true)
    {
        var header = Encoding.UTF8.GetBytes(json).ToList();
        while (pad && header.Count % 8 != 0) header.Add((byte)' ');
        var bytes = new byte[8 + header.Count + (data?.Length ?? 0)];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength ?? (ulong)header.Count);
        header.CopyTo(bytes, 8);
        data?.CopyTo(bytes, 8 + header.Count);
        return bytes;
    }

    /// <summary>Just a length prefix followed by <paramref name="tail"/> bytes of zeros.</summary>
    public static byte[] Prefix(ulong headerLength, int tail = 0)
    {
        var bytes = new byte[8 + tail];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength);
        return bytes;
    }

    /// <summary>A file of one tensor with the given JSON entry and <paramref name="dataLength"/> zero bytes of data.</summary>
    public static byte[] One(string entry, int dataLength) => Build("{\"t\":" + entry + "}", new byte[dataLength]);
}

/// <summary>A read-only, unseekable stream that hands out at most <c>maxRead</c> bytes per call (exercises short reads).</summary>
internal sealed class TrickleStream(byte[] data, int maxRead = 3) : Stream
{
    private int position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = Math.Min(Math.Min(buffer.Length, maxRead), data.Length - position);
        data.AsSpan(position, n).CopyTo(buffer);
        position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
