namespace SimVae.Torch.Nn;

/// <summary>
/// Transposed 2-D convolution (PyTorch's <c>nn.ConvTranspose2d</c> with square kernel): weight (in, out, k, k),
/// bias (out). Output side = (side − 1)·stride − 2·padding + k + outputPadding. Initialised as PyTorch does:
/// U(±1/√fan_in) with fan_in computed on dimension 1 of the weight, i.e. out·k·k.
/// </summary>
public sealed class ConvTranspose2d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelSize">Side of the square kernel.</param>
    /// <param name="stride">Upsampling stride.</param>
    /// <param name="padding">Implicit padding removed from each side of the output.</param>
    /// <param name="outputPadding">Extra rows/columns added to one side of the output (must be below stride).</param>
    /// <param name="bias">Whether to learn an additive bias.</param>
    public ConvTranspose2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, long outputPadding = 0, bool bias = true)
    {
        if (inChannels <= 0) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "must be positive");
        if (outChannels <= 0) throw new ArgumentOutOfRangeException(nameof(outChannels), outChannels, "must be positive");
        if (kernelSize <= 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "must be positive");
        if (stride <= 0) throw new ArgumentOutOfRangeException(nameof(stride), stride, "must be positive");
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, "must be non-negative");
        if (outputPadding < 0 || outputPadding >= stride)
            throw new ArgumentOutOfRangeException(nameof(outputPadding), outputPadding, "must be non-negative and smaller than stride");
        (InChannels, OutChannels, KernelSize, Stride, Padding, OutputPadding) = (inChannels, outChannels, kernelSize, stride, padding, outputPadding);
        Weight = RegisterParameter("weight", Tensor.Empty([inChannels, outChannels, kernelSize, kernelSize]));
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
    /// <summary>Padding.</summary>
    public long Padding { get; }
    /// <summary>Output padding.</summary>
    public long OutputPadding { get; }

    /// <summary>The (in, out, k, k) weight.</summary>
    public Tensor Weight { get; }

    /// <summary>The (out) bias, or null.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.ConvTranspose2d(input, Weight, Bias, Stride, Padding, OutputPadding);

    /// <inheritdoc />
    public override string ToString() =>
        $"ConvTranspose2d({InChannels}, {OutChannels}, kernel_size={KernelSize}, stride={Stride}, padding={Padding}, output_padding={OutputPadding}, bias={Bias is not null})";
}
