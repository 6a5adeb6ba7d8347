using SimVae.Torch.Native;

namespace SimVae.Torch;

/// <summary>
/// A mixed-precision region (PyTorch's <c>torch.autocast</c>): while it is open, operators called on this thread
/// that autocast lists as safe in reduced precision (matrix products, convolutions, linear layers) run in
/// <see cref="DType"/> on the region's device, and those that need the range (exp, log, softmax, sums, losses) run
/// in float32. Open one per training step around the forward pass and the loss only, not around
/// <see cref="Tensor.Backward"/> or the optimiser step (cast weights are cached until the outermost region closes):
/// <code>
/// LossTerms loss;
/// using (Autocast.Enable(ScalarType.BFloat16)) loss = model.Loss(batch.Images);
/// loss.Total.Backward();
/// optimizer.Step();
/// </code>
/// The methods compute their losses in float32 (<see cref="Disable"/> plus <see cref="ToFloat32"/> on the network
/// outputs), so only the networks run in reduced precision; parameters and gradients stay float32.
/// <para>
/// On a machine without a CUDA device (or with a CPU-only libtorch) a CUDA region is a no-op (as
/// <c>torch.autocast("cuda")</c> there, which warns and disables itself): <see cref="Active"/> is false and results
/// are float32. <see cref="DeviceType.Cpu"/> regions are real (bfloat16 on the CPU).
/// </para>
/// <para>The state is per thread: dispose the region on the thread that opened it.</para>
/// </summary>
public sealed unsafe class Autocast : IDisposable
{
    private readonly AutocastState previous;
    private readonly AutocastState previousOther;
    private readonly int threadId;
    private readonly Kind kind;
    private readonly BFloat16Emulation? suspendedEmulation;
    private bool disposed;

    private enum Kind { NoOp, Enabled, Suspended }

    private Autocast(Kind kind, DeviceType device, ScalarType dtype, AutocastState previous, AutocastState previousOther, BFloat16Emulation? suspendedEmulation = null)
    {
        this.kind = kind;
        this.suspendedEmulation = suspendedEmulation;
        Device = device;
        DType = dtype;
        this.previous = previous;
        this.previousOther = previousOther;
        threadId = Environment.CurrentManagedThreadId;
    }

    /// <summary>The device type whose autocast state this region sets.</summary>
    public DeviceType Device { get; }

    /// <summary>The reduced precision type of an enabling region (float32 for a disabling region).</summary>
    public ScalarType DType { get; }

    /// <summary>Whether this region changed libtorch's autocast state (false for a CUDA region without a CUDA device).</summary>
    public bool Active => kind != Kind.NoOp;

    /// <summary>
    /// Opens a mixed-precision region for <paramref name="device"/> (default CUDA) in <paramref name="dtype"/>
    /// (bfloat16, the default, or float16; float16 gradients may underflow without loss scaling, which this library
    /// does not do: prefer bfloat16).
    /// </summary>
    /// <param name="dtype">The reduced precision type.</param>
    /// <param name="device">CUDA (no-op without a CUDA device) or CPU (bfloat16 only on libtorch 1.x).</param>
    /// <param name="cacheEnabled">Cache the reduced-precision copies of parameters inside the region (PyTorch's default).</param>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not a reduced floating-point type.</exception>
    public static Autocast Enable(ScalarType dtype = ScalarType.BFloat16, DeviceType device = DeviceType.Cuda, bool cacheEnabled = true)
    {
        if (dtype is not (ScalarType.BFloat16 or ScalarType.Float16))
            throw new ArgumentException($"autocast needs bfloat16 or float16, not {dtype}", nameof(dtype));
        if (device == DeviceType.Cuda && !TorchRuntime.CudaAvailable)
            return new Autocast(Kind.NoOp, device, dtype, default, default);
        AutocastState state;
        NativeMethods.Check(NativeMethods.AutocastEnter((int)device, (int)dtype, cacheEnabled ? 1 : 0, &state));
        return new Autocast(Kind.Enabled, device, dtype, state, default);
    }

    /// <summary>
    /// Opens a float32 region: autocast (and <see cref="BFloat16Emulation"/>) is off for the CPU and CUDA until it is
    /// disposed (PyTorch's <c>torch.autocast(..., enabled=False)</c>). The methods compute their losses inside one. A
    /// no-op when neither is on.
    /// </summary>
    public static Autocast Disable()
    {
        var emulation = BFloat16Emulation.IsActive ? BFloat16Emulation.Suspend() : null;
        if (!IsEnabled(DeviceType.Cuda) && !IsEnabled(DeviceType.Cpu))
            return new Autocast(Kind.NoOp, DeviceType.Cuda, ScalarType.Float32, default, default, emulation);
        AutocastState cuda, cpu;
        NativeMethods.Check(NativeMethods.AutocastSuspend((int)DeviceType.Cuda, &cuda));
        NativeMethods.Check(NativeMethods.AutocastSuspend((int)DeviceType.Cpu, &cpu));
        return new Autocast(Kind.Suspended, DeviceType.Cuda, ScalarType.Float32, cuda, cpu, emulation);
    }

    /// <summary>Whether autocast is on for <paramref name="device"/> on this thread.</summary>
    public static bool IsEnabled(DeviceType device = DeviceType.Cuda)
    {
        NativeMethods.Check(NativeMethods.AutocastGet((int)device, out int enabled, out _, out _));
        return enabled != 0;
    }

    /// <summary>Whether autocast is on for the CPU or CUDA on this thread.</summary>
    public static bool IsAnyEnabled => IsEnabled(DeviceType.Cuda) || IsEnabled(DeviceType.Cpu);

    /// <summary>The reduced precision type autocast uses for <paramref name="device"/> on this thread.</summary>
    public static ScalarType CurrentDType(DeviceType device = DeviceType.Cuda)
    {
        NativeMethods.Check(NativeMethods.AutocastGet((int)device, out _, out int dtype, out _));
        return (ScalarType)dtype;
    }

    /// <summary>
    /// <paramref name="tensor"/> as float32 when it holds bfloat16 or float16 (a new tensor, differentiable), else a
    /// new handle to the same tensor. Use it on network outputs before a loss (see the class remarks).
    /// </summary>
    public static Tensor ToFloat32(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.DType is ScalarType.BFloat16 or ScalarType.Float16 ? tensor.To(ScalarType.Float32) : tensor.Alias();
    }

    /// <summary>Closes the region and restores the autocast state it found (on the opening thread).</summary>
    /// <exception cref="InvalidOperationException">Called on another thread than the one that opened the region.</exception>
    public void Dispose()
    {
        if (disposed) return;
        if (kind != Kind.NoOp && Environment.CurrentManagedThreadId != threadId)
            throw new InvalidOperationException("an autocast region must be closed on the thread that opened it (autocast state is per thread)");
        disposed = true;
        var state = previous;
        var other = previousOther;
        if (kind == Kind.Enabled) NativeMethods.Check(NativeMethods.AutocastExit(&state));
        else if (kind == Kind.Suspended)
        {
            NativeMethods.Check(NativeMethods.AutocastResume(&state));
            NativeMethods.Check(NativeMethods.AutocastResume(&other));
        }
        suspendedEmulation?.Dispose();
    }
}
