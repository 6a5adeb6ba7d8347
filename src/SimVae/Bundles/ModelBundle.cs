using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using SimVae.Engine;
using SimVae.IO;
using SimVae.Methods;
using SimVae.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Bundles;

/// <summary>
/// A trained model in one file: a zip archive holding <c>bundle.json</c> (format version, the method's options
/// serialised polymorphically, input shape and normalisation, feature dimension, library and libtorch versions, the
/// training data's <see cref="DataFingerprint"/>, creation time and the SHA-256 of the weights),
/// <c>weights.safetensors</c> (the model's state dict) and <c>bundle.json.sha256</c> (the SHA-256 of <c>bundle.json</c>,
/// so one hash covers the whole bundle). <see cref="Load(string, Device?)"/> validates everything
/// before trusting it and rejects a corrupt or mismatched bundle with an <see cref="InvalidDataException"/> whose
/// message names the file and the problem. A loaded bundle owns its <see cref="Model"/>; dispose it when done.
/// <code>
/// ModelBundle.Save("shapes.simvae", model, DataFingerprint.Of(train));
/// using var bundle = ModelBundle.Load("shapes.simvae");
/// using var featurizer = new Featurizer(bundle);
/// </code>
/// </summary>
public sealed class ModelBundle : IDisposable
{
    /// <summary>
    /// The bundle format version this library writes and the newest it reads. Version 2 adds <see cref="ManifestHashEntry"/>;
    /// version 1 bundles (no manifest hash) are still read, with every other check.
    /// </summary>
    public const int CurrentFormatVersion = 2;

    /// <summary>Value of the <c>format</c> field that marks a SimVae model bundle.</summary>
    public const string FormatName = "simvae-model-bundle";

    /// <summary>Name of the JSON entry in the archive.</summary>
    public const string ManifestEntry = "bundle.json";

    /// <summary>Name of the weights entry in the archive.</summary>
    public const string WeightsEntry = "weights.safetensors";

    /// <summary>
    /// Name of the entry holding the SHA-256 of <see cref="ManifestEntry"/> (64 lowercase hexadecimal digits): the
    /// manifest records the weights' SHA-256, so this one hash covers the whole bundle.
    /// </summary>
    public const string ManifestHashEntry = "bundle.json.sha256";

    /// <summary>Largest <c>bundle.json</c> accepted on load (1 MiB).</summary>
    public const long MaxManifestBytes = 1 << 20;

    /// <summary>Largest weights entry accepted on load (2 GiB − 1, the most one array can hold).</summary>
    public const long MaxWeightsBytes = int.MaxValue;

