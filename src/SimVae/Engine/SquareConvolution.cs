using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SimVae.Engine;

/// <summary>
/// What <see cref="Conv2d"/> and <see cref="ConvTranspose2d"/> share: a square kernel, one stride and one padding in
/// both directions, PyTorch's parameter names and initialisation, and a product computed in the thread's
/// <see cref="MixedPrecision"/> precision.
/// </summary>
public abstract class SquareConvolution : nn.Module<Tensor, Tensor>
{
    /// <summary>The kernel: [outChannels, inChannels, k, k] for a convolution, [inChannels, outChannels, k, k] transposed.</summary>
    public Parameter weight;

    /// <summary>The bias, [outChannels], or null.</summary>
    public Parameter? bias;

    /// <summary>Checks the arguments and draws the parameters (PyTorch's fan_in is the kernel's second dimension × k²).</summary>
    private protected SquareConvolution(string name, long inChannels, long outChannels, long kernelSize, long stride, long padding, bool bias, bool transposed)
        : base(name)
    {
        LayerInit.RequireConvolution(inChannels, outChannels, kernelSize, stride, padding);
        (InChannels, OutChannels, KernelSize, Stride, Padding) = (inChannels, outChannels, kernelSize, stride, padding);
        long[] shape = transposed ? [inChannels, outChannels, kernelSize, kernelSize] : [outChannels, inChannels, kernelSize, kernelSize];
        weight = LayerInit.Weight(shape);
        this.bias = bias ? LayerInit.Bias(outChannels, fanIn: shape[1] * kernelSize * kernelSize) : null;
        RegisterComponents();
    }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; }

    /// <summary>Kernel height and width.</summary>
    public long KernelSize { get; }

    /// <summary>Stride in both directions.</summary>
    public long Stride { get; }

    /// <summary>Zero padding on every side.</summary>
    public long Padding { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => MixedPrecision.Apply(input, weight, bias, Product);

    /// <summary>The layer's product on operands already in the computing precision.</summary>
    private protected abstract Tensor Product(Tensor input, Tensor weight, Tensor? bias);
}
