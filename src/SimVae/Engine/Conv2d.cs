using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SimVae.Engine;

/// <summary>
/// A square-kernel 2-D convolution, as <c>torch.nn.Conv2d</c> (same parameter names and default initialisation),
/// computed in the thread's <see cref="MixedPrecision"/> precision.
/// </summary>
public sealed class Conv2d : nn.Module<Tensor, Tensor>
{
    /// <summary>The kernel, [outChannels, inChannels, k, k], float32.</summary>
    public Parameter weight;

    /// <summary>The bias, [outChannels], or null.</summary>
    public Parameter? bias;

    /// <summary>Creates the layer with PyTorch's initialisation (Kaiming-uniform with a = √5; bias U(±1/√fan_in)).</summary>
    public Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, bool bias = true) : base(nameof(Conv2d))
    {
        LayerInit.RequireConvolution(inChannels, outChannels, kernelSize, stride, padding);
        (InChannels, OutChannels, KernelSize, Stride, Padding) = (inChannels, outChannels, kernelSize, stride, padding);
        weight = LayerInit.Weight([outChannels, inChannels, kernelSize, kernelSize]);
        this.bias = bias ? LayerInit.Bias(outChannels, fanIn: inChannels * kernelSize * kernelSize) : null;
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
    public override Tensor forward(Tensor input) =>
        MixedPrecision.Apply(input, weight, bias, (x, w, b) => nn.functional.conv2d(x, w, b, strides: [Stride, Stride], padding: [Padding, Padding]));
}
