using System.Text.Json;
using System.Text.Json.Serialization;
using SimVae.Methods;

namespace SimVae.Training;

/// <summary>
/// Method options as JSON for comparison (camelCase, enums by name) and the fields in which two such texts differ, so a
/// refused resume or data-parallel start names each differing field with both values (e.g. <c>latentDim is 10 …, 8 …</c>).
/// </summary>
internal static class OptionsDiff
{
    /// <summary>How options are written for comparison (and in checkpoints).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The options as JSON, comparable with <see cref="Fields"/>.</summary>
    public static string Serialize(SslOptions options) => JsonSerializer.Serialize(options, Json);

    /// <summary>
    /// The fields (dotted paths) that differ between two JSON texts, each with its value in <paramref name="a"/> and in
    /// <paramref name="b"/> ("absent" where missing), in name order.
    /// </summary>
    /// <exception cref="JsonException">A text is not JSON.</exception>
    public static IEnumerable<(string Field, string A, string B)> Fields(string a, string b)
    {
        var left = Flatten(JsonDocument.Parse(a).RootElement, "");
        var right = Flatten(JsonDocument.Parse(b).RootElement, "");
        return left.Keys.Union(right.Keys).Order(StringComparer.Ordinal)
            .Where(k => left.GetValueOrDefault(k) != right.GetValueOrDefault(k))
            .Select(k => (k, left.GetValueOrDefault(k) ?? "absent", right.GetValueOrDefault(k) ?? "absent"));
    }

    private static Dictionary<string, string> Flatten(JsonElement element, string prefix)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (element.ValueKind == JsonValueKind.Object)
            foreach (var p in element.EnumerateObject())
                foreach (var kv in Flatten(p.Value, prefix.Length == 0 ? p.Name : $"{prefix}.{p.Name}")) result[kv.Key] = kv.Value;
        else result[prefix] = element.GetRawText();
        return result;
    }
}