    private const string StreamName = "model bundle stream";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = true,
        AllowOutOfOrderMetadataProperties = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        TypeInfoResolver = SslMethods.JsonResolver,
        RespectRequiredConstructorParameters = true,
    };

    private ModelBundle(Manifest manifest, SslModel model)
    {
        Model = model;
        Options = manifest.Options;
        Input = manifest.Input;
        FormatVersion = manifest.FormatVersion;
        LibraryVersion = manifest.LibraryVersion;
        TorchVersion = manifest.TorchVersion;
        CreatedUtc = manifest.CreatedUtc;
        TrainingData = manifest.TrainingData;
        WeightsSha256 = manifest.Weights.Sha256;
    }

    /// <summary>The method's options the model was built from.</summary>
    public SslOptions Options { get; }

    /// <summary>The model, in eval mode, on the device given to <see cref="Load(string, Device?)"/>; owned by the bundle.</summary>
    public SslModel Model { get; }

    /// <summary>The images the model takes: shape and normalisation.</summary>
    public ModelInput Input { get; }

    /// <summary>The bundle format version of the file.</summary>
    public int FormatVersion { get; }

    /// <summary>The SimVae library version that wrote the bundle (assembly informational version).</summary>
    public string LibraryVersion { get; }

    /// <summary>The libtorch version that wrote the bundle.</summary>
    public string TorchVersion { get; }

    /// <summary>When the bundle was written (UTC).</summary>
    public DateTimeOffset CreatedUtc { get; }

    /// <summary>The fingerprint of the data the model was trained on.</summary>
    public DataFingerprint TrainingData { get; }

    /// <summary>SHA-256 of the weights entry (lowercase hexadecimal), verified on load.</summary>
    public string WeightsSha256 { get; }

    /// <summary>This library's version, as written into new bundles.</summary>
    public static string CurrentLibraryVersion { get; } =
        typeof(ModelBundle).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ModelBundle).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>
    /// Writes <paramref name="model"/> (its options and weights) with <paramref name="trainingData"/> to
    /// <paramref name="path"/> atomically: into a temporary file in the same folder, flushed to disk, then renamed
    /// over <paramref name="path"/>, so readers see the old file or the complete new one, never a partial one.
    /// </summary>
    /// <exception cref="ArgumentException">The fingerprint's image shape differs from the model's input.</exception>
    public static void Save(string path, SslModel model, DataFingerprint trainingData)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(trainingData);
        AtomicFile.Write(path, file => Save(file, model, trainingData));
    }

    /// <summary>Writes the bundle (a zip archive) to <paramref name="stream"/>, which is left open.</summary>
    /// <exception cref="ArgumentException">The fingerprint's image shape differs from the model's input, or the stream is not writable.</exception>
    public static void Save(Stream stream, SslModel model, DataFingerprint trainingData)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(trainingData);
        if (!stream.CanWrite) throw new ArgumentException("the stream is not writable", nameof(stream));
        var options = model.Options;
        if (trainingData.Channels != options.Channels || trainingData.Height != options.Height || trainingData.Width != options.Width)
            throw new ArgumentException(
                $"the training data holds {trainingData.Channels}x{trainingData.Height}x{trainingData.Width} images but the model takes {options.Channels}x{options.Height}x{options.Width}",
                nameof(trainingData));

        byte[] weights;
        using (var buffer = new MemoryStream())
        {
            SafeTensors.Save(buffer, model.state_dict(), new Dictionary<string, string> { ["format"] = FormatName, ["method"] = options.MethodName });
            weights = buffer.ToArray();
        }
        var manifest = new Manifest
        {
            Format = FormatName,
            FormatVersion = CurrentFormatVersion,
            Options = options,
            Input = ModelInput.For(options),
            FeatureDimension = model.FeatureDimension,
            LibraryVersion = CurrentLibraryVersion,
            TorchVersion = TorchRuntime.TorchVersion,
            CreatedUtc = DateTimeOffset.UtcNow,
            TrainingData = trainingData,
            Weights = new WeightsInfo { Entry = WeightsEntry, Bytes = weights.LongLength, Sha256 = Sha256Hex(weights) },
        };
        var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, Json);
        using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        using (var entry = archive.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open())
            entry.Write(manifestBytes);
        using (var entry = archive.CreateEntry(ManifestHashEntry, CompressionLevel.NoCompression).Open())
            entry.Write(Encoding.ASCII.GetBytes(Sha256Hex(manifestBytes)));
        // Float weights barely compress; storing them keeps saving and loading fast.
        using (var entry = archive.CreateEntry(WeightsEntry, CompressionLevel.NoCompression).Open())
            entry.Write(weights);
    }

    /// <summary>Reads and validates a bundle file and builds its model on <paramref name="device"/> (default: the CPU), in eval mode.</summary>
    /// <remarks>Building the model draws its initial weights from libtorch's global generator before they are replaced.</remarks>
    /// <exception cref="InvalidDataException">The file is not a valid bundle; the message names the file and the problem.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <remarks>Refused with <see cref="InvalidDataException"/>: a folder, device or pipe; a manifest or weights whose SHA-256
    /// differs from the recorded one; options outside <see cref="SslOptions"/>' limits or that do not match the weights' shapes
    /// (checked before any model is built); NaN or infinite weights.</remarks>
    public static ModelBundle Load(string path, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = BoundedFile.OpenRead(path, "model bundle");
        return Read(file, device, $"model bundle '{path}'");
    }

    /// <summary>
    /// Reads and validates a bundle from <paramref name="stream"/> (from its current position to its end; the stream
    /// is left open) and builds its model on <paramref name="device"/>; see <see cref="Load(string, Device?)"/>.
    /// </summary>
    /// <param name="stream">A readable stream holding the bundle.</param>
    /// <param name="device">Where the model goes (default: the CPU).</param>
    /// <param name="name">What to call the source in error messages (default: "model bundle stream").</param>
    /// <exception cref="InvalidDataException">The data is not a valid bundle; the message names the problem.</exception>
    public static ModelBundle Load(Stream stream, Device? device = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead) throw new ArgumentException("the stream is not readable", nameof(stream));
        name ??= StreamName;
        if (stream.CanSeek && stream.Position == 0) return Read(stream, device, name);
        // ZipArchive looks for the central directory from the stream's end and reads offsets from its start:
        // copy the bundle out so it can sit in the middle of a larger stream.
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        copy.Position = 0;
        return Read(copy, device, name);
    }

    /// <summary>Disposes the model.</summary>
    public void Dispose() => Model.Dispose();

    /// <inheritdoc />
    public override string ToString() =>
        $"{Options.MethodName} bundle (format {FormatVersion}, {Input}, {Model.FeatureDimension} features, SimVae {LibraryVersion}, libtorch {TorchVersion}, trained on {TrainingData})";

    private static ModelBundle Read(Stream stream, Device? device, string name)
    {
        InvalidDataException Fail(string problem, Exception? inner = null) => new($"{name} is invalid: {problem}", inner);

        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException)
        {
            throw Fail($"it is not a readable zip archive (truncated or not a bundle): {e.Message}", e);
        }
        using (archive)
        {
            var duplicate = archive.Entries.GroupBy(e => e.FullName, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null) throw Fail($"the archive holds entry '{duplicate.Key}' more than once");
            var manifestEntry = archive.GetEntry(ManifestEntry)
                ?? throw Fail($"entry '{ManifestEntry}' is missing (entries: {Describe(archive)})");
            var weightsEntry = archive.GetEntry(WeightsEntry)
                ?? throw Fail($"entry '{WeightsEntry}' is missing (entries: {Describe(archive)})");

            var manifestBytes = ReadEntry(manifestEntry, MaxManifestBytes, Fail);
            var hashEntry = archive.GetEntry(ManifestHashEntry);
            if (hashEntry is not null)
            {
                var recorded = Encoding.ASCII.GetString(ReadEntry(hashEntry, 64, Fail));
                var actual = Sha256Hex(manifestBytes);
                if (!string.Equals(recorded, actual, StringComparison.Ordinal))
                    throw Fail($"the SHA-256 of entry '{ManifestEntry}' is {actual} but '{ManifestHashEntry}' records '{recorded}': the manifest is corrupt or was modified");
            }
            var manifest = ParseManifest(manifestBytes, Fail);
            if (hashEntry is null && manifest.FormatVersion >= 2)
                throw Fail($"entry '{ManifestHashEntry}' is missing (entries: {Describe(archive)}); format version {manifest.FormatVersion} requires it");

            // Read no more than bundle.json records (and the format allows): a zip entry's declared size is not trusted.
            var weights = ReadEntry(weightsEntry, Math.Min(MaxWeightsBytes, manifest.Weights.Bytes), Fail);
            if (weights.LongLength != manifest.Weights.Bytes)
                throw Fail($"entry '{WeightsEntry}' holds {weights.LongLength} bytes but {ManifestEntry} records {manifest.Weights.Bytes}");
            var actualHash = Sha256Hex(weights);
            if (!string.Equals(actualHash, manifest.Weights.Sha256, StringComparison.OrdinalIgnoreCase))
                throw Fail($"the SHA-256 of entry '{WeightsEntry}' is {actualHash} but {ManifestEntry} records {manifest.Weights.Sha256}: the weights are corrupt or were modified");

            SafeTensorsFile tensors;
            try
            {
                tensors = SafeTensors.Load(weights);
            }
            catch (InvalidDataException e)
            {
                throw Fail($"entry '{WeightsEntry}' is not valid safetensors data: {e.Message}", e);
            }
            using (tensors)
            {
                CheckWeights(manifest.Options, tensors.Tensors, Fail);
                var model = SslModel.Create(manifest.Options);
                try
                {
                    model.load_state_dict(new Dictionary<string, Tensor>(tensors.Tensors, StringComparer.Ordinal));
                    if (model.FeatureDimension != manifest.FeatureDimension)
                        throw Fail($"{ManifestEntry} records {manifest.FeatureDimension} features but the model gives {model.FeatureDimension}");
                    if (device is { type: not DeviceType.CPU }) model.to(device);
                    model.eval();
                    return new ModelBundle(manifest, model);
                }
                catch
                {
                    model.Dispose();
                    throw;
                }
            }
        }
    }

    /// <summary>
    /// Checks the weights against the model the options describe — names and shapes, found on the meta device so nothing
    /// is allocated from the options' sizes — and that every floating-point value is finite, before any model is built.
    /// </summary>
    private static void CheckWeights(SslOptions options, IReadOnlyDictionary<string, Tensor> weights, Func<string, Exception?, InvalidDataException> fail)
    {
        var expected = SslModel.StateShapes(options);
        string[][] problems =
        [
            expected.Where(e => weights.TryGetValue(e.Key, out var t) && !t.shape.SequenceEqual(e.Value))
                .Select(e => $"'{e.Key}' has shape [{string.Join(", ", weights[e.Key].shape)}] where the options need [{string.Join(", ", e.Value)}]").ToArray(),
            expected.Keys.Where(k => !weights.ContainsKey(k)).Select(k => $"'{k}' is missing").ToArray(),
            weights.Keys.Where(k => !expected.ContainsKey(k)).Order(StringComparer.Ordinal).Select(k => $"'{k}' is unexpected").ToArray(),
        ];
        int count = problems.Sum(p => p.Length);
        if (count > 0)
        {
            var shown = problems.SelectMany(p => p.Take(2)).ToList();
            throw fail($"the weights do not fit the {options.MethodName} model its options describe ({options.Backbone}, {options.Channels}x{options.Height}x{options.Width}, " +
                       $"latentDim {options.LatentDim}): {string.Join("; ", shown)}{(count > shown.Count ? $"; and {count - shown.Count} more" : "")}", null);
        }
        foreach (var (name, tensor) in weights.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            if (!tensor.is_floating_point()) continue;
            using var finite = tensor.isfinite();
            using var all = finite.all();
            if (!all.item<bool>()) throw fail($"tensor '{name}' of entry '{WeightsEntry}' holds NaN or infinite values; the model is unusable (was training diverging when it was saved?)", null);
        }
    }

    private static Manifest ParseManifest(byte[] bytes, Func<string, Exception?, InvalidDataException> fail)
    {
        InvalidDataException Fail(string problem, Exception? inner = null) => fail($"{ManifestEntry}: {problem}", inner);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw Fail($"not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Fail($"expected a JSON object, found {root.ValueKind}");
            if (!root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != FormatName)
                throw Fail($"field 'format' must be \"{FormatName}\"; this is not a SimVae model bundle");
            if (!root.TryGetProperty("formatVersion", out var versionElement) || versionElement.ValueKind != JsonValueKind.Number || !versionElement.TryGetInt32(out int version))
                throw Fail("field 'formatVersion' is missing or not an integer");
            if (version > CurrentFormatVersion)
                throw Fail($"bundle format version {version} is newer than this library (SimVae {CurrentLibraryVersion}) reads (up to {CurrentFormatVersion}); upgrade SimVae");
            if (version < 1) throw Fail($"bundle format version {version} is not a valid version");
            if (!root.TryGetProperty("options", out var optionsElement) || optionsElement.ValueKind != JsonValueKind.Object)
                throw Fail("field 'options' is missing or not an object");
            if (!optionsElement.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String)
                throw Fail("field 'options.method' is missing or not a string");
            var known = SslMethods.Discriminators;
            if (!known.Contains(method.GetString()!, StringComparer.Ordinal))
                throw Fail($"unknown method '{method.GetString()}' in 'options.method'; this library knows {string.Join(", ", known)}");

            Manifest manifest;
            try
            {
                manifest = root.Deserialize<Manifest>(Json) ?? throw Fail("the manifest is null");
            }
            catch (JsonException e)
            {
                throw Fail($"does not match bundle format version {version}: {e.Message}", e);
            }
            try
            {
                manifest.Options.Validate();
            }
            catch (ArgumentException e)
            {
                throw Fail($"invalid options: {FirstLine(e.Message)}", e);
            }
            var o = manifest.Options;
            var expected = ModelInput.For(o);
            if (manifest.Input != expected)
                throw Fail($"input {manifest.Input} is inconsistent with the options, which describe {expected}");
            var data = manifest.TrainingData;
            if (data.Channels != o.Channels || data.Height != o.Height || data.Width != o.Width)
                throw Fail($"the training data ({data.Channels}x{data.Height}x{data.Width} images) does not have the input shape {o.Channels}x{o.Height}x{o.Width}");
            if (data.Count < 0 || data.Sha256.Length != 64 || !data.Sha256.All(char.IsAsciiHexDigit))
                throw Fail("field 'trainingData' is malformed (count must be non-negative, sha256 64 hexadecimal digits)");
            if (manifest.Weights.Entry != WeightsEntry)
                throw Fail($"weights entry '{manifest.Weights.Entry}' is not '{WeightsEntry}'");
            if (manifest.Weights.Bytes is < 0 or > MaxWeightsBytes)
                throw Fail($"field 'weights.bytes' is {manifest.Weights.Bytes}; it must be in 0..{MaxWeightsBytes}");
            if (manifest.FeatureDimension is < 1 or > SslOptions.MaxLatentDim)
                throw Fail($"field 'featureDimension' is {manifest.FeatureDimension}; it must be in 1..{SslOptions.MaxLatentDim}");
            if (manifest.Weights.Sha256.Length != 64 || !manifest.Weights.Sha256.All(char.IsAsciiHexDigit))
                throw Fail("field 'weights.sha256' must be 64 hexadecimal digits");
            return manifest;
        }
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry, long limit, Func<string, Exception?, InvalidDataException> fail)
    {
        if (entry.Length > limit)
            throw fail($"entry '{entry.FullName}' declares {entry.Length} bytes, more than the {limit} allowed", null);
        bool tooLong = false;
        // The declared length is bounded above; the copy still stops at the limit whatever the data says.
        using var buffer = new MemoryStream((int)Math.Min(entry.Length, 1 << 24));
        try
        {
            using var source = entry.Open();
            var chunk = new byte[1 << 16];
            int read;
            while ((read = source.Read(chunk)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    tooLong = true;
                    break;
                }
                buffer.Write(chunk, 0, read);
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw fail($"entry '{entry.FullName}' cannot be read (corrupt archive): {e.Message}", e);
        }
        if (tooLong) throw fail($"entry '{entry.FullName}' holds more than the {limit} bytes allowed", null);
        return buffer.ToArray();
    }

    private static string FirstLine(string text) => text.ReplaceLineEndings("\n").Split('\n')[0];

    private static string Describe(ZipArchive archive) =>
        archive.Entries.Count == 0 ? "none" : string.Join(", ", archive.Entries.Select(e => $"'{e.FullName}'"));

    private static string Sha256Hex(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private sealed record Manifest
    {
        public required string Format { get; init; }
        public required int FormatVersion { get; init; }
        public required SslOptions Options { get; init; }
        public required ModelInput Input { get; init; }
        public required int FeatureDimension { get; init; }
        public required string LibraryVersion { get; init; }
        public required string TorchVersion { get; init; }
        public required DateTimeOffset CreatedUtc { get; init; }
        public required DataFingerprint TrainingData { get; init; }
        public required WeightsInfo Weights { get; init; }
    }

    private sealed record WeightsInfo
    {
        public required string Entry { get; init; }
        public required long Bytes { get; init; }
        public required string Sha256 { get; init; }
    }
}

/// <summary>
/// The images a bundled model takes: float32 tensors [N, <see cref="Channels"/>, <see cref="Height"/>,
/// <see cref="Width"/>] (NCHW) whose values are the uint8 pixels divided by 255, so they lie in [0, 1], with no
/// mean/standard-deviation normalisation — what <see cref="Data.ImageDataset.ToTensor(Device?)"/> produces.
/// </summary>
/// <param name="Channels">C: 1 grey, 3 RGB.</param>
/// <param name="Height">H in pixels.</param>
/// <param name="Width">W in pixels.</param>
/// <param name="Layout">Tensor layout; always "NCHW".</param>
/// <param name="ElementType">Element type; always "float32".</param>
/// <param name="Normalization">Pixel normalisation; always <see cref="UnitRange"/>.</param>
public sealed record ModelInput(int Channels, int Height, int Width, string Layout = "NCHW", string ElementType = "float32", string Normalization = ModelInput.UnitRange)
{
    /// <summary>The only normalisation: uint8 pixels divided by 255, values in [0, 1].</summary>
    public const string UnitRange = "pixels/255, values in [0, 1]";

    /// <summary>The input an options object describes.</summary>
    public static ModelInput For(SslOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ModelInput(options.Channels, options.Height, options.Width);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Layout} {ElementType} {Channels}x{Height}x{Width} ({Normalization})";
}
