using Onnx;
using SimVae.Backbones;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Conv2d = SimVae.Engine.Conv2d;
using Linear = SimVae.Engine.Linear;

namespace SimVae.Export;

/// <summary>
/// A value flowing through the graph: its name, its rank as the TorchSharp module sees it, whether it is still the
/// flat [N, C·H·W] pixel row standing for an [N, C, H, W] image batch (reshaped only when a module needs the 4-D form),
/// and, for [N, F] values, F when the translation knows it (null otherwise).
/// </summary>
internal readonly record struct OnnxValue(string Name, int Rank, bool FlatImage, long? Width = null);

/// <summary>
/// Translates an encoder module into ONNX nodes by its type, walking <see cref="nn.Module.named_children"/>, with
/// eval-mode semantics (batch norm uses its running statistics, dropout is the identity). Each translation is the
/// module's <c>forward</c> written as ONNX operators; a module type without one fails with a
/// <see cref="NotSupportedException"/> naming its type and its path in the model.
/// </summary>
internal sealed class EncoderTranslator(OnnxGraphBuilder graph, long channels, long height, long width)
{
    /// <summary>The module types this translator knows.</summary>
    internal const string SupportedTypes =
        "Sequential, SimVae.Engine.Linear, SimVae.Engine.Conv2d, BatchNorm1d, BatchNorm2d, ReLU, LeakyReLU, Sigmoid, Tanh, SiLU, Identity, Dropout, Flatten, " +
        "AdaptiveAvgPool2d (to 1×1), Mlp, ConvEncoder, ResNet18";

    /// <summary>The nodes computing <paramref name="module"/>'s forward pass on <paramref name="x"/>.</summary>
    /// <param name="module">The module.</param>
    /// <param name="path">Its dotted path in the model (e.g. <c>encoder.layers.3</c>).</param>
    /// <param name="x">Its input.</param>
    public OnnxValue Translate(nn.Module module, string path, OnnxValue x) => module switch
    {
        Sequential => module.named_children().Aggregate(x, (h, child) => Translate(child.module, Join(path, child.name), h)),
        Linear linear => Gemm(linear, path, x),
        Conv2d conv => Conv(conv, path, x),
        BatchNorm1d norm => BatchNorm(norm, path, x, 2, 3),
        BatchNorm2d norm => BatchNorm(norm, path, x, 4),
        ReLU => Elementwise("Relu", path, x),
        LeakyReLU leaky => Elementwise("LeakyRelu", path, x, OnnxGraphBuilder.Attribute("alpha", (float)leaky.negative_slope)),
        Sigmoid => Elementwise("Sigmoid", path, x),
        Tanh => Elementwise("Tanh", path, x),
        SiLU => x with { Name = graph.Node("Mul", path, [x.Name, Elementwise("Sigmoid", path, x).Name]) },
        Identity or Dropout => x,
        Flatten flatten => Flatten(flatten.start_dim, flatten.end_dim, path, x),
        AdaptiveAvgPool2d pool => GlobalAveragePool(pool, path, x),
        Mlp => Translate(Child(module, "layers"), Join(path, "layers"), x.Rank == 2 ? x : Flatten(1, -1, path, x)),
        ConvEncoder => Translate(Child(module, "body"), Join(path, "body"), x),
        ResNet18 => ResNet(module, path, x),
        BasicBlock => Block(module, path, x),
        _ => throw new NotSupportedException(
            $"ONNX export does not support the module '{path}' of type {module.GetType().FullName}; supported module types: {SupportedTypes}"),
    };

    /// <summary>Gemm computes x·Wᵀ + b for [N, in] inputs, as <c>nn.Linear</c> does.</summary>
    private OnnxValue Gemm(Linear linear, string path, OnnxValue x)
    {
        RequireRank(linear, path, x, 2);
        var inputs = new List<string> { x.Name, graph.Weight($"{path}.weight", linear.weight) };
        if (linear.bias is not null) inputs.Add(graph.Weight($"{path}.bias", linear.bias));
        return new OnnxValue(graph.Node("Gemm", path, inputs, OnnxGraphBuilder.Attribute("transB", 1L)), 2, false, linear.OutFeatures);
    }

    private OnnxValue Conv(Conv2d conv, string path, OnnxValue x)
    {
        x = Image(x, path);
        RequireRank(conv, path, x, 4);
        var inputs = new List<string> { x.Name, graph.Weight($"{path}.weight", conv.weight) };
        if (conv.bias is not null) inputs.Add(graph.Weight($"{path}.bias", conv.bias));
        long k = conv.KernelSize, s = conv.Stride, p = conv.Padding;
        return new OnnxValue(graph.Node("Conv", path, inputs,
            OnnxGraphBuilder.Attribute("kernel_shape", k, k),
            OnnxGraphBuilder.Attribute("strides", s, s),
            OnnxGraphBuilder.Attribute("pads", p, p, p, p)), 4, false);
    }

