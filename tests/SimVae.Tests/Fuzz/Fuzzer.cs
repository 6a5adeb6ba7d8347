using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace SimVae.Tests.Fuzz;

/// <summary>One generated malformed input: how it was made, its bytes, and whether a reader may accept it.</summary>
/// <param name="Kind">The mutation (truncate, flip, extreme, append, garbage, or a reader's structured edit).</param>
/// <param name="Bytes">The input.</param>
/// <param name="PayloadOnly">True when only payload bytes the format cannot check changed (e.g. an IDX pixel): acceptance is then not silent success.</param>
internal sealed record FuzzInput(string Kind, byte[] Bytes, bool PayloadOnly = false);

/// <summary>
/// Seeded mutations of a valid file and the run that holds a reader to its contract on each: a documented exception (or,
/// for payload-only changes the format cannot detect, a result the test verifies), within 5 s and 500 MB, never a crash,
/// hang or silent success. Prints one summary line per reader.
/// </summary>
internal static class Fuzzer
{
    /// <summary>Time allowed per input.</summary>
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(5);

    /// <summary>Memory allowed per input: managed bytes allocated, and growth of the process's working set.</summary>
    public const long MemoryLimit = 500L << 20;

    private static readonly long[] Extremes = [0, 1, -1, int.MaxValue, int.MinValue, uint.MaxValue, long.MaxValue, long.MinValue];

    /// <summary>
    /// <paramref name="count"/> mutations of <paramref name="valid"/>: truncations, 1–4 bit flips, a size field (at
    /// <paramref name="sizeFields"/>: offset, width in bytes, big-endian or not) set to an extreme, appended bytes, random
    /// garbage, and — every fourth input when given — <paramref name="structured"/> edits (wrong types, extreme values).
    /// <paramref name="payload"/> is the byte range a format cannot check (flips only there may be accepted).
    /// </summary>
    public static List<FuzzInput> Mutate(byte[] valid, int seed, int count, (int Offset, int Width, bool BigEndian)[] sizeFields,
        Range? payload = null, Func<Random, FuzzInput>? structured = null)
    {
        var random = new Random(seed);
        var inputs = new List<FuzzInput>();
        var (payloadStart, payloadLength) = payload is { } p ? p.GetOffsetAndLength(valid.Length) : (0, 0);
        while (inputs.Count < count)
        {
            int k = inputs.Count;
            FuzzInput input;
            if (structured is not null && k % 4 == 3)
            {
                input = structured(random);
            }
            else
            {
                switch (k % 5)
                {
                    case 0:
                        input = new("truncate", valid[..random.Next(0, valid.Length)]);
                        break;
                    case 1:
                        var flipped = valid.ToArray();
                        var positions = Enumerable.Range(0, random.Next(1, 5)).Select(_ => random.Next(valid.Length)).ToArray();
                        foreach (var at in positions) flipped[at] ^= (byte)(1 << random.Next(8));
                        input = new("flip", flipped, positions.All(at => at >= payloadStart && at < payloadStart + payloadLength));
                        break;
                    case 2 when sizeFields.Length > 0:
                        var (offset, width, bigEndian) = sizeFields[random.Next(sizeFields.Length)];
                        var extreme = valid.ToArray();
                        var value = BitConverter.GetBytes(Extremes[random.Next(Extremes.Length)]);
                        var field = value.AsSpan(0, width).ToArray();
                        if (bigEndian) Array.Reverse(field);
                        field.CopyTo(extreme, offset);
                        input = new("extreme", extreme);
                        break;
                    case 3:
                        var tail = new byte[random.Next(1, 200)];
                        random.NextBytes(tail);
                        input = new("append", [.. valid, .. tail]);
                        break;
                    default:
                        var garbage = new byte[random.Next(0, 2 * valid.Length)];
                        random.NextBytes(garbage);
                        if (garbage.Length > 8 && random.Next(2) == 0) valid.AsSpan(0, 8).CopyTo(garbage); // keep the magic sometimes
                        input = new("garbage", garbage);
                        break;
                }
            }
            if (!input.Bytes.AsSpan().SequenceEqual(valid)) inputs.Add(input);
        }
        return inputs;
    }

