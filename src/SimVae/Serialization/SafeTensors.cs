using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using SimVae.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Serialization;

/// <summary>
/// Reads and writes the safetensors format (https://github.com/huggingface/safetensors): an 8-byte
/// little-endian header length N, N bytes of UTF-8 JSON describing each tensor
/// (<c>{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, "__metadata__": {...}}</c>),
/// then the raw little-endian tensor bytes. Files written here pad the header with spaces to a multiple of
/// 8 bytes and store the tensors contiguously in ordinal name order. Reading validates everything before
/// trusting it (header length bound, JSON shape, dtypes, shapes, offsets, sizes, and that the tensors tile
/// the data buffer exactly) and never allocates from an unchecked length; problems raise
/// <see cref="InvalidDataException"/> with a message naming the problem.
/// </summary>
public static class SafeTensors
{
    /// <summary>The longest JSON header accepted on read, in bytes (100 MB).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>The reserved header key holding the string-to-string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    private const int BufferedChunk = 1 << 20;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>Writes <paramref name="tensors"/> (copied to the host when on a GPU) and optional metadata to <paramref name="stream"/>.</summary>
    /// <param name="stream">A writable stream; it is written sequentially and left open.</param>
    /// <param name="tensors">The tensors by name; <c>"__metadata__"</c> is reserved.</param>
    /// <param name="metadata">String pairs stored under <c>"__metadata__"</c>; omitted when null or empty.</param>
    /// <exception cref="ArgumentException">A name is reserved or a tensor is null.</exception>
    /// <exception cref="ObjectDisposedException">A tensor is disposed.</exception>
    public static void Save(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        EnsureLittleEndian();
        if (!stream.CanWrite) throw new ArgumentException("the stream is not writable", nameof(stream));

        var names = tensors.Keys.ToArray();
        Array.Sort(names, StringComparer.Ordinal);
        var plan = new (string Name, Tensor Tensor, ScalarType DType, long[] Shape, long Bytes)[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            string name = names[i] ?? throw new ArgumentException("a tensor name is null", nameof(tensors));
            if (name == MetadataKey) throw new ArgumentException($"'{MetadataKey}' is reserved for metadata and cannot name a tensor", nameof(tensors));
            var tensor = tensors[name] ?? throw new ArgumentException($"tensor '{name}' is null", nameof(tensors));
            ObjectDisposedException.ThrowIf(tensor.IsInvalid, tensor);
            var dtype = tensor.dtype;
            var shape = tensor.shape;
            long count = 1;
            foreach (var s in shape) count = checked(count * s);
            plan[i] = (name, tensor, dtype, shape, checked(count * SafeTensorsDType.ElementSize(dtype)));
        }

        var header = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(header, WriterOptions))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WritePropertyName(MetadataKey);
                json.WriteStartObject();
                foreach (var key in metadata.Keys.OrderBy(k => k, StringComparer.Ordinal))
                {
                    ArgumentNullException.ThrowIfNull(key, nameof(metadata));
                    json.WriteString(key, metadata[key] ?? throw new ArgumentException($"metadata value '{key}' is null", nameof(metadata)));
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var p in plan)
            {
                json.WritePropertyName(p.Name);
                json.WriteStartObject();
                json.WriteString("dtype", SafeTensorsDType.ToName(p.DType));
                json.WriteStartArray("shape");
                foreach (var s in p.Shape) json.WriteNumberValue(s);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset = checked(offset + p.Bytes);
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }

