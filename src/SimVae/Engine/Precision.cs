namespace SimVae.Engine;

/// <summary>
/// The numeric precision of training (and of featurizing with the core library): what <c>--precision</c> selects.
/// Whatever the choice, parameters, gradients, optimiser state and losses stay float32; only the products of
/// <see cref="Linear"/>, <see cref="Conv2d"/> and <see cref="ConvTranspose2d"/> change (the scheme of PyTorch's
/// autocast, which TorchSharp lacks). <see cref="PrecisionPolicy.Resolve"/> turns <see cref="Auto"/> into a concrete choice.
/// </summary>
public enum Precision
{
    /// <summary>bfloat16 where it is known to be both faster and as accurate (see <see cref="PrecisionPolicy"/>), else float32.</summary>
    Auto,
    /// <summary>Everything in float32.</summary>
    Float32,
    /// <summary>
    /// Mixed precision (<see cref="MixedPrecision"/>): the layers' inputs, weights and biases are cast to bfloat16 and
    /// multiplied by bfloat16 kernels (oneDNN on the CPU, accumulating in float32); the rest runs in the type of its
    /// inputs and losses in float32. Fast on CPUs with native bfloat16 (AVX512_BF16 or AMX, see <see cref="CpuFeatures"/>);
    /// on other CPUs bfloat16 runs in slow scalar loops.
    /// </summary>
    BFloat16,
    /// <summary>
    /// The numerics of <see cref="BFloat16"/> at float32 speed, for checking accuracy on CPUs without native bfloat16:
    /// operands and results of the layers (and, through the casts' backward, their gradients) are rounded to bfloat16
    /// but stored and multiplied in float32 (exact products, float32 accumulation, as bfloat16 dot-product instructions).
    /// </summary>
    BFloat16Emulated,
}