    /// <summary>A structured JSON edit: a random leaf of <paramref name="json"/> replaced by an extreme value or a wrong type.</summary>
    public static string EditJson(string json, Random random)
    {
        var root = JsonNode.Parse(json)!;
        var leaves = new List<(JsonNode Parent, object Key)>();
        void Walk(JsonNode node)
        {
            if (node is JsonObject o)
                foreach (var (key, child) in o.ToList())
                {
                    leaves.Add((o, key));
                    if (child is not null) Walk(child);
                }
            else if (node is JsonArray a)
                for (int i = 0; i < a.Count; i++)
                {
                    leaves.Add((a, i));
                    if (a[i] is { } child) Walk(child);
                }
        }
        Walk(root);
        var (parent, slot) = leaves[random.Next(leaves.Count)];
        JsonNode?[] replacements = [int.MaxValue, -1, 0, 1e300, long.MinValue, "x", "", new JsonArray(), new JsonObject(), null, true, new JsonArray(-5, int.MaxValue)];
        var replacement = replacements[random.Next(replacements.Length)]?.DeepClone();
        if (random.Next(6) == 0)
        {
            if (parent is JsonObject po) po.Remove((string)slot);
            else ((JsonArray)parent).RemoveAt((int)slot);
        }
        else if (parent is JsonObject o) o[(string)slot] = replacement;
        else ((JsonArray)parent)[(int)slot] = replacement;
        return root.ToJsonString();
    }

    /// <summary>
    /// Runs <paramref name="read"/> on <paramref name="valid"/> (which it must accept) and then on every input. It must throw <typeparamref name="TError"/>, or return normally only for
    /// payload-only inputs or when <paramref name="read"/> itself verified the result (it returns true for "verified").
    /// Returns the summary line, which is also printed.
    /// </summary>
    public static string Run<TError>(string reader, byte[] valid, IReadOnlyList<FuzzInput> inputs, Func<FuzzInput, bool> read) where TError : Exception
    {
        Assert.IsTrue(inputs.Count >= 100, $"{reader}: only {inputs.Count} inputs");
        // The valid file is read first, untimed (it loads native libraries), and must be accepted.
        Assert.IsTrue(read(new FuzzInput("valid", valid)), $"{reader}: the valid input is not accepted as the original");
        int refused = 0, accepted = 0;
        double maxSeconds = 0;
        long maxBytes = 0;
        var failures = new List<string>();
        long baseline = Environment.WorkingSet;
        for (int i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            try
            {
                // The result says whether the reader's output was checked as consistent (e.g. the same model as the original).
                bool verified = read(input);
                if (input.PayloadOnly || verified) accepted++;
                else failures.Add($"#{i} {input.Kind} ({input.Bytes.Length} bytes): silently accepted");
            }
            catch (TError e)
            {
                refused++;
                if (string.IsNullOrWhiteSpace(e.Message) || e.Message.Contains("   at ", StringComparison.Ordinal))
                    failures.Add($"#{i} {input.Kind}: unclear message '{e.Message}'");
            }
            catch (Exception e)
            {
                failures.Add($"#{i} {input.Kind} ({input.Bytes.Length} bytes): {e.GetType().Name}: {e.Message}");
            }
            var seconds = clock.Elapsed.TotalSeconds;
            long bytes = Math.Max(GC.GetAllocatedBytesForCurrentThread() - allocated, Environment.WorkingSet - baseline);
            maxSeconds = Math.Max(maxSeconds, seconds);
            maxBytes = Math.Max(maxBytes, bytes);
            if (seconds > TimeLimit.TotalSeconds) failures.Add($"#{i} {input.Kind}: took {seconds:F1} s");
            if (bytes > MemoryLimit) failures.Add($"#{i} {input.Kind}: used {bytes >> 20} MB");
        }
        var summary = $"fuzz {reader}: {inputs.Count} inputs, {refused} refused, {accepted} accepted (unchecked payload or verified unchanged), " +
                      $"max {maxSeconds:F2} s, max {maxBytes >> 20} MB";
        Console.WriteLine(summary);
        if (failures.Count > 0) Assert.Fail($"{summary}\n{string.Join("\n", failures.Take(20))}");
        return summary;
    }

    /// <summary>UTF-8 text of <paramref name="bytes"/>.</summary>
    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
