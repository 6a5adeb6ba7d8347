using SimVae.Torch.Native;

namespace SimVae.Torch;

/// <summary>
/// A libtorch tensor. Owns native memory: dispose it, or create it inside a <see cref="DisposeScope"/>.
/// Operators are instance methods (<c>x.MatMul(w)</c>), C# operators (<c>a + b</c>) and static factories
/// (<c>Tensor.Zeros(2, 3)</c>); neural-network functions live in <see cref="Functional"/>.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private readonly TensorHandle handle;

    internal Tensor(IntPtr nativeHandle)
    {
        handle = new TensorHandle(nativeHandle);
        DisposeScope.Current?.Add(this);
    }

    internal DisposeScope? Scope { get; set; }

    internal IntPtr Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(handle.IsClosed, this);
            return handle.DangerousGetHandle();
        }
    }

    /// <summary>Whether <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => handle.IsClosed;

    /// <summary>Releases the native tensor (its memory is freed when no other tensor shares it).</summary>
    public void Dispose()
    {
        Scope = null;
        handle.Dispose();
    }

    /// <summary>Removes the tensor from its dispose scope: the caller now owns it.</summary>
    public Tensor DetachFromScope()
    {
        Scope = null;
        return this;
    }

    /// <summary>Hands the tensor to the scope outside its current one (or to the caller when there is none).</summary>
    public Tensor MoveToOuterScope()
    {
        var outer = Scope?.Outer;
        Scope = null;
        outer?.Add(this);
        return this;
    }

    /// <summary>A second handle to the same tensor (same storage and autograd identity).</summary>
    public Tensor Alias()
    {
        NativeMethods.Check(NativeMethods.Alias(Handle, out var alias));
        return new Tensor(alias);
    }

    /// <summary>Number of dimensions.</summary>
    public int Dim => NativeMethods.NDim(Handle);

    /// <summary>The sizes of each dimension.</summary>
    public unsafe long[] Shape
    {
        get
        {
            var shape = new long[Dim];
            fixed (long* p = shape) NativeMethods.Check(NativeMethods.Shape(Handle, p, shape.Length));
            return shape;
        }
    }

    /// <summary>The strides of each dimension, in elements.</summary>
    public unsafe long[] Strides
    {
        get
        {
            var strides = new long[Dim];
            fixed (long* p = strides) NativeMethods.Check(NativeMethods.Strides(Handle, p, strides.Length));
            return strides;
        }
    }

    /// <summary>Size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public long Size(int dim)
    {
        var shape = Shape;
        int d = dim < 0 ? dim + shape.Length : dim;
        if (d < 0 || d >= shape.Length)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"tensor has {shape.Length} dimensions");
        return shape[d];
    }

    /// <summary>Total number of elements.</summary>
    public long NumberOfElements
    {
        get
        {
            long n = 1;
            foreach (var s in Shape) n *= s;
            return n;
        }
    }

    /// <summary>Element type.</summary>
    public ScalarType DType => (ScalarType)NativeMethods.DType(Handle);

    /// <summary>The device holding the data.</summary>
    public Device Device
    {
        get
        {
            NativeMethods.Check(NativeMethods.Device(Handle, out int type, out int index));
            return new Device((DeviceType)type, type == 0 ? -1 : index);
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        IsDisposed ? "Tensor(disposed)" : $"Tensor[{string.Join(", ", Shape)}] {DType} on {Device}";
}
