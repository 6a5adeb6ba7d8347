namespace SimVae.Torch;

/// <summary>Element types, numbered as libtorch's <c>c10::ScalarType</c>.</summary>
public enum ScalarType
{
    /// <summary>Unsigned 8-bit integer (images).</summary>
    UInt8 = 0,
    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 1,
    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 2,
    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 3,
    /// <summary>Signed 64-bit integer (indices, labels).</summary>
    Int64 = 4,
    /// <summary>IEEE half precision.</summary>
    Float16 = 5,
    /// <summary>Single precision (the default for parameters and activations).</summary>
    Float32 = 6,
    /// <summary>Double precision (gradient checks).</summary>
    Float64 = 7,
    /// <summary>Boolean (masks).</summary>
    Bool = 11,
    /// <summary>Brain floating point (mixed precision on GPUs).</summary>
    BFloat16 = 15,
}

/// <summary>Sizes and .NET counterparts of <see cref="ScalarType"/> values.</summary>
public static class ScalarTypes
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this ScalarType type) => type switch
    {
        ScalarType.UInt8 or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported scalar type"),
    };

    /// <summary>Whether the type is a floating-point type (can require gradients).</summary>
    public static bool IsFloatingPoint(this ScalarType type) =>
        type is ScalarType.Float16 or ScalarType.Float32 or ScalarType.Float64 or ScalarType.BFloat16;

    /// <summary>The <see cref="ScalarType"/> stored for a .NET element type.</summary>
    public static ScalarType Of<T>() where T : unmanaged => default(T) switch
    {
        float => ScalarType.Float32,
        double => ScalarType.Float64,
        long => ScalarType.Int64,
        int => ScalarType.Int32,
        short => ScalarType.Int16,
        byte => ScalarType.UInt8,
        sbyte => ScalarType.Int8,
        bool => ScalarType.Bool,
        Half => ScalarType.Float16,
        _ => throw new NotSupportedException($"no tensor element type for {typeof(T).Name}"),
    };
}
