using SimVae.Torch.Native;

namespace SimVae.Torch;

public sealed partial class Tensor
{
    /// <summary>Copies <paramref name="data"/> into a new tensor of the given shape on <paramref name="device"/>.</summary>
    /// <exception cref="ArgumentException">The shape does not hold exactly <c>data.Length</c> elements.</exception>
    public static unsafe Tensor FromSpan<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> shape, Device? device = null) where T : unmanaged
    {
        long count = 1;
        foreach (var s in shape)
        {
            if (s < 0) throw new ArgumentException($"negative dimension {s} in shape [{string.Join(", ", shape.ToArray())}]", nameof(shape));
            count *= s;
        }
        if (count != data.Length)
            throw new ArgumentException($"shape [{string.Join(", ", shape.ToArray())}] holds {count} elements but {data.Length} were given", nameof(shape));
        var d = device ?? Device.Cpu;
        fixed (T* p = data)
        fixed (long* s = shape)
        {
            NativeMethods.Check(NativeMethods.TensorFromData(p, (int)ScalarTypes.Of<T>(), s, shape.Length, (int)d.Type, d.Index, out var h));
            return new Tensor(h);
        }
    }

    /// <summary>Copies an array into a new tensor; the shape defaults to one dimension of the array's length.</summary>
    public static Tensor FromArray<T>(T[] data, long[]? shape = null, Device? device = null) where T : unmanaged =>
        FromSpan<T>(data, shape ?? [data.Length], device);

    /// <summary>A 0-dimensional tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar<T>(T value, Device? device = null) where T : unmanaged => FromSpan<T>([value], [], device);

    /// <summary>Copies the elements (row-major, from any device) into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">The element type or count differs.</exception>
    public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        var expected = ScalarTypes.Of<T>();
        if (DType != expected)
            throw new ArgumentException($"tensor holds {DType} but the destination is {typeof(T).Name} ({expected}); convert with To({expected}) first");
        fixed (T* p = destination)
            NativeMethods.Check(NativeMethods.CopyToHost(Handle, p, (long)destination.Length * sizeof(T)));
    }

    /// <summary>The elements as a new array (row-major).</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var result = new T[NumberOfElements];
        CopyTo<T>(result);
        return result;
    }

    /// <summary>The value of a one-element tensor.</summary>
    public T Item<T>() where T : unmanaged
    {
        if (NumberOfElements != 1) throw new InvalidOperationException($"Item() needs one element, the tensor has shape [{string.Join(", ", Shape)}]");
        Span<T> one = stackalloc T[1];
        CopyTo(one);
        return one[0];
    }

    /// <summary>The value of a one-element tensor as a double, whatever its type.</summary>
    public double ToDouble()
    {
        using var d = DType == ScalarType.Float64 ? Alias() : To(ScalarType.Float64);
        return d.Item<double>();
    }

    /// <summary>
    /// Direct read/write access to a contiguous CPU tensor's memory, valid while the tensor lives and is not resized.
    /// </summary>
    /// <exception cref="TorchException">The tensor is not on the CPU or not contiguous.</exception>
    public unsafe Span<T> DataSpan<T>() where T : unmanaged
    {
        if (DType != ScalarTypes.Of<T>()) throw new ArgumentException($"tensor holds {DType}, not {typeof(T).Name}");
        NativeMethods.Check(NativeMethods.DataPtr(Handle, out var data));
        return new Span<T>((void*)data, checked((int)NumberOfElements));
    }
}
