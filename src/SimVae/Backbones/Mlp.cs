using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Linear = SimVae.Engine.Linear;

namespace SimVae.Backbones;

/// <summary>
/// A multilayer perceptron: Linear layers of the given widths with ReLU between them (none after the last).
/// Inputs of any shape [N, ...] are flattened to [N, sizes[0]] first. State dict: <c>layers.{2k}.weight/bias</c>.
/// </summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Sequential layers;

    /// <summary>Creates the MLP; <paramref name="sizes"/> lists input width, hidden widths and output width.</summary>
    public Mlp(params long[] sizes) : base(nameof(Mlp))
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Length < 2) throw new ArgumentException("an MLP needs at least an input and an output width", nameof(sizes));
        if (sizes.Any(s => s < 1)) throw new ArgumentException($"widths must be positive: [{string.Join(", ", sizes)}]", nameof(sizes));
        var modules = new List<nn.Module<Tensor, Tensor>>();
        for (int k = 0; k + 1 < sizes.Length; k++)
        {
            if (k > 0) modules.Add(nn.ReLU());
            modules.Add(new Linear(sizes[k], sizes[k + 1]));
        }
        layers = nn.Sequential(modules);
        InputWidth = sizes[0];
        OutputWidth = sizes[^1];
        RegisterComponents();
    }

    /// <summary>Width of the (flattened) input.</summary>
    public long InputWidth { get; }

    /// <summary>Width of the output.</summary>
    public long OutputWidth { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (input.dim() == 2) return layers.forward(input);
        using var flat = input.flatten(1);
        return layers.forward(flat);
    }
}
