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

    /// <summary><c>x @ weight.T + bias</c>.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null) => LinearOp.Call(x, weight, bias);

    /// <summary>2-D convolution of NCHW input with an (out, in/groups, kH, kW) weight.</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long dilation = 1, long groups = 1) =>
        Conv2dOp.Call(x, weight, bias, new[] { stride, stride }, new[] { padding, padding }, new[] { dilation, dilation }, groups);

    /// <summary>Transposed 2-D convolution with an (in, out/groups, kH, kW) weight.</summary>
    public static Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long outputPadding = 0, long groups = 1, long dilation = 1) =>
        ConvTranspose2dOp.Call(x, weight, bias, new[] { stride, stride }, new[] { padding, padding }, new[] { outputPadding, outputPadding }, groups, new[] { dilation, dilation });

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
