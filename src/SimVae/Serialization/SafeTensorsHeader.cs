using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using static TorchSharp.torch;

namespace SimVae.Serialization;

/// <summary>One tensor's entry in a safetensors header, already validated.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="DType">Its element type.</param>
/// <param name="Shape">Its sizes.</param>
/// <param name="Begin">First byte, relative to the start of the data buffer.</param>
/// <param name="End">One past the last byte.</param>
internal sealed record SafeTensorsEntry(string Name, ScalarType DType, long[] Shape, long Begin, long End)
{
    /// <summary>Bytes the tensor occupies.</summary>
    public long ByteLength => End - Begin;
}

/// <summary>Parses and strictly validates the JSON header of a safetensors file.</summary>
internal sealed class SafeTensorsHeader
{
    /// <summary>More dimensions than this is taken for a corrupt header.</summary>
    internal const int MaxRank = 64;

    private SafeTensorsHeader(List<SafeTensorsEntry> entries, Dictionary<string, string> metadata, long bufferSize)
    {
        Entries = entries;
        Metadata = metadata;
        BufferSize = bufferSize;
    }

    /// <summary>The entries in data-offset order (they tile the buffer without gaps or overlaps).</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries { get; }

    /// <summary>The <c>__metadata__</c> pairs (empty when absent).</summary>
    public Dictionary<string, string> Metadata { get; }

    /// <summary>The size of the data buffer the entries cover.</summary>
    public long BufferSize { get; }

