using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Transforms;
using SimVae.Pipelines;
using SimVae.Torch;

namespace SimVae.MLNet;

/// <summary>
/// Saving and loading ML.NET models that contain SimVae featurizer stages, as one ML.NET model zip.
/// <para>
/// ML.NET lets an outside assembly persist a transformer only as a CustomMapping: the zip records the mapping's
/// contract name and assembly, never its state. <see cref="SaveWithSimVae(MLContext, ITransformer, DataViewSchema, string)"/>
/// therefore writes the model with <c>mlContext.Model.Save</c> and then adds, for each featurizer stage, two entries
/// to the same zip: <c>SimVae/stages/{id}.json</c> (columns, sizes, input scale and the SHA-256 of the bundle) and
/// <c>SimVae/bundles/{sha256}.simvae</c> (the model bundle: options and weights). ML.NET ignores entries it does not
/// know. <see cref="LoadWithSimVae(MLContext, string, out DataViewSchema, Device?)"/> reads those entries, checks the
/// bundle hashes, loads the encoders, registers a CustomMapping factory per stage with the context's
/// <c>ComponentCatalog</c> (its contract name pins the bundle's hash), and then calls <c>mlContext.Model.Load</c>.
/// </para>
/// <para>
/// A plain <c>mlContext.Model.Load</c> of such a zip fails: ML.NET reports that it cannot find the contract, and the
/// contract name it quotes says to call <c>mlContext.LoadWithSimVae</c>.
/// </para>
/// </summary>
public static class SimVaeModelOperations
{
    /// <summary>Folder of the SimVae entries inside the ML.NET zip.</summary>
    public const string EntryFolder = "SimVae/";

    /// <summary>Largest stage description accepted on load (64 KiB).</summary>
    public const int MaxStageBytes = 1 << 16;

    private const string StageFolder = EntryFolder + "stages/";
    private const string BundleFolder = EntryFolder + "bundles/";
    private const string StageFormat = "simvae-mlnet-stage";
    private const int StageFormatVersion = 1;

    [ThreadStatic]
    private static bool saving;

    internal static bool IsSaving => saving;

