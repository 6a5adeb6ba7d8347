using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Engine;

/// <summary>
/// A mixed-precision region, the scheme of PyTorch's <c>torch.autocast</c> (which TorchSharp lacks), applied by this
/// library's own layers (<see cref="Linear"/>, <see cref="Conv2d"/>, <see cref="ConvTranspose2d"/>): while a
/// <see cref="Precision.BFloat16"/> region is open on a thread, their inputs, weights and biases are cast to bfloat16 and
/// the product runs in bfloat16 (float32 accumulation in oneDNN); parameters stay float32 masters, and the casts'
/// backward returns float32 gradients to them. Operators between layers run in the type of their inputs; the methods
/// compute their losses in float32 inside <see cref="Disable"/>, on outputs passed through <see cref="ToFloat32"/>.
/// A <see cref="Precision.BFloat16Emulated"/> region rounds the operands and results to bfloat16 but multiplies in float32.
/// Open one per step around the forward pass and the loss only. Per thread: dispose it on the thread that opened it.
/// </summary>
public sealed class MixedPrecision : IDisposable
{
    [ThreadStatic] private static Precision current;

    private readonly Precision previous;
    private readonly int threadId;
    private bool disposed;

    private MixedPrecision(Precision state)
    {
        previous = Current;
        current = state;
        threadId = Environment.CurrentManagedThreadId;
    }

    /// <summary>The precision the layers compute in on this thread (<see cref="Precision.Float32"/> outside a region).</summary>
    public static Precision Current => current == Precision.Auto ? Precision.Float32 : current;

    /// <summary>Whether the layers on this thread compute in (or emulate) bfloat16 now.</summary>
    public static bool IsActive => Current != Precision.Float32;

    /// <summary>Opens a region of <paramref name="precision"/> (bfloat16 or its emulation) on this thread.</summary>
    /// <exception cref="ArgumentException"><paramref name="precision"/> is not a bfloat16 precision.</exception>
    public static MixedPrecision Enable(Precision precision)
    {
        if (precision is not (Precision.BFloat16 or Precision.BFloat16Emulated))
            throw new ArgumentException($"a mixed-precision region is bf16 or bf16-emulated, not {precision}", nameof(precision));
        return new MixedPrecision(precision);
    }

    /// <summary>Opens a float32 region (losses), restoring the previous state on dispose; a no-op state when none is active.</summary>
    public static MixedPrecision Disable() => new(Precision.Float32);

    /// <summary>
    /// <paramref name="tensor"/> as float32 when it holds bfloat16 or float16 (a new, differentiable tensor), else a new
    /// handle to the same tensor. Use it on network outputs before a loss.
    /// </summary>
    public static Tensor ToFloat32(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.dtype is ScalarType.BFloat16 or ScalarType.Float16 ? tensor.to(ScalarType.Float32) : tensor.alias();
    }

    /// <summary>
    /// Runs a layer's product <paramref name="product"/>(input, weight, bias) in the current precision: as is in float32,
    /// on bfloat16 casts in a bfloat16 region (result bfloat16), on rounded operands with a rounded result when emulating.
    /// </summary>
    internal static Tensor Apply(Tensor input, Tensor weight, Tensor? bias, Func<Tensor, Tensor, Tensor?, Tensor> product)
    {
        var precision = Current;
        if (precision == Precision.Float32) return product(input, weight, bias);
        using var scope = NewDisposeScope();
        Tensor result = precision == Precision.BFloat16
            ? product(ToBFloat16(input), ToBFloat16(weight), bias is null ? null : ToBFloat16(bias))
            : RoundToBFloat16(product(RoundToBFloat16(input), RoundToBFloat16(weight), bias is null ? null : RoundToBFloat16(bias)));
        return result.MoveToOuterDisposeScope();
    }

    private static Tensor ToBFloat16(Tensor t) => t.dtype == ScalarType.BFloat16 ? t : t.to(ScalarType.BFloat16);

    // bfloat16 and back: round to nearest even; the casts' backward rounds the incoming gradient too, as autocast's do.
    private static Tensor RoundToBFloat16(Tensor t) => t.to(ScalarType.BFloat16).to(ScalarType.Float32);

    /// <summary>Restores the state found when the region opened.</summary>
    /// <exception cref="InvalidOperationException">Called on another thread than the one that opened the region.</exception>
    public void Dispose()
    {
        if (disposed) return;
        if (Environment.CurrentManagedThreadId != threadId)
            throw new InvalidOperationException("a mixed-precision region must be closed on the thread that opened it (the state is per thread)");
        disposed = true;
        current = previous;
    }
}
