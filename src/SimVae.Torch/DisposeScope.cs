namespace SimVae.Torch;

/// <summary>
/// Collects every tensor created on this thread while it is the innermost open scope, and disposes them
/// when the scope is disposed — except those moved out with <see cref="Tensor.MoveToOuterScope"/> or
/// <see cref="Tensor.DetachFromScope"/>. A training loop opens one per step, so memory stays flat.
/// <code>
/// using (DisposeScope.Open()) { var loss = model.Forward(x).Mean(); loss.Backward(); optimizer.Step(); }
/// </code>
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? current;
    private readonly DisposeScope? outer;
    private readonly List<Tensor> owned = new();
    private bool disposed;

    private DisposeScope(DisposeScope? outer) => this.outer = outer;

    /// <summary>The innermost open scope of this thread, or null.</summary>
    public static DisposeScope? Current => current;

    /// <summary>Opens a scope nested in the current one.</summary>
    public static DisposeScope Open() => current = new DisposeScope(current);

    /// <summary>Number of tensors the scope currently owns.</summary>
    public int Count => owned.Count(t => t.Scope == this);

    internal void Add(Tensor tensor)
    {
        tensor.Scope = this;
        owned.Add(tensor);
    }

    internal DisposeScope? Outer => outer;

    /// <summary>Disposes every tensor still owned by the scope and makes the outer scope current again.</summary>
    public void Dispose()
    {
        if (disposed) return;
        // Check before marking: a scope disposed out of order stays open (and can still be closed properly),
        // instead of becoming the thread's current scope again later, dead, collecting tensors it never frees.
        if (current != this)
            throw new InvalidOperationException("dispose scopes must be closed in the reverse order they were opened, on the thread that opened them");
        disposed = true;
        current = outer;
        foreach (var t in owned)
            if (t.Scope == this) t.Dispose();
        owned.Clear();
    }
}
