namespace SimVae.Torch;

/// <summary>
/// A region in which <see cref="Functional.Linear"/>, <see cref="Functional.Conv2d"/> and
/// <see cref="Functional.ConvTranspose2d"/> reproduce the numerics of bfloat16 autocast in float32 storage: their inputs,
/// weights, biases and outputs are rounded to bfloat16 (round to nearest even), the product itself runs on the float32
/// kernels. A product of two bfloat16 numbers is exact in float32 and bfloat16 kernels (VDPBF16PS, AMX, oneDNN)
/// accumulate in float32, so the results match autocast's up to summation order. The rounding's backward rounds the
/// incoming gradient to bfloat16 too, as autocast's casts do, so gradients see the same precision.
/// What it does not reproduce: elementwise operators between layers (ReLU, the reparameterisation) stay float32 here,
/// where autocast runs them on bfloat16 tensors; ReLU commutes with rounding, the rest is one rounding step apart.
/// Use it to check on a CPU without native bfloat16 that a model trains as well in bfloat16
/// (<see cref="Precision.BFloat16Emulated"/>). Per thread, like <see cref="Autocast"/>; <see cref="Autocast.Disable"/>
/// suspends it.
/// </summary>
public sealed class BFloat16Emulation : IDisposable
{
    [ThreadStatic] private static bool active;
    private readonly bool previous;
    private readonly int threadId;
    private bool disposed;

    private BFloat16Emulation(bool state)
    {
        previous = active;
        active = state;
        threadId = Environment.CurrentManagedThreadId;
    }

    /// <summary>Whether layers on this thread round to bfloat16 now.</summary>
    public static bool IsActive => active;

    /// <summary>Opens an emulating region on this thread.</summary>
    public static BFloat16Emulation Enable() => new(true);

    /// <summary>Opens a region without emulation (losses in float32), restoring the previous state on dispose.</summary>
    public static BFloat16Emulation Suspend() => new(false);

    /// <summary><paramref name="tensor"/> rounded to bfloat16 and back to float32 (differentiable; the gradient is rounded too).</summary>
    public static Tensor Round(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var reduced = tensor.To(ScalarType.BFloat16);
        return reduced.To(ScalarType.Float32);
    }

    /// <summary>Restores the state found when the region opened.</summary>
    /// <exception cref="InvalidOperationException">Called on another thread than the one that opened the region.</exception>
    public void Dispose()
    {
        if (disposed) return;
        if (Environment.CurrentManagedThreadId != threadId)
            throw new InvalidOperationException("a bfloat16 emulation region must be closed on the thread that opened it");
        disposed = true;
        active = previous;
    }
}
