using static TorchSharp.torch;

namespace SimVae.Serialization;

/// <summary>The dtype names of the safetensors format and the <see cref="ScalarType"/> each one maps to.</summary>
public static class SafeTensorsDType
{
    /// <summary>The safetensors dtype name of <paramref name="type"/> (<c>"F32"</c>, <c>"BF16"</c>, <c>"BOOL"</c>, ...).</summary>
    /// <exception cref="NotSupportedException">The type has no safetensors name.</exception>
    public static string ToName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float64 => "F64",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"scalar type {type} has no safetensors dtype"),
    };

    /// <summary>Bytes per element of a type that has a safetensors name.</summary>
    /// <exception cref="NotSupportedException">The type has no safetensors name.</exception>
    public static int ElementSize(this ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool => 1,
        _ => throw new NotSupportedException($"scalar type {type} has no safetensors dtype"),
    };

    /// <summary>The <see cref="ScalarType"/> for a safetensors dtype name (case-sensitive, as the format requires).</summary>
    /// <returns>False for names this library does not know or cannot hold (e.g. <c>"U32"</c>, <c>"F8_E4M3"</c>).</returns>
    public static bool TryParse(string name, out ScalarType type)
    {
        ScalarType? t = name switch
        {
            "F32" => ScalarType.Float32,
            "F64" => ScalarType.Float64,
            "F16" => ScalarType.Float16,
            "BF16" => ScalarType.BFloat16,
            "I64" => ScalarType.Int64,
            "I32" => ScalarType.Int32,
            "I16" => ScalarType.Int16,
            "I8" => ScalarType.Int8,
            "U8" => ScalarType.Byte,
            "BOOL" => ScalarType.Bool,
            _ => null,
        };
        type = t.GetValueOrDefault();
        return t.HasValue;
    }
}