    /// <summary>Inference-mode BatchNormalization: (x − running_mean) / √(running_var + ε) · weight + bias.</summary>
    private OnnxValue BatchNorm(NormBase norm, string path, OnnxValue x, params int[] ranks)
    {
        x = Image(x, path);
        RequireRank(norm, path, x, ranks);
        if (norm.running_mean is null || norm.running_var is null)
            throw new NotSupportedException($"ONNX export needs the running statistics of the batch norm '{path}'; it was created with track_running_stats = false");
        long c = norm.num_features;
        string scale = norm.weight is { } w ? graph.Weight($"{path}.weight", w) : graph.FloatConstant($"{path}.weight", 1f, c);
        string bias = norm.bias is { } b ? graph.Weight($"{path}.bias", b) : graph.FloatConstant($"{path}.bias", 0f, c);
        var inputs = new[] { x.Name, scale, bias, graph.Weight($"{path}.running_mean", norm.running_mean), graph.Weight($"{path}.running_var", norm.running_var) };
        return x with { Name = graph.Node("BatchNormalization", path, inputs, OnnxGraphBuilder.Attribute("epsilon", (float)norm.eps)) };
    }

    /// <summary>An elementwise operator keeps the shape, so a flat image row stays flat.</summary>
    private OnnxValue Elementwise(string opType, string path, OnnxValue x, params AttributeProto[] attributes) =>
        x with { Name = graph.Node(opType, path, [x.Name], attributes) };

    /// <summary><c>nn.Flatten(start, end)</c>; only the batch-keeping form (start 1, end last) has an ONNX Flatten equivalent.</summary>
    private OnnxValue Flatten(long startDim, long endDim, string path, OnnxValue x)
    {
        long start = startDim < 0 ? startDim + x.Rank : startDim, end = endDim < 0 ? endDim + x.Rank : endDim;
        if (start == end) return x;
        if (start != 1 || end != x.Rank - 1)
            throw new NotSupportedException($"ONNX export supports Flatten from dimension 1 to the last only; '{path}' flattens {startDim}..{endDim} of a {x.Rank}-D value");
        if (x.FlatImage) return new OnnxValue(x.Name, 2, false, channels * height * width);
        return new OnnxValue(graph.Node("Flatten", path, [x.Name], OnnxGraphBuilder.Attribute("axis", 1L)), 2, false);
    }

    /// <summary>Adaptive average pooling to 1×1 is ONNX's GlobalAveragePool; other output sizes have no single operator.</summary>
    private OnnxValue GlobalAveragePool(AdaptiveAvgPool2d pool, string path, OnnxValue x)
    {
        if (pool.output_size.Any(s => s != 1))
            throw new NotSupportedException($"ONNX export supports AdaptiveAvgPool2d to 1x1 only; '{path}' pools to {string.Join("x", pool.output_size)}");
        x = Image(x, path);
        RequireRank(pool, path, x, 4);
        return new OnnxValue(graph.Node("GlobalAveragePool", path, [x.Name]), 4, false);
    }

    /// <summary>CIFAR ResNet-18: stem, stages, global average pooling (adaptive pooling to 1×1), flatten, linear head.</summary>
    private OnnxValue ResNet(nn.Module resNet, string path, OnnxValue x)
    {
        x = Translate(Child(resNet, "stem"), Join(path, "stem"), x);
        x = Translate(Child(resNet, "stages"), Join(path, "stages"), x);
        x = new OnnxValue(graph.Node("GlobalAveragePool", path, [x.Name]), 4, false);
        x = Flatten(1, -1, path, x);
        return Translate(Child(resNet, "head"), Join(path, "head"), x);
    }

    /// <summary>Basic block: ReLU(main(x) + shortcut(x)), the shortcut being the identity when the block keeps the shape.</summary>
    private OnnxValue Block(nn.Module block, string path, OnnxValue x)
    {
        var main = Translate(Child(block, "main"), Join(path, "main"), x);
        var shortcutModule = block.named_children().FirstOrDefault(c => c.name == "shortcut").module;
        var identity = shortcutModule is null ? x : Translate(shortcutModule, Join(path, "shortcut"), x);
        var sum = main with { Name = graph.Node("Add", path, [main.Name, identity.Name]) };
        return Elementwise("Relu", path, sum);
    }

    /// <summary>Reshapes a flat pixel row to [N, C, H, W] (shape entry 0 copies N, so any batch size works).</summary>
    private OnnxValue Image(OnnxValue x, string path)
    {
        if (!x.FlatImage) return x;
        var shape = graph.Int64Constant($"{path}.image_shape", 0, channels, height, width);
        return new OnnxValue(graph.Node("Reshape", path, [x.Name, shape]), 4, false);
    }

    /// <summary>The child module named <paramref name="name"/> (the fixed layout a composite module's forward pass relies on).</summary>
    internal static nn.Module Child(nn.Module parent, string name) =>
        parent.named_children().FirstOrDefault(c => c.name == name).module
        ?? throw new InvalidOperationException($"{parent.GetType().Name} has no child module '{name}'");

    private static void RequireRank(nn.Module module, string path, OnnxValue x, params int[] ranks)
    {
        if (!ranks.Contains(x.Rank))
            throw new NotSupportedException(
                $"ONNX export of the module '{path}' ({module.GetType().Name}) needs a {string.Join(" or ", ranks)}-D input; it gets a {x.Rank}-D value");
    }

    internal static string Join(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";
}