    /// <summary>Parses <paramref name="json"/> (UTF-8, possibly space-padded).</summary>
    /// <param name="json">The header bytes.</param>
    /// <param name="bufferSize">The data buffer's size when known (then the entries must cover it exactly); null for unseekable streams.</param>
    /// <param name="fail">Makes the exception for a problem.</param>
    public static SafeTensorsHeader Parse(ReadOnlyMemory<byte> json, long? bufferSize, Func<string, InvalidDataException> fail)
    {
        var span = json.Span;
        if (!Utf8.IsValid(span))
        {
            // JsonDocument only checks UTF-8 lazily (when a string is read), so check all of it up front.
            for (int i = 0; i < span.Length;)
            {
                if (Rune.DecodeFromUtf8(span[i..], out _, out int consumed) != OperationStatus.Done)
                    throw fail($"the header is not valid UTF-8 (byte 0x{span[i]:X2} at header offset {i})");
                i += consumed;
            }
        }
        int start = 0;
        while (start < span.Length && span[start] == (byte)' ') start++;
        if (start == span.Length) throw fail("the header is empty (only padding)");
        if (span[start] != (byte)'{') throw fail($"the header must be a JSON object, but it starts with '{(char)span[start]}' (byte 0x{span[start]:X2})");

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8, CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            throw fail($"the header is not valid JSON ({e.Message})");
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw fail($"the header must be a JSON object, not {root.ValueKind}");

            var names = new HashSet<string>(StringComparer.Ordinal);
            var entries = new List<SafeTensorsEntry>();
            Dictionary<string, string>? metadata = null;
            foreach (var property in root.EnumerateObject())
            {
                if (!names.Add(property.Name)) throw fail($"the header names '{property.Name}' twice");
                if (property.Name == "__metadata__")
                    metadata = ParseMetadata(property.Value, fail);
                else
                    entries.Add(ParseEntry(property.Name, property.Value, bufferSize, fail));
            }

            // Sort by offsets and require the ranges to tile [0, buffer size) exactly, as the format specifies.
            entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            long position = 0;
            SafeTensorsEntry? previous = null;
            foreach (var e in entries)
            {
                if (e.Begin < position)
                    throw fail($"tensor '{e.Name}' (bytes {e.Begin}..{e.End}) overlaps tensor '{previous!.Name}' (bytes {previous.Begin}..{previous.End})");
                if (e.Begin > position)
                    throw fail(previous is null
                        ? $"bytes 0..{e.Begin} of the data buffer belong to no tensor (the first tensor, '{e.Name}', starts at {e.Begin})"
                        : $"bytes {position}..{e.Begin} of the data buffer belong to no tensor (gap between '{previous.Name}' and '{e.Name}')");
                position = e.End;
                previous = e;
            }
            if (bufferSize is long size && position != size)
                throw fail($"the data buffer has {size} bytes but the tensors cover only {position}: {size - position} trailing bytes belong to no tensor");

            return new SafeTensorsHeader(entries, metadata ?? new Dictionary<string, string>(StringComparer.Ordinal), position);
        }
    }

    private static Dictionary<string, string> ParseMetadata(JsonElement value, Func<string, InvalidDataException> fail)
    {
        if (value.ValueKind != JsonValueKind.Object) throw fail($"'__metadata__' must be an object of strings, not {value.ValueKind}");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in value.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw fail($"'__metadata__' value '{p.Name}' must be a string, not {p.Value.ValueKind}");
            if (!metadata.TryAdd(p.Name, p.Value.GetString()!)) throw fail($"'__metadata__' names '{p.Name}' twice");
        }
        return metadata;
    }

    private static SafeTensorsEntry ParseEntry(string name, JsonElement value, long? bufferSize, Func<string, InvalidDataException> fail)
    {
        string where = $"tensor '{name}'";
        if (value.ValueKind != JsonValueKind.Object) throw fail($"{where}: the entry must be an object, not {value.ValueKind}");
        JsonElement? dtypeElement = null, shapeElement = null, offsetsElement = null;
        foreach (var p in value.EnumerateObject())
        {
            switch (p.Name)
            {
                case "dtype": Set(ref dtypeElement); break;
                case "shape": Set(ref shapeElement); break;
                case "data_offsets": Set(ref offsetsElement); break;
                default: throw fail($"{where}: unexpected field '{p.Name}' (an entry holds exactly dtype, shape and data_offsets)");
            }
            void Set(ref JsonElement? slot)
            {
                if (slot is not null) throw fail($"{where}: field '{p.Name}' appears twice");
                slot = p.Value;
            }
        }
        if (dtypeElement is not JsonElement dtypeJson) throw fail($"{where}: missing field 'dtype'");
        if (shapeElement is not JsonElement shapeJson) throw fail($"{where}: missing field 'shape'");
        if (offsetsElement is not JsonElement offsetsJson) throw fail($"{where}: missing field 'data_offsets'");

        if (dtypeJson.ValueKind != JsonValueKind.String) throw fail($"{where}: 'dtype' must be a string, not {dtypeJson.ValueKind}");
        string dtypeName = dtypeJson.GetString()!;
        if (!SafeTensorsDType.TryParse(dtypeName, out var dtype))
            throw fail($"{where}: unknown or unsupported dtype '{dtypeName}' (supported: F32, F64, F16, BF16, I64, I32, I16, I8, U8, BOOL)");

        if (shapeJson.ValueKind != JsonValueKind.Array) throw fail($"{where}: 'shape' must be an array, not {shapeJson.ValueKind}");
        int rank = shapeJson.GetArrayLength();
        if (rank > MaxRank) throw fail($"{where}: 'shape' has {rank} dimensions, more than the {MaxRank} allowed");
        var shape = new long[rank];
        long count = 1;
        bool overflow = false;
        for (int i = 0; i < rank; i++)
        {
            shape[i] = ReadNonNegative(shapeJson[i], $"{where}: shape[{i}]", fail);
            if (!overflow)
            {
                try { count = checked(count * shape[i]); }
                catch (OverflowException) { overflow = true; }
            }
        }
        string shapeText = $"[{string.Join(", ", shape)}]";
        // A zero dimension makes the product 0 whatever overflowed before it.
        if (Array.IndexOf(shape, 0L) >= 0) { count = 0; overflow = false; }
        if (overflow) throw fail($"{where}: shape {shapeText} has more elements than a 64-bit count can hold");
        long expectedBytes;
        try { expectedBytes = checked(count * SafeTensorsDType.ElementSize(dtype)); }
        catch (OverflowException) { throw fail($"{where}: shape {shapeText} of {dtypeName} needs more bytes than a 64-bit size can hold"); }

        if (offsetsJson.ValueKind != JsonValueKind.Array) throw fail($"{where}: 'data_offsets' must be an array, not {offsetsJson.ValueKind}");
        if (offsetsJson.GetArrayLength() != 2) throw fail($"{where}: 'data_offsets' must hold exactly 2 integers, not {offsetsJson.GetArrayLength()}");
        long begin = ReadNonNegative(offsetsJson[0], $"{where}: data_offsets[0]", fail);
        long end = ReadNonNegative(offsetsJson[1], $"{where}: data_offsets[1]", fail);
        if (begin > end) throw fail($"{where}: data_offsets [{begin}, {end}] are reversed (begin > end)");
        if (bufferSize is long size && end > size)
            throw fail($"{where}: data_offsets [{begin}, {end}] run past the end of the {size}-byte data buffer");
        if (end - begin != expectedBytes)
            throw fail($"{where}: data_offsets [{begin}, {end}] span {end - begin} bytes but shape {shapeText} of {dtypeName} needs {expectedBytes}");
        return new SafeTensorsEntry(name, dtype, shape, begin, end);
    }

    private static long ReadNonNegative(JsonElement e, string what, Func<string, InvalidDataException> fail)
    {
        if (e.ValueKind != JsonValueKind.Number) throw fail($"{what} must be an integer, not {e.ValueKind}");
        if (e.TryGetInt64(out long v))
        {
            if (v < 0) throw fail($"{what} is negative ({v})");
            return v;
        }
        if (e.TryGetUInt64(out ulong big)) throw fail($"{what} ({big}) is larger than this reader supports ({long.MaxValue})");
        if (e.GetRawText().StartsWith('-')) throw fail($"{what} is negative ({e.GetRawText()})");
        throw fail($"{what} must be an integer, not '{e.GetRawText()}'");
    }
}
