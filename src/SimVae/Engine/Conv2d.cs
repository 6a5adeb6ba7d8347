using static TorchSharp.torch;

namespace SimVae.Engine;

/// <summary>
/// A square-kernel 2-D convolution, as <c>torch.nn.Conv2d</c> (same parameter names and default initialisation),
/// computed in the thread's <see cref="MixedPrecision"/> precision.
/// </summary>
public sealed class Conv2d : SquareConvolution
{
    /// <summary>Creates the layer with PyTorch's initialisation (Kaiming-uniform with a = √5; bias U(±1/√fan_in)).</summary>
    public Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, bool bias = true)
        : base(nameof(Conv2d), inChannels, outChannels, kernelSize, stride, padding, bias, transposed: false)
    {
    }

    private protected override Tensor Product(Tensor input, Tensor weight, Tensor? bias) =>
        nn.functional.conv2d(input, weight, bias, strides: [Stride, Stride], padding: [Padding, Padding]);
}
