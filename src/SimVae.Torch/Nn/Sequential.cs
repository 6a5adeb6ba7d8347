using System.Collections;

namespace SimVae.Torch.Nn;

/// <summary>
/// Applies its children in order (PyTorch's <c>nn.Sequential</c>); they are named "0", "1", ... so parameter
/// names match PyTorch's (<c>0.weight</c>, <c>2.bias</c>, ...). Supports collection initialisers:
/// <code>var mlp = new Sequential { new Linear(784, 500), new ReLU(), new Linear(500, 20) };</code>
/// Intermediate outputs are disposed as soon as the next layer has consumed them (autograd keeps what it needs).
/// </summary>
public sealed class Sequential : Module<Tensor, Tensor>, IEnumerable<Module<Tensor, Tensor>>
{
    private readonly List<Module<Tensor, Tensor>> layers = new();

    /// <summary>Creates a sequence of the given layers.</summary>
    public Sequential(params IEnumerable<Module<Tensor, Tensor>> modules)
    {
        foreach (var m in modules) Add(m);
    }

    /// <summary>Appends a layer (named by its position); the sequence owns it.</summary>
    /// <returns>This sequence.</returns>
    public Sequential Add(Module<Tensor, Tensor> module)
    {
        RegisterModule(layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        layers.Add(module);
        return this;
    }

    /// <summary>Number of layers.</summary>
    public int Count => layers.Count;

    /// <summary>The layer at <paramref name="index"/>.</summary>
    public Module<Tensor, Tensor> this[int index] => layers[index];

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        var h = input;
        foreach (var layer in layers)
        {
            var next = layer.Forward(h);
            if (!ReferenceEquals(h, input) && !ReferenceEquals(h, next)) h.Dispose();
            h = next;
        }
        return ReferenceEquals(h, input) ? input.Alias() : h;
    }

    /// <inheritdoc />
    public IEnumerator<Module<Tensor, Tensor>> GetEnumerator() => layers.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => $"Sequential({string.Join(", ", layers)})";
}
