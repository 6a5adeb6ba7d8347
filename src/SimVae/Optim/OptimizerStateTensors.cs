using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SimVae.Optim;

/// <summary>
/// An optimiser's complete state as named tensors, for checkpoints that resume exactly (TorchSharp's own
/// <c>save_state_dict</c> writes an opaque stream instead): <c>step</c> (int64, optimiser steps taken),
/// <c>param_groups.{g}.lr</c> (float64) and, for each parameter i (in the order of the groups) that has state,
/// <c>state.{i}.step</c> (int64), <c>state.{i}.exp_avg</c> and <c>state.{i}.exp_avg_sq</c> (Adam, AdamW) or
/// <c>state.{i}.momentum_buffer</c> (SGD with momentum, <see cref="Lars"/>) — the key names of PyTorch's state dict.
/// </summary>
public static class OptimizerStateTensors
{
    private static readonly string[] AdamNames = ["step", "exp_avg", "exp_avg_sq"];
    private static readonly string[] MomentumNames = ["momentum_buffer"];

    /// <summary>The state as new tensors (copies, owned by the caller).</summary>
    /// <param name="optimizer">Adam, AdamW, SGD or <see cref="Lars"/>.</param>
    /// <param name="stepCount">Optimiser steps taken (saved as <c>step</c>).</param>
    /// <exception cref="NotSupportedException">Another optimiser, or AMSGrad's extra state.</exception>
    public static Dictionary<string, Tensor> Save(optim.Optimizer optimizer, long stepCount)
    {
        var (groups, states) = Open(optimizer);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var noGrad = no_grad();
        result.Add("step", tensor(stepCount));
        for (int g = 0; g < groups.Count; g++) result.Add(Key("param_groups", g, "lr"), tensor(groups[g].LearningRate));
        for (int i = 0; i < states.Count; i++)
            foreach (var (name, value) in Read(states[i])) result.Add(Key("state", i, name), value);
        return result;
    }

    /// <summary>
    /// Restores a state written by <see cref="Save"/> (of the same kind of optimiser over parameters of the same shapes,
    /// in the same order); returns its step count. Tensors are copied to each parameter's device and type; the caller
    /// keeps ownership of <paramref name="state"/>. Parameters without entries start fresh. Nothing changes when a check fails.
    /// </summary>
    /// <exception cref="InvalidOperationException">A missing <c>step</c>, an unknown key, an index out of range, a shape
    /// mismatch, or a parameter with state tensors but no step count (the message lists every problem).</exception>
    public static long Load(optim.Optimizer optimizer, IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var scope = NewDisposeScope();
        var (groups, states) = Open(optimizer);
        var parameters = groups.SelectMany(g => g.Parameters).ToArray();
        var parameterOptions = groups.SelectMany(g => g.Parameters.Select(_ => g.Options)).ToArray();
        var names = states.Select(NamesOf).ToArray();
        var errors = new List<string>();
        var perParameter = new Dictionary<string, Tensor>?[states.Count];
        var rates = new double?[groups.Count];
        long? step = null;
        foreach (var (key, value) in state)
        {
            if (value is null) { errors.Add($"'{key}' is null"); continue; }
            if (key == "step") { step = ReadLong(value, key, errors); continue; }
            var parts = key.Split('.');
            if (parts.Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int i))
                errors.Add($"unexpected key '{key}'");
            else if (parts[0] == "param_groups" && parts[2] == "lr")
            {
                if (i >= groups.Count) errors.Add($"'{key}': the optimiser has {groups.Count} parameter group(s)");
                else if (value.numel() != 1 || !value.is_floating_point()) errors.Add($"'{key}' must be one number");
                else rates[i] = value.to(ScalarType.Float64).item<double>();
            }
            else if (parts[0] == "state")
            {
                if (i >= states.Count) errors.Add($"'{key}': the optimiser has {states.Count} parameter(s)");
                else if (!names[i].Contains(parts[2])) errors.Add($"unexpected key '{key}' ({optimizer.GetType().Name} keeps {string.Join(", ", names[i])})");
                else if (parts[2] == "step") { if (ReadLong(value, key, errors) is { } s && s < 0) errors.Add($"'{key}' must not be negative"); else (perParameter[i] ??= [])[parts[2]] = value; }
                else if (!value.shape.SequenceEqual(parameters[i].shape))
                    errors.Add($"'{key}' has shape [{string.Join(", ", value.shape)}] but parameter {i} has [{string.Join(", ", parameters[i].shape)}]");
                else (perParameter[i] ??= [])[parts[2]] = value;
            }
            else errors.Add($"unexpected key '{key}'");
        }
        if (step is null) errors.Add("'step' is missing");
        for (int i = 0; i < states.Count; i++)
            if (perParameter[i] is { } entries && names[i].Any(n => !entries.ContainsKey(n)))
                errors.Add($"the state of parameter {i} is partial: it needs {string.Join(", ", names[i].Select(n => $"'state.{i}.{n}'"))}");
        if (errors.Count > 0) throw new InvalidOperationException($"cannot load the {optimizer.GetType().Name} state: {string.Join("; ", errors)}");

