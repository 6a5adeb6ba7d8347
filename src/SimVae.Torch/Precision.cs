namespace SimVae.Torch;

/// <summary>
/// The numeric precision of training (and of featurizing with the core library): what <c>--precision</c> selects.
/// Whatever the choice, parameters, gradients, optimiser state and losses stay float32; only matrix products and
/// convolutions change. <see cref="PrecisionPolicy.Resolve"/> turns <see cref="Auto"/> into a concrete choice.
/// </summary>
public enum Precision
{
    /// <summary>bfloat16 where it is known to be both faster and as accurate (see <see cref="PrecisionPolicy"/>), else float32.</summary>
    Auto,

    /// <summary>Everything in float32 (the OpenBLAS path on the CPU).</summary>
    Float32,

    /// <summary>
    /// Mixed precision through libtorch's autocast (<see cref="Autocast"/>): linear layers and convolutions in bfloat16,
    /// the rest in float32. Fast on CPUs with native bfloat16 (AVX512_BF16 or AMX, see <see cref="CpuFeatures"/>); on
    /// other CPUs libtorch 1.13 falls back to scalar bfloat16 loops that are tens of times slower than float32.
    /// </summary>
    BFloat16,

    /// <summary>
    /// The numerics of <see cref="BFloat16"/> at float32 speed, for checking accuracy on CPUs without native bfloat16:
    /// the operands and results of linear layers and convolutions (and their gradients) are rounded to bfloat16 but
    /// stored and multiplied in float32 (exact products, float32 accumulation, as bfloat16 dot-product instructions).
    /// See <see cref="BFloat16Emulation"/>.
    /// </summary>
    BFloat16Emulated,
}
