using static TorchSharp.torch;

namespace SimVae.Serialization;

/// <summary>
/// The tensors and metadata read from a safetensors file. It owns the tensors: disposing it disposes every
/// tensor still in <see cref="Tensors"/>; take the ones you keep with <see cref="Take"/> or <see cref="TakeAll"/>.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    private readonly Dictionary<string, Tensor> tensors;
    private bool disposed;

    internal SafeTensorsFile(Dictionary<string, Tensor> tensors, Dictionary<string, string> metadata)
    {
        this.tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The tensors still owned by this object, by name (empty after <see cref="Dispose"/>).</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors => tensors;

    /// <summary>The file's <c>__metadata__</c> string pairs (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Removes the tensor named <paramref name="name"/> and hands it to the caller, who must dispose it.</summary>
    /// <exception cref="KeyNotFoundException">No tensor of that name is left.</exception>
    public Tensor Take(string name)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentNullException.ThrowIfNull(name);
        if (!tensors.Remove(name, out var tensor))
            throw new KeyNotFoundException($"no tensor named '{name}' in the file (or it was already taken); names: {string.Join(", ", tensors.Keys)}");
        return tensor;
    }

    /// <summary>Hands every remaining tensor to the caller, who must dispose them; this object is then empty.</summary>
    public Dictionary<string, Tensor> TakeAll()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var all = new Dictionary<string, Tensor>(tensors, StringComparer.Ordinal);
        tensors.Clear();
        return all;
    }

    /// <summary>Disposes the tensors that were not taken.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var t in tensors.Values) t.Dispose();
        tensors.Clear();
    }
}
