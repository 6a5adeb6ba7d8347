using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Tests.Serialization;

/// <summary>Builds CPU tensors from .NET arrays of any element type the serializers support, and reads them back.</summary>
internal static class TensorData
{
    /// <summary>A new tensor of <paramref name="shape"/> holding <paramref name="values"/> (row-major).</summary>
    public static Tensor Of<T>(T[] values, params long[] shape) where T : unmanaged
    {
        var tensor = torch.empty(shape, TypeOf<T>());
        if (tensor.numel() != values.Length) throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {tensor.numel()} values, not {values.Length}");
        MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(tensor.bytes);
        return tensor;
    }

    /// <summary>The elements of <paramref name="tensor"/> (any device), row-major.</summary>
    public static T[] ToArray<T>(Tensor tensor) where T : unmanaged => tensor.numel() == 0 ? [] : tensor.data<T>().ToArray();

    private static ScalarType TypeOf<T>() => default(T) switch
    {
        float => ScalarType.Float32,
        double => ScalarType.Float64,
        Half => ScalarType.Float16,
        long => ScalarType.Int64,
        int => ScalarType.Int32,
        short => ScalarType.Int16,
        sbyte => ScalarType.Int8,
        byte => ScalarType.Byte,
        bool => ScalarType.Bool,
        _ => throw new NotSupportedException($"no tensor type for {typeof(T).Name}"),
    };
}
