using SimVae.Torch.Native;

namespace SimVae.Torch;

/// <summary>Neural-network functions, as in <c>torch.nn.functional</c>.</summary>
public static partial class Functional
{
    private static readonly Op ReluOp = new("aten::relu");
    private static readonly Op LeakyReluOp = new("aten::leaky_relu");
    private static readonly Op GeluOp = new("aten::gelu");
    private static readonly Op SiluOp = new("aten::silu");
    private static readonly Op SigmoidOp = new("aten::sigmoid");
    private static readonly Op TanhOp = new("aten::tanh");
    private static readonly Op SoftplusOp = new("aten::softplus");
    private static readonly Op SoftmaxOp = new("aten::softmax", "int");
    private static readonly Op LogSoftmaxOp = new("aten::log_softmax", "int");
    private static readonly Op DropoutOp = new("aten::dropout");

    /// <summary><c>max(x, 0)</c>.</summary>
    public static Tensor Relu(Tensor x) => ReluOp.Call(x);
    /// <summary><c>x</c> where positive, else <c>slope * x</c>.</summary>
    public static Tensor LeakyRelu(Tensor x, double negativeSlope = 0.01) => LeakyReluOp.Call(x, negativeSlope);
    /// <summary>Gaussian error linear unit (exact, or the tanh approximation).</summary>
    public static Tensor Gelu(Tensor x, bool tanhApproximation = false) => GeluOp.Call(x, tanhApproximation ? "tanh" : "none");
    /// <summary><c>x * sigmoid(x)</c>.</summary>
    public static Tensor Silu(Tensor x) => SiluOp.Call(x);
    /// <summary><c>1 / (1 + exp(-x))</c>.</summary>
    public static Tensor Sigmoid(Tensor x) => SigmoidOp.Call(x);
    /// <summary>Hyperbolic tangent.</summary>
    public static Tensor Tanh(Tensor x) => TanhOp.Call(x);
    /// <summary><c>log(1 + exp(x))</c>.</summary>
    public static Tensor Softplus(Tensor x) => SoftplusOp.Call(x);
    /// <summary>Softmax along <paramref name="dim"/>.</summary>
    public static Tensor Softmax(Tensor x, int dim) => SoftmaxOp.Call(x, dim);
    /// <summary>Log-softmax along <paramref name="dim"/>, computed stably.</summary>
    public static Tensor LogSoftmax(Tensor x, int dim) => LogSoftmaxOp.Call(x, dim);
    /// <summary>Zeroes elements with probability <paramref name="p"/> and scales the rest by 1/(1-p) when training.</summary>
    public static Tensor Dropout(Tensor x, double p, bool training) => DropoutOp.Call(x, p, training);
}