        int padding = (8 - header.WrittenCount % 8) % 8;
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)(header.WrittenCount + padding));
        stream.Write(prefix);
        stream.Write(header.WrittenSpan);
        Span<byte> spaces = stackalloc byte[8];
        spaces.Fill((byte)' ');
        stream.Write(spaces[..padding]);
        foreach (var p in plan) TensorBytes.WriteTo(p.Tensor, stream);
        stream.Flush();
    }

    /// <summary>
    /// Writes a safetensors file atomically: the data goes to a temporary file in the same folder, which is
    /// flushed to disk and then renamed over <paramref name="path"/>, so readers never see a partial file.
    /// </summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="tensors">The tensors by name; <c>"__metadata__"</c> is reserved.</param>
    /// <param name="metadata">String pairs stored under <c>"__metadata__"</c>; omitted when null or empty.</param>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        AtomicFile.Write(path, file => Save(file, tensors, metadata));
    }

    /// <summary>
    /// A SHA-256 (64 lowercase hexadecimal digits) over everything a safetensors file says: every metadata pair and every
    /// tensor's name, dtype, shape and bytes, in ordinal name order, each field length-prefixed. Store it in the metadata
    /// (the key <paramref name="excludedKey"/> is left out of the hash) to detect any change to the file's content.
    /// </summary>
    /// <param name="tensors">The tensors by name.</param>
    /// <param name="metadata">The metadata pairs.</param>
    /// <param name="excludedKey">A metadata key not hashed (where the hash itself is stored), or null.</param>
    public static string ContentHash(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata, string? excludedKey = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(metadata);
        using var sha = System.Security.Cryptography.SHA256.Create();
        using (var hashing = new System.Security.Cryptography.CryptoStream(Stream.Null, sha, System.Security.Cryptography.CryptoStreamMode.Write))
        {
            var number = new byte[8];
            void Field(ReadOnlySpan<byte> bytes)
            {
                BinaryPrimitives.WriteInt64LittleEndian(number, bytes.Length);
                hashing.Write(number);
                hashing.Write(bytes);
            }
            void Text(string text) => Field(System.Text.Encoding.UTF8.GetBytes(text));
            foreach (var key in metadata.Keys.Where(k => k != excludedKey).Order(StringComparer.Ordinal))
            {
                Text(key);
                Text(metadata[key]);
            }
            foreach (var name in tensors.Keys.Order(StringComparer.Ordinal))
            {
                var tensor = tensors[name];
                Text(name);
                Text(SafeTensorsDType.ToName(tensor.dtype));
                Text(string.Join(",", tensor.shape));
                BinaryPrimitives.WriteInt64LittleEndian(number, tensor.numel() * tensor.ElementSize);
                hashing.Write(number);
                TensorBytes.WriteTo(tensor, hashing);
            }
        }
        return Convert.ToHexStringLower(sha.Hash!);
    }

    /// <summary>
    /// Reads safetensors data from the stream's current position to its end. Seekable streams are read straight
    /// into tensor memory after the sizes are checked against the stream length; other streams are read in
    /// chunks, so memory only grows with bytes actually received.
    /// </summary>
    /// <param name="stream">A readable stream, left open.</param>
    /// <param name="device">Where the tensors go (default: the CPU).</param>
    /// <exception cref="InvalidDataException">The data is malformed; the message names the problem.</exception>
    public static SafeTensorsFile Load(Stream stream, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return LoadStream(stream, device, "safetensors data");
    }

    /// <summary>Reads a safetensors file; see <see cref="Load(Stream, Device?)"/>. Error messages name the file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="device">Where the tensors go (default: the CPU).</param>
    /// <exception cref="InvalidDataException">The file is malformed; the message names the file and the problem.</exception>
    public static SafeTensorsFile Load(string path, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = BoundedFile.OpenRead(path, "safetensors file");
        return LoadStream(file, device, $"safetensors file '{path}'");
    }

    /// <summary>Reads safetensors data held in memory; see <see cref="Load(Stream, Device?)"/>.</summary>
    /// <param name="data">The whole file's bytes.</param>
    /// <param name="device">Where the tensors go (default: the CPU).</param>
    /// <exception cref="InvalidDataException">The data is malformed; the message names the problem.</exception>
    public static SafeTensorsFile Load(ReadOnlySpan<byte> data, Device? device = null)
    {
        EnsureLittleEndian();
        var fail = Failure("safetensors data");
        if (data.Length < 8) throw fail($"it holds {data.Length} bytes, fewer than the 8-byte header length that starts the format");
        int headerLength = CheckHeaderLength(BinaryPrimitives.ReadUInt64LittleEndian(data), data.Length - 8L, fail);
        var header = SafeTensorsHeader.Parse(data.Slice(8, headerLength).ToArray(), data.Length - 8L - headerLength, fail);
        var buffer = data[(8 + headerLength)..];
        var loaded = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var e in header.Entries)
            {
                var bytes = buffer.Slice((int)e.Begin, (int)e.ByteLength);
                if (e.DType == ScalarType.Bool) CheckBools(bytes, e, fail);
                loaded.Add(e.Name, Place(TensorBytes.FromBytes(bytes, e.DType, e.Shape), device));
            }
        }
        catch
        {
            foreach (var t in loaded.Values) t.Dispose();
            throw;
        }
        return new SafeTensorsFile(loaded, header.Metadata);
    }

    private static SafeTensorsFile LoadStream(Stream stream, Device? device, string source)
    {
        EnsureLittleEndian();
        if (!stream.CanRead) throw new ArgumentException("the stream is not readable", nameof(stream));
        var fail = Failure(source);
        long? available = stream.CanSeek ? Math.Max(0, stream.Length - stream.Position) : null;

        Span<byte> prefix = stackalloc byte[8];
        int got = stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false);
        if (got < 8) throw fail($"it holds {got} bytes, fewer than the 8-byte header length that starts the format");
        int headerLength = CheckHeaderLength(BinaryPrimitives.ReadUInt64LittleEndian(prefix), available - 8, fail);
        byte[] json = ReadHeaderBytes(stream, headerLength, fail);
        long? bufferSize = available - 8 - headerLength;
        var header = SafeTensorsHeader.Parse(json, bufferSize, fail);

        var loaded = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var e in header.Entries)
            {
                var tensor = bufferSize is null ? ReadBuffered(stream, e, fail) : ReadDirect(stream, e, fail);
                loaded.Add(e.Name, Place(tensor, device));
            }
            if (bufferSize is null && stream.ReadByte() >= 0)
                throw fail($"bytes follow the end of the last tensor (offset {header.BufferSize} of the data buffer) and belong to no tensor");
        }
        catch
        {
            foreach (var t in loaded.Values) t.Dispose();
            throw;
        }
        return new SafeTensorsFile(loaded, header.Metadata);
    }

    /// <summary>Validates the header length against <see cref="MaxHeaderLength"/> and the bytes available, before anything is allocated.</summary>
    private static int CheckHeaderLength(ulong length, long? available, Func<string, InvalidDataException> fail)
    {
        if (length > (ulong)MaxHeaderLength)
            throw fail($"the header length {length} exceeds the {MaxHeaderLength}-byte limit (corrupt file, or not a safetensors file)");
        if (available is long a && (long)length > a)
            throw fail($"the header length {length} is longer than the {a} bytes that follow the length prefix (truncated file?)");
        if (length < 2) throw fail($"the header length {length} is too short to hold a JSON object");
        return (int)length;
    }

    /// <summary>Reads the header, growing the buffer only as bytes arrive (so a lying length on an unseekable stream allocates little).</summary>
    private static byte[] ReadHeaderBytes(Stream stream, int length, Func<string, InvalidDataException> fail)
    {
        var buffer = new byte[Math.Min(length, 1 << 16)];
        int done = 0;
        while (done < length)
        {
            if (done == buffer.Length) Array.Resize(ref buffer, (int)Math.Min(length, 2L * buffer.Length));
            int n = stream.Read(buffer, done, buffer.Length - done);
            if (n == 0) throw fail($"the data ends after {done} of the {length} header bytes");
            done += n;
        }
        return buffer;
    }

    private static Tensor ReadDirect(Stream stream, SafeTensorsEntry e, Func<string, InvalidDataException> fail)
    {
        var tensor = torch.empty(e.Shape, e.DType);
        try
        {
            long read = TensorBytes.ReadInto(stream, tensor);
            if (read < e.ByteLength) throw Truncated(e, read, fail);
            if (e.DType == ScalarType.Bool)
                TensorBytes.ForEachChunk(tensor, span =>
                {
                    CheckBools(span, e, fail);
                    return true;
                });
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    private static Tensor ReadBuffered(Stream stream, SafeTensorsEntry e, Func<string, InvalidDataException> fail)
    {
        var chunks = new List<byte[]>();
        long read = 0;
        while (read < e.ByteLength)
        {
            var chunk = new byte[(int)Math.Min(BufferedChunk, e.ByteLength - read)];
            int n = stream.ReadAtLeast(chunk, chunk.Length, throwOnEndOfStream: false);
            read += n;
            if (n < chunk.Length) throw Truncated(e, read, fail);
            if (e.DType == ScalarType.Bool) CheckBools(chunk, e, fail);
            chunks.Add(chunk);
        }
        var tensor = torch.empty(e.Shape, e.DType);
        int index = 0, offset = 0;
        TensorBytes.ForEachChunk(tensor, span =>
        {
            while (!span.IsEmpty)
            {
                int n = Math.Min(span.Length, chunks[index].Length - offset);
                chunks[index].AsSpan(offset, n).CopyTo(span);
                span = span[n..];
                offset += n;
                if (offset == chunks[index].Length) (index, offset) = (index + 1, 0);
            }
            return true;
        });
        return tensor;
    }

    private static InvalidDataException Truncated(SafeTensorsEntry e, long read, Func<string, InvalidDataException> fail) =>
        fail($"the data ends early: tensor '{e.Name}' needs bytes {e.Begin}..{e.End} of the data buffer but it ends at {e.Begin + read}");

    private static void CheckBools(ReadOnlySpan<byte> bytes, SafeTensorsEntry e, Func<string, InvalidDataException> fail)
    {
        int bad = bytes.IndexOfAnyExcept((byte)0, (byte)1);
        if (bad >= 0) throw fail($"tensor '{e.Name}': BOOL element holds byte 0x{bytes[bad]:X2}, not 0 or 1");
    }

    /// <summary>Moves a freshly read CPU tensor to <paramref name="device"/> and takes it out of any dispose scope (the file owns it).</summary>
    private static Tensor Place(Tensor cpu, Device? device)
    {
        if (device is null || device.type == DeviceType.CPU) return cpu.DetachFromDisposeScope();
        using (cpu) return cpu.to(device).DetachFromDisposeScope();
    }

    private static Func<string, InvalidDataException> Failure(string source) =>
        problem => new InvalidDataException($"invalid {source}: {problem}");

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors I/O needs a little-endian host");
    }
}
