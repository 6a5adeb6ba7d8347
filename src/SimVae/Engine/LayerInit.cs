using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SimVae.Engine;

/// <summary>PyTorch's default initialisation of linear and convolution layers, and their argument checks.</summary>
internal static class LayerInit
{
    /// <summary>
    /// A float32 weight drawn Kaiming-uniform with a = √5 (PyTorch's reset_parameters), from the global generator. Like
    /// every parameter it belongs to its module, not to a dispose scope the module happens to be built in.
    /// </summary>
    internal static Parameter Weight(long[] shape)
    {
        using var noGrad = no_grad();
        var weight = new Parameter(empty(shape, ScalarType.Float32, ModuleAllocation.Device));
        weight.DetachFromDisposeScope();
        nn.init.kaiming_uniform_(weight, a: Math.Sqrt(5));
        return weight;
    }

    /// <summary>A float32 bias drawn U(−1/√fanIn, 1/√fanIn).</summary>
    internal static Parameter Bias(long size, long fanIn)
    {
        using var noGrad = no_grad();
        var bias = new Parameter(empty([size], ScalarType.Float32, ModuleAllocation.Device));
        bias.DetachFromDisposeScope();
        double bound = 1 / Math.Sqrt(fanIn);
        nn.init.uniform_(bias, -bound, bound);
        return bias;
    }

    internal static void RequirePositive(long value, string name)
    {
        if (value < 1) throw new ArgumentOutOfRangeException(name, value, "must be at least 1");
    }

    internal static void RequireConvolution(long inChannels, long outChannels, long kernelSize, long stride, long padding)
    {
        RequirePositive(inChannels, nameof(inChannels));
        RequirePositive(outChannels, nameof(outChannels));
        RequirePositive(kernelSize, nameof(kernelSize));
        RequirePositive(stride, nameof(stride));
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, "must not be negative");
    }
}
