using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Serialization;

/// <summary>Raw-byte access to tensor memory for the serializers (host byte order, row-major), in bounded chunks.</summary>
internal static class TensorBytes
{
    /// <summary>Most bytes handed out in one span (whole elements).</summary>
    private const long ChunkSize = 1 << 24;

    /// <summary>A new CPU tensor holding a copy of <paramref name="bytes"/>, whose length the caller has checked.</summary>
    internal static Tensor FromBytes(ReadOnlySpan<byte> bytes, ScalarType dtype, long[] shape)
    {
        var tensor = torch.empty(shape, dtype);
        if (!bytes.IsEmpty) bytes.CopyTo(tensor.bytes);
        return tensor;
    }

    /// <summary>Writes the tensor's elements (copied to the host and made contiguous when needed) to <paramref name="stream"/>.</summary>
    internal static void WriteTo(Tensor tensor, Stream stream)
    {
        using var host = tensor.cpu();
        using var contiguous = host.contiguous();
        ForEachChunk(contiguous, span =>
        {
            stream.Write(span);
            return true;
        });
    }

    /// <summary>Fills a contiguous CPU tensor's memory from the stream.</summary>
    /// <returns>The number of bytes read: less than the tensor holds only when the stream ended.</returns>
    internal static long ReadInto(Stream stream, Tensor contiguousCpu)
    {
        long done = 0;
        ForEachChunk(contiguousCpu, span =>
        {
            int got = stream.ReadAtLeast(span, span.Length, throwOnEndOfStream: false);
            done += got;
            return got == span.Length;
        });
        return done;
    }

    /// <summary>
    /// Hands <paramref name="visit"/> consecutive spans of a contiguous CPU tensor's memory, each at most
    /// <see cref="ChunkSize"/> bytes (so tensors over 2 GiB work), until it returns false.
    /// </summary>
    internal static void ForEachChunk(Tensor contiguousCpu, Func<Span<byte>, bool> visit)
    {
        long count = contiguousCpu.numel();
        if (count == 0) return;
        long perChunk = Math.Max(1, ChunkSize / contiguousCpu.ElementSize);
        using var flat = contiguousCpu.view(-1);
        for (long start = 0; start < count; start += perChunk)
        {
            using var part = flat.narrow(0, start, Math.Min(perChunk, count - start));
            if (!visit(part.bytes)) return;
        }
    }
}
