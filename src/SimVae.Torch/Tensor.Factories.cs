using SimVae.Torch.Native;

namespace SimVae.Torch;

public sealed partial class Tensor
{
    private static readonly Op ZerosOp = new("aten::zeros");
    private static readonly Op OnesOp = new("aten::ones");
    private static readonly Op FullOp = new("aten::full");
    private static readonly Op EmptyOp = new("aten::empty", "memory_format");
    private static readonly Op ArangeOp = new("aten::arange", "start_step");
    private static readonly Op EyeOp = new("aten::eye");
    private static readonly Op RandOp = new("aten::rand");
    private static readonly Op RandnOp = new("aten::randn");
    private static readonly Op RandintOp = new("aten::randint", "low");
    private static readonly Op RandpermOp = new("aten::randperm");
    private static readonly Op ZerosLikeOp = new("aten::zeros_like");
    private static readonly Op OnesLikeOp = new("aten::ones_like");
    private static readonly Op RandLikeOp = new("aten::rand_like");
    private static readonly Op RandnLikeOp = new("aten::randn_like");

    [ThreadStatic]
    private static bool shapesOnly;

    /// <summary>Where factories put tensors when no device is given: the CPU, or the meta device inside <see cref="ShapesOnly"/>.</summary>
    internal static Device DefaultDevice => shapesOnly ? Device.Meta : Device.Cpu;

    /// <summary>
    /// Until disposed, factories called on this thread without a device create meta tensors (shapes, no storage), so
    /// a module can be built to learn its state's shapes without allocating it (<see cref="Nn.Module.StateShapes"/>).
    /// </summary>
    internal static IDisposable ShapesOnly()
    {
        bool outer = shapesOnly;
        shapesOnly = true;
        return new Restore(() => shapesOnly = outer);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        ZerosOp.Call(shape, dtype, OpArg.None, device ?? DefaultDevice);

    /// <summary>A float32 CPU tensor of zeros.</summary>
    public static Tensor Zeros(params long[] shape) => Zeros(shape, ScalarType.Float32);

    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        OnesOp.Call(shape, dtype, OpArg.None, device ?? DefaultDevice);

    /// <summary>A float32 CPU tensor of ones.</summary>
    public static Tensor Ones(params long[] shape) => Ones(shape, ScalarType.Float32);

    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(long[] shape, double value, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        FullOp.Call(shape, value, dtype, OpArg.None, device ?? DefaultDevice);

    /// <summary>An uninitialised tensor (contents are arbitrary).</summary>
    public static Tensor Empty(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        EmptyOp.Call(shape, dtype, OpArg.None, device ?? DefaultDevice);

    /// <summary>Integers <c>start, start+step, ...</c> below <paramref name="end"/> (int64).</summary>
    public static Tensor Arange(long start, long end, long step = 1, Device? device = null) =>
        ArangeOp.Call(start, end, step, ScalarType.Int64, OpArg.None, device ?? DefaultDevice);

    /// <summary>Integers <c>0 .. end-1</c> (int64).</summary>
    public static Tensor Arange(long end, Device? device = null) => Arange(0, end, 1, device);

    /// <summary>Values <c>start, start+step, ...</c> below <paramref name="end"/>.</summary>
    public static Tensor Arange(double start, double end, double step, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        ArangeOp.Call(start, end, step, dtype, OpArg.None, device ?? DefaultDevice);

    /// <summary>The n×n identity matrix.</summary>
    public static Tensor Eye(long n, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        EyeOp.Call(n, dtype, OpArg.None, device ?? DefaultDevice);

    /// <summary>Uniform samples in [0, 1) from libtorch's generator (seed with <see cref="TorchRuntime.ManualSeed"/>).</summary>
    public static Tensor Rand(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        RandOp.Call(shape, dtype, OpArg.None, device ?? DefaultDevice);

    /// <summary>Standard normal samples.</summary>
    public static Tensor Randn(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        RandnOp.Call(shape, dtype, OpArg.None, device ?? DefaultDevice);

    /// <summary>Uniform integers in [<paramref name="low"/>, <paramref name="high"/>) (int64).</summary>
    public static Tensor Randint(long low, long high, long[] shape, Device? device = null) =>
        RandintOp.Call(low, high, shape, ScalarType.Int64, OpArg.None, device ?? DefaultDevice);

    /// <summary>A random permutation of <c>0 .. n-1</c> (int64).</summary>
    public static Tensor Randperm(long n, Device? device = null) =>
        RandpermOp.Call(n, ScalarType.Int64, OpArg.None, device ?? DefaultDevice);

    /// <summary>Zeros with this tensor's shape, type and device.</summary>
    public Tensor ZerosLike() => ZerosLikeOp.Call(this);

    /// <summary>Ones with this tensor's shape, type and device.</summary>
    public Tensor OnesLike() => OnesLikeOp.Call(this);

    /// <summary>Uniform [0, 1) samples with this tensor's shape, type and device.</summary>
    public Tensor RandLike() => RandLikeOp.Call(this);

    /// <summary>Standard normal samples with this tensor's shape, type and device.</summary>
    public Tensor RandnLike() => RandnLikeOp.Call(this);
}
