namespace SimVae.Torch.Nn;

/// <summary>
/// 2-D convolution over NCHW input (PyTorch's <c>nn.Conv2d</c> with square kernel, stride and padding):
/// weight (out, in, k, k), bias (out), both initialised U(±1/√(in·k·k)) as PyTorch does.
/// </summary>
public sealed class Conv2d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelSize">Side of the square kernel.</param>
    /// <param name="stride">Step between kernel applications.</param>
    /// <param name="padding">Zero padding added to each side.</param>
    /// <param name="bias">Whether to learn an additive bias.</param>
    public Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, bool bias = true)
    {
        if (inChannels <= 0) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "must be positive");
        if (outChannels <= 0) throw new ArgumentOutOfRangeException(nameof(outChannels), outChannels, "must be positive");
        if (kernelSize <= 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "must be positive");
        if (stride <= 0) throw new ArgumentOutOfRangeException(nameof(stride), stride, "must be positive");
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, "must be non-negative");
        (InChannels, OutChannels, KernelSize, Stride, Padding) = (inChannels, outChannels, kernelSize, stride, padding);
        Weight = RegisterParameter("weight", Tensor.Empty([outChannels, inChannels, kernelSize, kernelSize]));
        Bias = bias ? RegisterParameter("bias", Tensor.Empty([outChannels])) : null;
        Init.DefaultLayerInit(Weight, Bias);
    }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }
    /// <summary>Output channels.</summary>
    public long OutChannels { get; }
    /// <summary>Kernel side.</summary>
    public long KernelSize { get; }
    /// <summary>Stride.</summary>
    public long Stride { get; }
    /// <summary>Zero padding per side.</summary>
    public long Padding { get; }

    /// <summary>The (out, in, k, k) weight.</summary>
    public Tensor Weight { get; }

    /// <summary>The (out) bias, or null.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.Conv2d(input, Weight, Bias, Stride, Padding);

    /// <inheritdoc />
    public override string ToString() =>
        $"Conv2d({InChannels}, {OutChannels}, kernel_size={KernelSize}, stride={Stride}, padding={Padding}, bias={Bias is not null})";
}
