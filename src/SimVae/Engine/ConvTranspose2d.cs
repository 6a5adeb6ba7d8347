using static TorchSharp.torch;

namespace SimVae.Engine;

/// <summary>
/// A square-kernel 2-D transposed convolution, as <c>torch.nn.ConvTranspose2d</c> (same parameter names and default
/// initialisation; PyTorch takes fan_in from the weight's second dimension, here outChannels·k², and so does this),
/// computed in the thread's <see cref="MixedPrecision"/> precision.
/// </summary>
public sealed class ConvTranspose2d : SquareConvolution
{
    /// <summary>Creates the layer with PyTorch's initialisation.</summary>
    public ConvTranspose2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, bool bias = true)
        : base(nameof(ConvTranspose2d), inChannels, outChannels, kernelSize, stride, padding, bias, transposed: true)
    {
    }

    private protected override Tensor Product(Tensor input, Tensor weight, Tensor? bias) =>
        nn.functional.conv_transpose2d(input, weight, bias, strides: [Stride, Stride], padding: [Padding, Padding]);
}
