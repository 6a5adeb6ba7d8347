using SimVae.Torch.Native;

namespace SimVae.Torch;

public static partial class Functional
{
    private static readonly Op LinearOp = new("aten::linear");
    private static readonly Op Conv2dOp = new("aten::conv2d");
    private static readonly Op ConvTranspose2dOp = new("aten::conv_transpose2d", "input");
    private static readonly Op BatchNormOp = new("aten::batch_norm");
    private static readonly Op AvgPool2dOp = new("aten::avg_pool2d");
    private static readonly Op MaxPool2dOp = new("aten::max_pool2d");
    private static readonly Op AdaptiveAvgPool2dOp = new("aten::adaptive_avg_pool2d");
    private static readonly Op AdaptiveMaxPool2dOp = new("aten::adaptive_max_pool2d");

    /// <summary><c>x @ weight.T + bias</c> (bfloat16-rounded inside a <see cref="BFloat16Emulation"/> region).</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null) =>
        WithOperands(x, weight, bias, (input, w, b) => LinearOp.Call(input, w, b));

    /// <summary>2-D convolution of NCHW input with an (out, in/groups, kH, kW) weight (bfloat16-rounded inside a <see cref="BFloat16Emulation"/> region).</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long dilation = 1, long groups = 1) =>
        WithOperands(x, weight, bias, (input, w, b) => Conv2dOp.Call(input, w, b, new[] { stride, stride }, new[] { padding, padding }, new[] { dilation, dilation }, groups));

    /// <summary>Transposed 2-D convolution with an (in, out/groups, kH, kW) weight (bfloat16-rounded inside a <see cref="BFloat16Emulation"/> region).</summary>
    public static Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long outputPadding = 0, long groups = 1, long dilation = 1) =>
        WithOperands(x, weight, bias, (input, w, b) => ConvTranspose2dOp.Call(input, w, b, new[] { stride, stride }, new[] { padding, padding }, new[] { outputPadding, outputPadding }, groups, new[] { dilation, dilation }));

    // Runs a matrix-product layer as is, or, inside a BFloat16Emulation region, on bfloat16-rounded float32 operands
    // with its result rounded as well (what autocast's bfloat16 kernels return).
    private static Tensor WithOperands(Tensor x, Tensor weight, Tensor? bias, Func<Tensor, Tensor, Tensor?, Tensor> layer)
    {
        if (!BFloat16Emulation.IsActive || x.DType != ScalarType.Float32) return layer(x, weight, bias);
        using var scope = DisposeScope.Open();
        var result = BFloat16Emulation.Round(layer(BFloat16Emulation.Round(x), BFloat16Emulation.Round(weight), bias is null ? null : BFloat16Emulation.Round(bias)));
        return result.MoveToOuterScope();
    }

    /// <summary>
    /// Batch normalisation. In training mode uses batch statistics and updates the running ones in place
    /// (<c>running = (1 - momentum) * running + momentum * batch</c>); in eval mode uses the running statistics.
    /// </summary>
    public static Tensor BatchNorm(Tensor x, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias, bool training, double momentum = 0.1, double eps = 1e-5) =>
        BatchNormOp.Call(x, weight, bias, runningMean, runningVar, training, momentum, eps, true);

    /// <summary>2-D average pooling (stride defaults to the kernel size).</summary>
    public static Tensor AvgPool2d(Tensor x, long kernelSize, long? stride = null, long padding = 0) =>
        AvgPool2dOp.Call(x, new[] { kernelSize, kernelSize }, new[] { stride ?? kernelSize, stride ?? kernelSize }, new[] { padding, padding });

    /// <summary>2-D max pooling (stride defaults to the kernel size).</summary>
    public static Tensor MaxPool2d(Tensor x, long kernelSize, long? stride = null, long padding = 0) =>
        MaxPool2dOp.Call(x, new[] { kernelSize, kernelSize }, new[] { stride ?? kernelSize, stride ?? kernelSize }, new[] { padding, padding });

    /// <summary>Average pooling to a fixed output size.</summary>
    public static Tensor AdaptiveAvgPool2d(Tensor x, long outputHeight, long outputWidth) => AdaptiveAvgPool2dOp.Call(x, new[] { outputHeight, outputWidth });

    /// <summary>Max pooling to a fixed output size.</summary>
    public static Tensor AdaptiveMaxPool2d(Tensor x, long outputHeight, long outputWidth)
    {
        var r = AdaptiveMaxPool2dOp.CallMany(2, x, new[] { outputHeight, outputWidth });
        r[1].Dispose();
        return r[0];
    }
}
