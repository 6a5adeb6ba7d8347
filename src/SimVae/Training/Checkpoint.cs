using System.Globalization;
using System.Text.Json;
using SimVae.Bundles;
using SimVae.Data;
using SimVae.Engine;
using SimVae.Methods;
using SimVae.Serialization;
using static TorchSharp.torch;

namespace SimVae.Training;

/// <summary>
/// What a checkpoint belongs to: the run it continues must have the same method options (every field, learning rate and
/// batch size included), seed, mixed-precision setting and training data. Epochs, step limits and the device may change.
/// </summary>
/// <param name="Seed">The seed of weights, data order, augmentations and sampling noise (the random state is derived from it and the step).</param>
/// <param name="Data">The training data's fingerprint.</param>
/// <param name="Precision">The precision the steps run in, resolved (<see cref="PrecisionPolicy.Resolve"/>).</param>
/// <param name="BatchesPerEpoch">Batches per epoch of the data at the options' batch size (to check the position).</param>
public sealed record CheckpointRun(int Seed, DataFingerprint Data, Precision Precision, long BatchesPerEpoch);

/// <summary>
/// A training checkpoint: model weights ("model.*"), optimiser state ("optim.*", <see cref="OptimizerSetup.StateTensors"/>) and, as metadata, the step, the loader
/// position to continue from, the method's options, the seed, the mixed-precision setting and the training data's
/// fingerprint — everything needed to resume exactly — plus a SHA-256 over all of it (<see cref="SafeTensors.ContentHash"/>).
/// One safetensors file, written atomically. <see cref="Load"/> verifies the hash, that nothing is missing and that the run
/// is the same before it changes the model, and refuses anything else with an <see cref="InvalidDataException"/>.
/// </summary>
public static class Checkpoint
{
    /// <summary>The <c>format</c> metadata value of a SimVae checkpoint.</summary>
    public const string FormatName = "simvae-checkpoint";

    /// <summary>The checkpoint format version written and read (1 had no hash and no run identity).</summary>
    public const int FormatVersion = 2;

    private const string ModelPrefix = "model.";
    private const string OptimizerPrefix = "optim.";
    private const string HashKey = "sha256";

