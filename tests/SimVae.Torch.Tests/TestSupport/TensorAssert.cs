namespace SimVae.Torch.Tests.TestSupport;

/// <summary>Small constructors for test tensors (CPU, row-major).</summary>
internal static class T
{
    /// <summary>A float32 tensor; shape defaults to 1-D.</summary>
    public static Tensor F(float[] data, params long[] shape) => Tensor.FromArray(data, shape.Length == 0 ? null : shape);

    /// <summary>A float64 tensor; shape defaults to 1-D.</summary>
    public static Tensor D(double[] data, params long[] shape) => Tensor.FromArray(data, shape.Length == 0 ? null : shape);

    /// <summary>An int64 tensor; shape defaults to 1-D.</summary>
    public static Tensor L(long[] data, params long[] shape) => Tensor.FromArray(data, shape.Length == 0 ? null : shape);

    /// <summary>A bool tensor; shape defaults to 1-D.</summary>
    public static Tensor B(bool[] data, params long[] shape) => Tensor.FromArray(data, shape.Length == 0 ? null : shape);

    /// <summary>float32 values 0, 1, ..., n-1 with the given shape.</summary>
    public static Tensor Seq(params long[] shape)
    {
        long n = 1;
        foreach (var s in shape) n *= s;
        var data = new float[n];
        for (int k = 0; k < n; k++) data[k] = k;
        return Tensor.FromArray(data, shape);
    }
}

/// <summary>Assertions on tensor contents that report shapes and the first differing element.</summary>
internal static class TensorAssert
{
    /// <summary>Checks shape and every element (read as double) within <paramref name="tol"/> (absolute + relative).</summary>
    public static void Close(Tensor actual, double[] expected, long[] shape, double tol = 1e-6)
    {
        ShapeIs(actual, shape);
        using var d = actual.To(ScalarType.Float64);
        var values = d.ToArray<double>();
        Assert.AreEqual(expected.Length, values.Length, "element count");
        for (int k = 0; k < values.Length; k++)
        {
            double e = expected[k], a = values[k];
            bool ok = double.IsNaN(e) ? double.IsNaN(a) : double.IsInfinity(e) ? e == a : Math.Abs(a - e) <= tol * (1 + Math.Abs(e));
            if (!ok)
                Assert.Fail($"element {k}: expected {e:R}, got {a:R}\nexpected [{string.Join(", ", expected)}]\nactual   [{string.Join(", ", values)}]");
        }
    }

    /// <summary>Checks dtype, shape and exact equality of every element.</summary>
    public static void Exact<TElem>(Tensor actual, TElem[] expected, long[] shape) where TElem : unmanaged
    {
        Assert.AreEqual(ScalarTypes.Of<TElem>(), actual.DType, "dtype");
        ShapeIs(actual, shape);
        CollectionAssert.AreEqual(expected, actual.ToArray<TElem>(), $"actual [{string.Join(", ", actual.ToArray<TElem>())}]");
    }

    /// <summary>Checks the shape.</summary>
    public static void ShapeIs(Tensor actual, params long[] shape) =>
        CollectionAssert.AreEqual(shape, actual.Shape, $"shape: expected [{string.Join(", ", shape)}], got [{string.Join(", ", actual.Shape)}]");
}