        using var noGrad = no_grad();
        for (int i = 0; i < states.Count; i++) Write(states[i], parameters[i], parameterOptions[i], perParameter[i]);
        for (int g = 0; g < groups.Count; g++)
            if (rates[g] is { } lr) groups[g].LearningRate = lr;
        return step!.Value;
    }

    private static (IReadOnlyList<TorchSharp.Modules.ParamGroup> Groups, IReadOnlyList<OptimizerState> States) Open(optim.Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (optimizer is not OptimizerHelper helper) throw new NotSupportedException($"{optimizer.GetType().Name} keeps its state in native code");
        var groups = optimizer.ParamGroups.Cast<TorchSharp.Modules.ParamGroup>().ToList();
        var states = helper.state_dict().State;
        foreach (var s in states) NamesOf(s);
        return (groups, states);
    }

    private static string[] NamesOf(OptimizerState state) => state switch
    {
        Adam.State { max_exp_avg_sq: not null } or AdamW.State { max_exp_avg_sq: not null } => throw new NotSupportedException("AMSGrad's state is not supported"),
        Adam.State or AdamW.State => AdamNames,
        SGD.State or Lars.State => MomentumNames,
        _ => throw new NotSupportedException($"no named-tensor form for the state of {state.GetType().FullName}"),
    };

    /// <summary>Copies of a parameter's state tensors (none before its first update).</summary>
    private static IEnumerable<(string Name, Tensor Value)> Read(OptimizerState state)
    {
        var (step, tensors) = state switch
        {
            Adam.State a => (a.step, new[] { a.exp_avg, a.exp_avg_sq }),
            AdamW.State a => (a.step, new[] { a.exp_avg, a.exp_avg_sq }),
            SGD.State s => (s.momentum_buffer is null ? 0 : -1, new[] { s.momentum_buffer }),
            Lars.State s => (s.momentum_buffer is null ? 0 : -1, new[] { s.momentum_buffer }),
            _ => throw new NotSupportedException(state.GetType().FullName),
        };
        if (step == 0) yield break;
        var names = NamesOf(state);
        if (step > 0) yield return ("step", tensor(step));
        foreach (var (name, t) in names.Where(n => n != "step").Zip(tensors)) yield return (name, t!.detach().clone());
    }

    /// <summary>Sets a parameter's state from checked entries (null: a fresh state).</summary>
    private static void Write(OptimizerState state, Parameter parameter, OptimizerOptions options, Dictionary<string, Tensor>? entries)
    {
        state.Initialize(options);
        Tensor Copy(string name) => entries![name].to(parameter.dtype, parameter.device, copy: true).detach().DetachFromDisposeScope();
        switch (state)
        {
            case Adam.State a:
                if (entries is null) return;
                a.step = ReadLong(entries["step"], "step", [])!.Value;
                a.exp_avg.copy_(entries["exp_avg"]);
                a.exp_avg_sq.copy_(entries["exp_avg_sq"]);
                break;
            case AdamW.State a:
                if (entries is null) return;
                a.step = ReadLong(entries["step"], "step", [])!.Value;
                a.exp_avg.copy_(entries["exp_avg"]);
                a.exp_avg_sq.copy_(entries["exp_avg_sq"]);
                break;
            case SGD.State s:
                if (entries is not null) s.momentum_buffer = Copy("momentum_buffer");
                break;
            case Lars.State s:
                if (entries is not null) s.momentum_buffer = Copy("momentum_buffer");
                break;
        }
    }

    private static string Key(string kind, int index, string name) => $"{kind}.{index.ToString(CultureInfo.InvariantCulture)}.{name}";

    private static long? ReadLong(Tensor t, string key, List<string> errors)
    {
        if (t.numel() != 1 || t.is_floating_point() || t.dtype == ScalarType.Bool)
        {
            errors.Add($"'{key}' must be one integer");
            return null;
        }
        return t.to(ScalarType.Int64).reshape(1).item<long>();
    }
}
