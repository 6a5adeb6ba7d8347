using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SimVae.Engine;

/// <summary>
/// y = x·Wᵀ + b, as <c>torch.nn.Linear</c> (same parameter names and default initialisation), computed in the thread's
/// <see cref="MixedPrecision"/> precision.
/// </summary>
public sealed class Linear : nn.Module<Tensor, Tensor>
{
    /// <summary>The weight, [outFeatures, inFeatures], float32.</summary>
    public Parameter weight;

    /// <summary>The bias, [outFeatures], or null.</summary>
    public Parameter? bias;

    /// <summary>Creates the layer with PyTorch's initialisation (Kaiming-uniform with a = √5; bias U(±1/√fan_in)).</summary>
    public Linear(long inFeatures, long outFeatures, bool hasBias = true) : base(nameof(Linear))
    {
        LayerInit.RequirePositive(inFeatures, nameof(inFeatures));
        LayerInit.RequirePositive(outFeatures, nameof(outFeatures));
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        weight = LayerInit.Weight([outFeatures, inFeatures]);
        bias = hasBias ? LayerInit.Bias(outFeatures, fanIn: inFeatures) : null;
        RegisterComponents();
    }

    /// <summary>Input width.</summary>
    public long InFeatures { get; }

    /// <summary>Output width.</summary>
    public long OutFeatures { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => MixedPrecision.Apply(input, weight, bias, (x, w, b) => nn.functional.linear(x, w, b));
}
