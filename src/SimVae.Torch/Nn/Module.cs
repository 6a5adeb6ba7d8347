using System.Text;

namespace SimVae.Torch.Nn;

/// <summary>
/// Base class of neural-network layers and models, shaped like PyTorch's <c>torch.nn.Module</c> but with
/// explicit registration (no reflection): a subclass calls <see cref="RegisterParameter"/>,
/// <see cref="RegisterBuffer"/> and <see cref="RegisterModule{T}"/> in its constructor, and the names it gives
/// become the dotted names of <see cref="NamedParameters"/> and <see cref="StateDict"/> (e.g. <c>encoder.0.weight</c>).
/// The module owns its parameters, buffers and children: <see cref="Dispose()"/> releases them all.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<KeyValuePair<string, Tensor>> parameters = new();
    private readonly List<KeyValuePair<string, Tensor>> buffers = new();
    private readonly List<KeyValuePair<string, Module>> children = new();
    private bool disposed;

    /// <summary>Whether the module is in training mode (dropout active, batch norm uses batch statistics). True on creation.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Whether <see cref="Dispose()"/> has been called.</summary>
    public bool IsDisposed => disposed;

    /// <summary>
    /// Registers <paramref name="module"/> as a child named <paramref name="name"/>; its parameters appear as
    /// <c>name.*</c>. The parent now owns (and disposes) the child.
    /// </summary>
    /// <returns><paramref name="module"/>, so a field can be assigned in one line.</returns>
    /// <exception cref="ArgumentException">The name is empty, contains a dot, or is already taken.</exception>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckNewName(name);
        if (ReferenceEquals(module, this)) throw new ArgumentException("a module cannot be its own child", nameof(module));
        children.Add(new(name, module));
        return module;
    }

    /// <summary>
    /// Registers a trainable tensor: marks it as requiring gradients and removes it from any
    /// <see cref="DisposeScope"/> (the module owns it from now on).
    /// </summary>
    /// <returns><paramref name="value"/>, so a field can be assigned in one line.</returns>
    /// <exception cref="ArgumentException">The name is invalid or taken, or the tensor is not a floating-point leaf.</exception>
    protected Tensor RegisterParameter(string name, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        CheckNewName(name);
        if (!value.DType.IsFloatingPoint())
            throw new ArgumentException($"parameter '{name}' must be floating point, got {value.DType}", nameof(value));
        if (!value.IsLeaf)
            throw new ArgumentException($"parameter '{name}' must be a leaf tensor (created directly, not by an operation on a tensor requiring grad); pass x.Detach()", nameof(value));
        value.DetachFromScope();
        value.RequiresGrad = true;
        parameters.Add(new(name, value));
        return value;
    }

    /// <summary>
    /// Registers a non-trainable tensor that is part of the module's state (e.g. batch norm's running mean):
    /// saved in <see cref="StateDict"/>, moved by <see cref="To(Device, ScalarType?)"/>, owned by the module.
    /// </summary>
    /// <returns><paramref name="value"/>.</returns>
    protected Tensor RegisterBuffer(string name, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        CheckNewName(name);
        value.DetachFromScope();
        buffers.Add(new(name, value));
        return value;
    }

    private void CheckNewName(string name)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("name must not be empty", nameof(name));
        if (name.Contains('.')) throw new ArgumentException($"name '{name}' must not contain '.'", nameof(name));
        if (parameters.Any(p => p.Key == name) || buffers.Any(b => b.Key == name) || children.Any(c => c.Key == name))
            throw new ArgumentException($"{GetType().Name} already has a member named '{name}'", nameof(name));
    }

    /// <summary>The direct children with their names, in registration order.</summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedChildren() => children;

    /// <summary>This module and every descendant, depth first, with dotted names ("" for this one).</summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedModules(string prefix = "")
    {
        yield return new(prefix, this);
        foreach (var (name, child) in children)
            foreach (var m in child.NamedModules(Join(prefix, name)))
                yield return m;
    }

    /// <summary>
    /// Every parameter of this module and its descendants with PyTorch's dotted names, in PyTorch's order
    /// (a module's own parameters, then its children's, depth first).
    /// </summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedParameters()
    {
        foreach (var (prefix, module) in NamedModules())
            foreach (var (name, p) in module.parameters)
                yield return new(Join(prefix, name), p);
    }

    /// <summary>The tensors of <see cref="NamedParameters"/> (the module's own objects: do not dispose them).</summary>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Value);

    /// <summary>Every buffer of this module and its descendants with dotted names.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedBuffers()
    {
        foreach (var (prefix, module) in NamedModules())
            foreach (var (name, b) in module.buffers)
                yield return new(Join(prefix, name), b);
    }

    /// <summary>The tensors of <see cref="NamedBuffers"/> (the module's own objects: do not dispose them).</summary>
    public IEnumerable<Tensor> Buffers() => NamedBuffers().Select(b => b.Value);

    /// <summary>Total number of parameter elements.</summary>
    public long ParameterCount => Parameters().Sum(p => p.NumberOfElements);

    /// <summary>Sets training mode on this module and all descendants.</summary>
    /// <returns>This module.</returns>
    public Module Train(bool training = true)
    {
        foreach (var (_, m) in NamedModules()) m.Training = training;
        return this;
    }

    /// <summary>Sets evaluation mode (same as <c>Train(false)</c>).</summary>
    /// <returns>This module.</returns>
    public Module Eval() => Train(false);

    /// <summary>
    /// Moves (and optionally converts) every parameter, its gradient and every buffer in place, so references
    /// held in fields and optimizers stay valid. Only floating-point tensors are converted to
    /// <paramref name="dtype"/>; integer buffers (like <c>num_batches_tracked</c>) keep their type.
    /// </summary>
    /// <returns>This module.</returns>
    public Module To(Device device, ScalarType? dtype = null)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        using var noGrad = Autograd.NoGrad();
        foreach (var p in Parameters())
        {
            var grad = p.Grad;
            if (grad is not null) p.Grad = null;
            MoveInPlace(p, device, dtype);
            if (grad is not null)
            {
                using (grad)
                {
                    using var movedGrad = Convert(grad, device, dtype);
                    p.Grad = movedGrad;
                }
            }
        }
        foreach (var b in Buffers()) MoveInPlace(b, device, dtype);
        return this;
    }

    /// <summary>Moves every parameter and buffer to <paramref name="device"/> (see <see cref="To(Device, ScalarType?)"/>).</summary>
    /// <returns>This module.</returns>
    public Module To(Device device) => To(device, null);

    private static Tensor Convert(Tensor t, Device device, ScalarType? dtype) =>
        t.To(device, dtype is { } d && t.DType.IsFloatingPoint() ? d : t.DType);

    private static void MoveInPlace(Tensor t, Device device, ScalarType? dtype)
    {
        var targetType = dtype is { } d && t.DType.IsFloatingPoint() ? d : t.DType;
        if (t.Device == device && t.DType == targetType) return;
        using var moved = t.To(device, targetType);
        t.SetData(moved);
    }

    /// <summary>Clears the gradient of every parameter (PyTorch's <c>zero_grad(set_to_none=True)</c>).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.Grad = null;
    }

    /// <summary>
    /// Parameters and buffers by PyTorch's <c>state_dict()</c> names and order (each module's parameters, then
    /// its buffers, then its children's). The values are new handles, detached from autograd, that share
    /// storage with the module's tensors: dispose them (or let a <see cref="DisposeScope"/> do it) when done.
    /// </summary>
    public Dictionary<string, Tensor> StateDict()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, t) in NamedState()) result.Add(name, t.Detach());
        return result;
    }

    /// <summary>
    /// The names and shapes of the state dict of the module <paramref name="create"/> builds, learned by building it
    /// on libtorch's meta device (tensors without storage): nothing the size of the module is allocated, so declared
    /// sizes can be checked (against a file's tensors, or a memory budget) before a real module is built.
    /// </summary>
    /// <param name="create">Builds the module; it must create its tensors with the factories' default device.</param>
    public static Dictionary<string, long[]> StateShapes(Func<Module> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        using var _ = Tensor.ShapesOnly();
        using var module = create();
        return module.NamedState().ToDictionary(kv => kv.Key, kv => kv.Value.Shape, StringComparer.Ordinal);
    }

    /// <summary>Parameters and buffers in <see cref="StateDict"/> order, as the module's own tensors.</summary>
    private IEnumerable<KeyValuePair<string, Tensor>> NamedState()
    {
        foreach (var (prefix, module) in NamedModules())
        {
            foreach (var (name, p) in module.parameters) yield return new(Join(prefix, name), p);
            foreach (var (name, b) in module.buffers) yield return new(Join(prefix, name), b);
        }
    }

    /// <summary>
    /// Copies values from <paramref name="stateDict"/> into this module's parameters and buffers (converting type
    /// and device as needed), without recording gradients. Nothing is copied when any check fails.
    /// </summary>
    /// <param name="stateDict">Tensors by <see cref="StateDict"/> name; the caller keeps ownership.</param>
    /// <param name="strict">When true, keys missing from <paramref name="stateDict"/> and keys the module does not
    /// have are errors; when false they are ignored. Shape mismatches are always errors.</param>
    /// <returns>The missing and unexpected keys (both empty when <paramref name="strict"/> succeeded).</returns>
    /// <exception cref="InvalidOperationException">Listing every missing or unexpected key and every shape mismatch.</exception>
    public (IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys) LoadStateDict(
        IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        ObjectDisposedException.ThrowIf(disposed, this);
        var own = NamedState().ToList();
        var ownNames = own.Select(o => o.Key).ToHashSet();
        var missing = own.Where(o => !stateDict.ContainsKey(o.Key)).Select(o => o.Key).ToList();
        var unexpected = stateDict.Keys.Where(k => !ownNames.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var mismatches = new List<string>();
        foreach (var (name, target) in own)
        {
            if (!stateDict.TryGetValue(name, out var source)) continue;
            ArgumentNullException.ThrowIfNull(source, $"{nameof(stateDict)}[{name}]");
            var (ts, ss) = (target.Shape, source.Shape);
            if (!ts.SequenceEqual(ss))
                mismatches.Add($"'{name}': checkpoint has shape [{string.Join(", ", ss)}], the module has [{string.Join(", ", ts)}]");
        }
        if (mismatches.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
        {
            var message = new StringBuilder($"Error(s) loading state dict into {GetType().Name}:");
            if (strict && missing.Count > 0) message.Append($" missing key(s): {string.Join(", ", missing.Select(k => $"'{k}'"))}.");
            if (strict && unexpected.Count > 0) message.Append($" unexpected key(s): {string.Join(", ", unexpected.Select(k => $"'{k}'"))}.");
            if (mismatches.Count > 0) message.Append($" size mismatch for {string.Join("; ", mismatches)}.");
            throw new InvalidOperationException(message.ToString());
        }
        using (Autograd.NoGrad())
        {
            foreach (var (name, target) in own)
                if (stateDict.TryGetValue(name, out var source)) target.Copy_(source);
        }
        return (missing, unexpected);
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    /// <summary>Disposes the parameters, buffers and children.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases owned tensors and children; override to release more (and call the base).</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposed) return;
        disposed = true;
        if (!disposing) return;
        foreach (var (_, p) in parameters) p.Dispose();
        foreach (var (_, b) in buffers) b.Dispose();
        foreach (var (_, c) in children) c.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => GetType().Name;
}

/// <summary>A module with a typed forward pass.</summary>
/// <typeparam name="TIn">The input type (usually <see cref="Tensor"/>).</typeparam>
/// <typeparam name="TOut">The output type.</typeparam>
public abstract class Module<TIn, TOut> : Module
{
    /// <summary>
    /// Computes the output. Returns new tensors owned by the caller (or the current <see cref="DisposeScope"/>);
    /// never disposes its input.
    /// </summary>
    public abstract TOut Forward(TIn input);
}