    /// <summary>
    /// Saves <paramref name="model"/> with ML.NET (<c>mlContext.Model.Save</c>) and adds the encoders of its SimVae
    /// featurizer stages to the same zip. Works for models without SimVae stages too.
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="model">The fitted pipeline.</param>
    /// <param name="inputSchema">The schema of the data the pipeline takes (e.g. <c>trainData.Schema</c>).</param>
    /// <param name="filePath">Where to write the zip.</param>
    public static void SaveWithSimVae(this MLContext mlContext, ITransformer model, DataViewSchema inputSchema, string filePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        using var file = new FileStream(filePath, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
        mlContext.SaveWithSimVae(model, inputSchema, file);
    }

    /// <summary>Saves <paramref name="model"/> and its SimVae encoders as one ML.NET zip into <paramref name="stream"/> (left open).</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="model">The fitted pipeline.</param>
    /// <param name="inputSchema">The schema of the data the pipeline takes.</param>
    /// <param name="stream">A writable stream.</param>
    public static void SaveWithSimVae(this MLContext mlContext, ITransformer model, DataViewSchema inputSchema, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        var bindings = new Dictionary<string, FeaturizerBinding>(StringComparer.Ordinal);
        Collect(model, bindings);
        using var buffer = new MemoryStream();
        saving = true;
        try
        {
            mlContext.Model.Save(model, inputSchema, buffer);
        }
        finally
        {
            saving = false;
        }
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
        {
            foreach (var binding in bindings.Values)
            {
                using (var entry = archive.CreateEntry(StageFolder + binding.Id + ".json", CompressionLevel.Optimal).Open())
                    JsonSerializer.Serialize(entry, new StageEntry(StageFormat, StageFormatVersion, binding.Id, binding.Stage));
                string bundleName = BundleFolder + binding.Stage.BundleSha256 + ".simvae";
                if (archive.GetEntry(bundleName) is null)
                {
                    using var entry = archive.CreateEntry(bundleName, CompressionLevel.NoCompression).Open();
                    entry.Write(binding.Bundle);
                }
            }
        }
        buffer.Position = 0;
        buffer.CopyTo(stream);
        stream.Flush();
    }

    /// <summary>
    /// Loads an ML.NET model zip written by <see cref="SaveWithSimVae(MLContext, ITransformer, DataViewSchema, string)"/>:
    /// restores its SimVae encoders (checking their hashes), registers them with <paramref name="mlContext"/>, then
    /// loads the pipeline with <c>mlContext.Model.Load</c>. Works for zips without SimVae stages too.
    /// </summary>
    /// <param name="mlContext">The ML.NET context (its ComponentCatalog gets the stages' factories).</param>
    /// <param name="filePath">The zip.</param>
    /// <param name="inputSchema">The schema of the data the pipeline takes.</param>
    /// <param name="device">Where the encoders run (default: the CPU).</param>
    /// <exception cref="InvalidDataException">A SimVae entry is missing, corrupt or does not match its hash; the message says which.</exception>
    public static ITransformer LoadWithSimVae(this MLContext mlContext, string filePath, out DataViewSchema inputSchema, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        using var file = new FileStream(filePath, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Load(mlContext, file, out inputSchema, device, $"'{filePath}'");
    }

    /// <summary>Loads an ML.NET model zip with SimVae stages from <paramref name="stream"/>; see <see cref="LoadWithSimVae(MLContext, string, out DataViewSchema, Device?)"/>.</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="stream">A readable stream holding the zip (from its position to its end).</param>
    /// <param name="inputSchema">The schema of the data the pipeline takes.</param>
    /// <param name="device">Where the encoders run (default: the CPU).</param>
    /// <exception cref="InvalidDataException">A SimVae entry is missing, corrupt or does not match its hash.</exception>
    public static ITransformer LoadWithSimVae(this MLContext mlContext, Stream stream, out DataViewSchema inputSchema, Device? device = null) =>
        Load(mlContext, stream, out inputSchema, device, "the model stream");

    /// <summary>
    /// Registers the SimVae stages stored in an ML.NET model zip with <paramref name="mlContext"/> without loading the
    /// pipeline; afterwards a plain <c>mlContext.Model.Load</c> of the zip works. Returns the number of stages.
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="filePath">The zip.</param>
    /// <param name="device">Where the encoders run (default: the CPU).</param>
    /// <exception cref="InvalidDataException">A SimVae entry is missing, corrupt or does not match its hash.</exception>
    public static int RegisterSimVaeStages(this MLContext mlContext, string filePath, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        using var file = new FileStream(filePath, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var archive = OpenZip(file, $"'{filePath}'");
        return Register(mlContext, archive, device ?? Device.Cpu, $"'{filePath}'");
    }

    private static ITransformer Load(MLContext mlContext, Stream stream, out DataViewSchema inputSchema, Device? device, string name)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        int stages;
        buffer.Position = 0;
        using (var archive = OpenZip(buffer, name))
            stages = Register(mlContext, archive, device ?? Device.Cpu, name);
        buffer.Position = 0;
        try
        {
            return mlContext.Model.Load(buffer, out inputSchema);
        }
        catch (Exception e) when (stages == 0 && e.Message.Contains(FeaturizerBinding.ContractPrefix, StringComparison.Ordinal))
        {
            throw new InvalidDataException(
                $"{name} uses a SimVae featurizer but holds no SimVae entries: it was saved with mlContext.Model.Save, which cannot store the encoder; save the pipeline with mlContext.SaveWithSimVae(model, inputSchema, path)", e);
        }
    }

    private static ZipArchive OpenZip(Stream stream, string name)
    {
        try
        {
            return new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{name} is not an ML.NET model zip: {e.Message}", e);
        }
    }

    private static int Register(MLContext mlContext, ZipArchive archive, Device device, string name)
    {
        InvalidDataException Fail(string problem, Exception? inner = null) => new($"{name}: {problem}", inner);
        int count = 0;
        foreach (var entry in archive.Entries.Where(e => e.FullName.StartsWith(StageFolder, StringComparison.Ordinal) && e.FullName.EndsWith(".json", StringComparison.Ordinal)).ToList())
        {
            StageEntry? stageEntry;
            try
            {
                stageEntry = JsonSerializer.Deserialize<StageEntry>(Read(entry, MaxStageBytes, Fail));
            }
            catch (JsonException e)
            {
                throw Fail($"entry '{entry.FullName}' is not a valid SimVae stage description: {e.Message}", e);
            }
            if (stageEntry is not { Format: StageFormat, Stage: { } stage } || stageEntry.Version > StageFormatVersion)
                throw Fail($"entry '{entry.FullName}' is not a SimVae stage description of format version {StageFormatVersion} or older");
            string id = FeaturizerBinding.IdOf(stage);
            if (entry.FullName != StageFolder + id + ".json" || stageEntry.Id != id)
                throw Fail($"entry '{entry.FullName}' describes stage {id}: the stage description was modified");
            string bundleName = BundleFolder + stage.BundleSha256 + ".simvae";
            var bundleEntry = archive.GetEntry(bundleName)
                ?? throw Fail($"entry '{bundleName}', the encoder of the featurizer '{stage.InputColumn}' -> '{stage.OutputColumn}', is missing");
            var bundle = Read(bundleEntry, int.MaxValue, Fail);
            var sha = Convert.ToHexStringLower(SHA256.HashData(bundle));
            if (sha != stage.BundleSha256)
                throw Fail($"the SHA-256 of entry '{bundleName}' is {sha}, not the {stage.BundleSha256} its stage pins: the encoder is corrupt or was replaced");
            var binding = FeaturizerBinding.GetOrAdd(stage, bundle, () =>
            {
                var featurizer = new SslContext(device: device).Model.Load(new MemoryStream(bundle, writable: false));
                var o = featurizer.Options;
                if (o.Channels * o.Height * o.Width != stage.InputSize || featurizer.OutputSchema.Length != stage.FeatureLength)
                {
                    featurizer.Dispose();
                    throw Fail($"the encoder in '{bundleName}' takes {o.Channels}x{o.Height}x{o.Width} images and gives {featurizer.OutputSchema.Length} features, but its stage expects {stage.InputSize} values and {stage.FeatureLength} features");
                }
                return featurizer;
            });
            mlContext.ComponentCatalog.RegisterAssembly(binding.FactoryAssembly);
            count++;
        }
        return count;
    }

    private static byte[] Read(ZipArchiveEntry entry, long limit, Func<string, Exception?, InvalidDataException> fail)
    {
        if (entry.Length > limit) throw fail($"entry '{entry.FullName}' holds {entry.Length} bytes, more than the {limit} allowed", null);
        using var source = entry.Open();
        using var copy = new MemoryStream();
        source.CopyTo(copy);
        if (copy.Length != entry.Length) throw fail($"entry '{entry.FullName}' is truncated", null);
        return copy.ToArray();
    }

    private static void Collect(ITransformer transformer, Dictionary<string, FeaturizerBinding> found)
    {
        switch (transformer)
        {
            case SslFeaturizingTransformer stage:
                found[stage.Binding.Id] = stage.Binding;
                break;
            case IEnumerable<ITransformer> chain:
                foreach (var inner in chain) Collect(inner, found);
                break;
            default:
                var type = transformer.GetType();
                if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(CustomMappingTransformer<,>)
                    && FeaturizerBinding.Find(type.GetGenericArguments()[0]) is { } binding)
                    found[binding.Id] = binding;
                break;
        }
    }

    private sealed record StageEntry(string Format, int Version, string Id, StageDescription Stage);
}
