using System.Buffers.Binary;
using Google.Protobuf;
using System.Runtime.InteropServices;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Export;

/// <summary>
/// Appends nodes and initializers to an ONNX <see cref="GraphProto"/> (OnnxSharp's protobuf classes), giving every
/// value a unique name derived from the module path that produced it (e.g. <c>encoder.layers.0/Gemm</c>).
/// Tensor data is written as little-endian raw data, as the ONNX format requires.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly HashSet<string> names = new(StringComparer.Ordinal);

    /// <summary>The graph built so far.</summary>
    public GraphProto Graph { get; } = new();

    /// <summary>Reserves a name that must not be reused (the graph input and output).</summary>
    public void Reserve(string name)
    {
        if (!names.Add(name)) throw new InvalidOperationException($"the name '{name}' is already used in the graph");
    }

    /// <summary>Adds a node with one output; returns that output's name.</summary>
    /// <param name="opType">The ONNX operator (default domain).</param>
    /// <param name="path">The module path the node belongs to (names the node and its output).</param>
    /// <param name="inputs">Input value names; an empty string marks an omitted optional input.</param>
    /// <param name="attributes">The node's attributes.</param>
    public string Node(string opType, string path, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var output = Unique(path.Length == 0 ? opType : $"{path}/{opType}");
        AddNode(opType, output, inputs, output, attributes);
        return output;
    }

    /// <summary>Adds a node whose output has a given, reserved name (the graph output).</summary>
    public void NodeTo(string opType, string output, IEnumerable<string> inputs) => AddNode(opType, output, inputs, output, []);

    private void AddNode(string opType, string name, IEnumerable<string> inputs, string output, AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
    }

    /// <summary>Adds a float32 initializer holding a copy of <paramref name="tensor"/> (from any device and floating type).</summary>
    public string Weight(string name, Tensor tensor)
    {
        using var scope = NewDisposeScope();
        var cpu = tensor.detach().to(ScalarType.Float32, CPU).contiguous();
        var values = MemoryMarshal.Cast<byte, float>(cpu.bytes);
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        return Initializer(name, TensorProto.Types.DataType.Float, cpu.shape, bytes);
    }

    /// <summary>Adds a float32 initializer filled with <paramref name="value"/>, of shape <paramref name="dims"/> ([] for a scalar).</summary>
    public string FloatConstant(string name, float value, params long[] dims)
    {
        long count = dims.Aggregate(1L, (a, b) => a * b);
        var bytes = new byte[count * sizeof(float)];
        for (long i = 0; i < count; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan((int)i * sizeof(float)), value);
        return Initializer(name, TensorProto.Types.DataType.Float, dims, bytes);
    }

    /// <summary>Adds a 1-D int64 initializer (shapes, slice bounds).</summary>
    public string Int64Constant(string name, params long[] values)
    {
        var bytes = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        return Initializer(name, TensorProto.Types.DataType.Int64, [values.Length], bytes);
    }

    private string Initializer(string name, TensorProto.Types.DataType type, long[] dims, byte[] data)
    {
        var tensor = new TensorProto { Name = Unique(name), DataType = (int)type, RawData = UnsafeByteOperations.UnsafeWrap(data) };
        tensor.Dims.AddRange(dims);
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>
    /// A tensor value description with a symbolic first dimension: [<paramref name="batch"/>, <paramref name="width"/>]
    /// (the width symbolic too, named <see cref="OnnxExporter.FeatureDimensionName"/>, when null).
    /// </summary>
    public static ValueInfoProto Matrix(string name, TensorProto.Types.DataType type, string batch, long? width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batch });
        shape.Dim.Add(width is { } w ? new TensorShapeProto.Types.Dimension { DimValue = w } : new TensorShapeProto.Types.Dimension { DimParam = OnnxExporter.FeatureDimensionName });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    /// <summary>An integer attribute.</summary>
    public static AttributeProto Attribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A float attribute.</summary>
    public static AttributeProto Attribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>An integer-list attribute.</summary>
    public static AttributeProto Attribute(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private string Unique(string name)
    {
        if (names.Add(name)) return name;
        for (int k = 2; ; k++)
            if (names.Add($"{name}_{k}")) return $"{name}_{k}";
    }
}
