using System.Globalization;
using SimVae.Data;
using SimVae.Methods;
using SimVae.Torch;
using SimVae.Torch.Optim;
using SimVae.Torch.Serialization;

namespace SimVae.Training;

/// <summary>
/// A training checkpoint: model weights ("model.*"), optimiser state ("optim.*") and, as metadata, the step,
/// the loader position to continue from and the seed — everything needed to resume exactly. One safetensors
/// file, written atomically (temporary file, then rename).
/// </summary>
public static class Checkpoint
{
    private const string ModelPrefix = "model.";
    private const string OptimizerPrefix = "optim.";

    /// <summary>Writes the checkpoint.</summary>
    public static void Save(string path, SslModel model, Optimizer optimizer, long step, LoaderPosition next, int seed)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, t) in model.StateDict()) tensors[ModelPrefix + name] = t;
        var optimizerState = optimizer.StateTensors();
        foreach (var (name, t) in optimizerState) tensors[OptimizerPrefix + name] = t;
        var metadata = new Dictionary<string, string>
        {
            ["step"] = step.ToString(CultureInfo.InvariantCulture),
            ["epoch"] = next.Epoch.ToString(CultureInfo.InvariantCulture),
            ["batch"] = next.Batch.ToString(CultureInfo.InvariantCulture),
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["method"] = model.Options.MethodName,
        };
        try
        {
            SafeTensors.Save(path, tensors, metadata);
        }
        finally
        {
            foreach (var t in optimizerState.Values) t.Dispose();
        }
    }

    /// <summary>Restores model and optimiser from a checkpoint; returns the step and the loader position to continue from.</summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint of this method, or its seed differs.</exception>
    public static (long Step, LoaderPosition Next) Load(string path, SslModel model, Optimizer optimizer, int seed)
    {
        using var file = SafeTensors.Load(path);
        string Meta(string key) => file.Metadata.TryGetValue(key, out var v)
            ? v : throw new InvalidDataException($"'{path}' is not a SimVae checkpoint: metadata '{key}' is missing");
        if (Meta("method") != model.Options.MethodName)
            throw new InvalidDataException($"'{path}' is a {Meta("method")} checkpoint, not {model.Options.MethodName}");
        if (int.Parse(Meta("seed"), CultureInfo.InvariantCulture) != seed)
            throw new InvalidDataException($"'{path}' was trained with seed {Meta("seed")}; resuming with seed {seed} would not continue the same run");
        var modelState = Select(file, ModelPrefix);
        model.LoadStateDict(modelState);
        optimizer.LoadStateTensors(Select(file, OptimizerPrefix));
        return (long.Parse(Meta("step"), CultureInfo.InvariantCulture),
            new LoaderPosition(int.Parse(Meta("epoch"), CultureInfo.InvariantCulture), int.Parse(Meta("batch"), CultureInfo.InvariantCulture)));
    }

    private static Dictionary<string, Tensor> Select(SafeTensorsFile file, string prefix) =>
        file.Tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
}
