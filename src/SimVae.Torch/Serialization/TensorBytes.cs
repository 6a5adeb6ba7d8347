using SimVae.Torch.Native;

namespace SimVae.Torch.Serialization;

/// <summary>Raw-byte access to tensor memory for the serializers (host byte order, row-major).</summary>
internal static unsafe class TensorBytes
{
    /// <summary>Largest span handed to a single stream call.</summary>
    private const int ChunkSize = 1 << 24;

    /// <summary>A new CPU tensor holding a copy of <paramref name="bytes"/>, whose length the caller has checked.</summary>
    internal static Tensor FromBytes(ReadOnlySpan<byte> bytes, ScalarType dtype, long[] shape)
    {
        fixed (byte* p = bytes)
        fixed (long* s = shape)
        {
            NativeMethods.Check(NativeMethods.TensorFromData(p, (int)dtype, s, shape.Length, (int)DeviceType.Cpu, -1, out var h));
            return new Tensor(h);
        }
    }

    /// <summary>The memory of a contiguous CPU tensor; null when it holds no bytes.</summary>
    internal static byte* DataPointer(Tensor contiguousCpu, long byteLength)
    {
        if (byteLength == 0) return null;
        NativeMethods.Check(NativeMethods.DataPtr(contiguousCpu.Handle, out var data));
        return (byte*)data;
    }

    /// <summary>Writes the tensor's elements (copied to the host and made contiguous when needed) to <paramref name="stream"/>.</summary>
    internal static void WriteTo(Tensor tensor, long byteLength, Stream stream)
    {
        if (byteLength == 0) return;
        using var host = tensor.Device.IsCuda ? tensor.To(Device.Cpu) : tensor.Alias();
        using var contiguous = host.Contiguous();
        byte* p = DataPointer(contiguous, byteLength);
        for (long offset = 0; offset < byteLength; offset += ChunkSize)
        {
            int n = (int)Math.Min(ChunkSize, byteLength - offset);
            stream.Write(new ReadOnlySpan<byte>(p + offset, n));
        }
    }

    /// <summary>Fills <paramref name="byteLength"/> bytes at <paramref name="destination"/> from the stream.</summary>
    /// <returns>The number of bytes read: less than asked only when the stream ended.</returns>
    internal static long ReadInto(Stream stream, byte* destination, long byteLength)
    {
        long done = 0;
        while (done < byteLength)
        {
            int n = (int)Math.Min(ChunkSize, byteLength - done);
            int got = stream.ReadAtLeast(new Span<byte>(destination + done, n), n, throwOnEndOfStream: false);
            done += got;
            if (got < n) break;
        }
        return done;
    }
}
