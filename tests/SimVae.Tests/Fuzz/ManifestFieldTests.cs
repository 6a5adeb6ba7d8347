using System.Text;
using System.Text.Json.Nodes;
using SimVae.Bundles;
using SimVae.Tests.Bundles;
using SimVae.Tests.Featurization;

namespace SimVae.Tests.Fuzz;

/// <summary>
/// Every field of bundle.json, removed or replaced by a wrong type or an extreme value (two seeded picks per field), in a bundle whose manifest hash
/// was updated (so the deeper checks are reached): refused with <see cref="InvalidDataException"/>, or loaded with the
/// original weights — never another exception.
/// </summary>
[TestClass]
public class ManifestFieldTests
{
    private const string Remove = "(removed)";

    [TestMethod]
    public void EveryFieldWithAWrongValueIsRefusedCleanly()
    {
        using var model = TinyModels.Create("vae");
        byte[] valid;
        using (var stream = new MemoryStream())
        {
            ModelBundle.Save(stream, model, DataFingerprint.Of(TinyModels.Data(8)));
            valid = stream.ToArray();
        }
        var manifest = JsonNode.Parse(ModelBundleTests.ManifestOf(valid))!;
        string weights;
        using (var original = ModelBundle.Load(new MemoryStream(valid))) weights = original.WeightsSha256;
        var paths = new List<string[]>();
        void Walk(JsonNode node, string[] path)
        {
            if (node is not JsonObject o) return;
            foreach (var (key, child) in o.ToList())
            {
                paths.Add([.. path, key]);
                if (child is not null) Walk(child, [.. path, key]);
            }
        }
        Walk(manifest, []);
        JsonNode?[] values = [null, "x", 1e300, -1, int.MaxValue, new JsonObject(), Remove];
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        int refused = 0, loaded = 0;
        // Every field, each with two of the values (seeded), keeps the test to a few seconds.
        var random = new Random(21);
        var cases = paths.SelectMany(path => values.OrderBy(_ => random.Next()).Take(2).Select(value => (path, value))).ToList();
        Parallel.ForEach(cases, new ParallelOptions { MaxDegreeOfParallelism = 2 }, item =>
            {
                var (path, value) = item;
                var root = manifest.DeepClone();
                var parent = path[..^1].Aggregate(root, (node, key) => node[key]!).AsObject();
                if (value is JsonValue v && v.TryGetValue<string>(out var text) && text == Remove) parent.Remove(path[^1]);
                else parent[path[^1]] = value?.DeepClone();
                var bytes = ModelBundleTests.ReplaceManifest(valid, Encoding.UTF8.GetBytes(root.ToJsonString()), rehash: true);
                var what = $"{string.Join(".", path)} = {value?.ToJsonString() ?? "null"}";
                try
                {
                    using var bundle = ModelBundle.Load(new MemoryStream(bytes));
                    Interlocked.Increment(ref loaded);
                    if (bundle.WeightsSha256 != weights) failures.Add($"{what}: loaded other weights");
                }
                catch (InvalidDataException e)
                {
                    Interlocked.Increment(ref refused);
                    if (!e.Message.Contains("bundle.json", StringComparison.Ordinal) && !e.Message.Contains("weights", StringComparison.Ordinal))
                        failures.Add($"{what}: the message names neither bundle.json nor the weights: {e.Message}");
                }
                catch (Exception e)
                {
                    failures.Add($"{what}: {e.GetType().Name}: {e.Message}");
                }
            });
        Console.WriteLine($"fuzz bundle.json fields: {cases.Count} inputs, {refused} refused, {loaded} loaded with the original weights");
        Assert.IsTrue(failures.IsEmpty, string.Join("\n", failures));
    }
}