    /// <summary>Writes the checkpoint.</summary>
    public static void Save(string path, SslModel model, OptimizerSetup optimizer, long step, LoaderPosition next, CheckpointRun run)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(run);
        var tensors = new Dictionary<string, Tensor>();
        // The model's own tensors (not copies): only the optimiser's copies are disposed below.
        foreach (var (name, t) in model.state_dict()) tensors[ModelPrefix + name] = t;
        var optimizerState = optimizer.StateTensors();
        foreach (var (name, t) in optimizerState) tensors[OptimizerPrefix + name] = t;
        var metadata = new Dictionary<string, string>(Identity(model.Options, run))
        {
            ["step"] = Text(step),
            ["epoch"] = Text(next.Epoch),
            ["batch"] = Text(next.Batch),
        };
        try
        {
            metadata[HashKey] = SafeTensors.ContentHash(tensors, metadata);
            SafeTensors.Save(path, tensors, metadata);
        }
        finally
        {
            foreach (var t in optimizerState.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Restores model and optimiser from a checkpoint of the same run; returns the step and the loader position to
    /// continue from. Nothing is changed unless every check passes.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a complete, intact checkpoint, or it belongs to another run
    /// (the message lists every difference).</exception>
    public static (long Step, LoaderPosition Next) Load(string path, SslModel model, OptimizerSetup optimizer, CheckpointRun run)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(run);
        InvalidDataException Fail(string problem) => new($"checkpoint '{path}' {problem}");
        using var file = LoadFile(path);
        var meta = file.Metadata;
        if (!meta.TryGetValue("format", out var format) || format != FormatName)
            throw Fail("is not a SimVae checkpoint of this version (written by an older SimVae, or another file)");
        if (!meta.TryGetValue("version", out var version) || version != Text(FormatVersion))
            throw Fail($"has format version '{version}'; this library reads version {FormatVersion}");
        if (!meta.TryGetValue(HashKey, out var recorded))
            throw Fail($"has no '{HashKey}' content hash");
        var actual = SafeTensors.ContentHash(file.Tensors, meta, HashKey);
        if (recorded != actual)
            throw Fail($"is corrupt or was modified: its content hash is {actual} but it records {recorded}");

        var differences = Identity(model.Options, run).Where(kv => !meta.TryGetValue(kv.Key, out var v) || v != kv.Value)
            .SelectMany(kv => Describe(kv.Key, meta.GetValueOrDefault(kv.Key), kv.Value)).ToList();
        if (differences.Count > 0)
            throw Fail($"belongs to another run: {string.Join("; ", differences)}");

        long step = Integer(meta, "step", 0, long.MaxValue, Fail);
        int epoch = (int)Integer(meta, "epoch", 0, int.MaxValue, Fail);
        int batch = (int)Integer(meta, "batch", 0, Math.Max(0, run.BatchesPerEpoch - 1), Fail);
        if (step != epoch * run.BatchesPerEpoch + batch)
            throw Fail($"is inconsistent: step {step} is not the position epoch {epoch}, batch {batch} at {run.BatchesPerEpoch} batches per epoch");

        var modelState = Select(file, ModelPrefix);
        var optimizerState = Select(file, OptimizerPrefix);
        var missing = CheckOptimizerState(optimizerState, step, optimizer.ParameterCount);
        if (missing is not null) throw Fail($"is incomplete: {missing}");
        var misfit = ModelStateMisfit(model, modelState);
        if (misfit is not null) throw Fail($"does not fit the model: {misfit}");
        try
        {
            // The optimiser checks everything before it changes anything; the model's state was checked above.
            optimizer.LoadStateTensors(optimizerState);
        }
        catch (InvalidOperationException e)
        {
            throw Fail($"does not fit the model: {e.Message}");
        }
        model.load_state_dict(modelState);
        return (step, new LoaderPosition(epoch, batch));
    }

    private static SafeTensorsFile LoadFile(string path)
    {
        try
        {
            return SafeTensors.Load(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"checkpoint '{path}' is not a valid checkpoint file: {e.Message}", e);
        }
    }

    /// <summary>The metadata that identifies a run; a checkpoint resumes only when all of it is equal.</summary>
    private static Dictionary<string, string> Identity(SslOptions options, CheckpointRun run) => new()
    {
        ["format"] = FormatName,
        ["version"] = Text(FormatVersion),
        ["method"] = options.MethodName,
        ["options"] = OptionsDiff.Serialize(options),
        ["seed"] = Text(run.Seed),
        // The names checkpoints wrote when this field held the autocast type ("none" for float32), so they still resume.
        ["mixedPrecision"] = run.Precision switch { Precision.Float32 => "none", Precision.BFloat16 => "BFloat16", var p => p.ToString() },
        ["data"] = $"sha256:{run.Data.Sha256} ({Text(run.Data.Count)} images of {run.Data.Channels}x{run.Data.Height}x{run.Data.Width})",
    };

    /// <summary>Names what differs: for the options, each field; otherwise the key, with the checkpoint's and the run's values.</summary>
    private static IEnumerable<string> Describe(string key, string? saved, string wanted)
    {
        if (key != "options" || saved is null) return [$"{key} is {saved ?? "missing"} in the checkpoint, {wanted} now"];
        try
        {
            return OptionsDiff.Fields(saved, wanted).Select(d => $"{d.Field} is {d.A} in the checkpoint, {d.B} now");
        }
        catch (JsonException)
        {
            return ["options are not valid JSON in the checkpoint"];
        }
    }

    /// <summary>After step 0 every parameter has optimiser state, all with the same entries; null when complete.</summary>
    private static string? CheckOptimizerState(Dictionary<string, Tensor> state, long step, int parameters)
    {
        if (!state.TryGetValue("step", out var saved)) return "the optimizer state ('optim.step') is missing";
        if (saved.numel() != 1 || saved.dtype != ScalarType.Int64 || saved.item<long>() != step)
            return $"'optim.step' does not hold the checkpoint's step {step}";
        if (step == 0 || parameters == 0) return null;
        var entries = Enumerable.Range(0, parameters)
            .Select(i => state.Keys.Count(k => k.StartsWith($"state.{Text(i)}.", StringComparison.Ordinal))).ToArray();
        int full = entries.Max();
        int lacking = Array.FindIndex(entries, n => n < full);
        return lacking < 0 ? null : $"the optimizer state of parameter {lacking} ('optim.state.{lacking}.*') is missing or partial";
    }

    /// <summary>Names, shapes and types the model's state needs that <paramref name="state"/> lacks or gets wrong; null when it fits.</summary>
    private static string? ModelStateMisfit(SslModel model, IReadOnlyDictionary<string, Tensor> state)
    {
        var own = model.state_dict();
        var problems = own.Where(kv => !state.ContainsKey(kv.Key)).Select(kv => $"'model.{kv.Key}' is missing")
            .Concat(state.Keys.Where(k => !own.ContainsKey(k)).Order(StringComparer.Ordinal).Select(k => $"'model.{k}' is unexpected"))
            .Concat(own.Where(kv => state.TryGetValue(kv.Key, out var t) && (!t.shape.SequenceEqual(kv.Value.shape) || t.dtype != kv.Value.dtype))
                .Select(kv => $"'model.{kv.Key}' is {state[kv.Key].dtype} [{string.Join(", ", state[kv.Key].shape)}] where the model has {kv.Value.dtype} [{string.Join(", ", kv.Value.shape)}]"))
            .ToList();
        return problems.Count == 0 ? null : string.Join("; ", problems.Take(4)) + (problems.Count > 4 ? $"; and {problems.Count - 4} more" : "");
    }

    private static long Integer(IReadOnlyDictionary<string, string> meta, string key, long min, long max, Func<string, InvalidDataException> fail)
    {
        if (!meta.TryGetValue(key, out var text)) throw fail($"is incomplete: field '{key}' is missing");
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
            throw fail($"has field '{key}' = '{text}'; it must be an integer in {min}..{max}");
        return value;
    }

    private static Dictionary<string, Tensor> Select(SafeTensorsFile file, string prefix) =>
        file.Tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
