using SimVae.Torch.Native;

namespace SimVae.Torch;

/// <summary>Elementwise arithmetic and math functions (broadcasting as in PyTorch).</summary>
public sealed partial class Tensor
{
    private static readonly Op AddOp = new("aten::add", "Tensor");
    private static readonly Op AddScalarOp = new("aten::add", "Scalar");
    private static readonly Op SubOp = new("aten::sub", "Tensor");
    private static readonly Op RsubScalarOp = new("aten::rsub", "Scalar");
    private static readonly Op MulOp = new("aten::mul", "Tensor");
    private static readonly Op MulScalarOp = new("aten::mul", "Scalar");
    private static readonly Op DivOp = new("aten::div", "Tensor");
    private static readonly Op DivScalarOp = new("aten::div", "Scalar");
    private static readonly Op NegOp = new("aten::neg");
    private static readonly Op ReciprocalOp = new("aten::reciprocal");
    private static readonly Op PowScalarOp = new("aten::pow", "Tensor_Scalar");
    private static readonly Op PowTensorOp = new("aten::pow", "Tensor_Tensor");
    private static readonly Op ExpOp = new("aten::exp");
    private static readonly Op LogOp = new("aten::log");
    private static readonly Op Log1pOp = new("aten::log1p");
    private static readonly Op SqrtOp = new("aten::sqrt");
    private static readonly Op RsqrtOp = new("aten::rsqrt");
    private static readonly Op SquareOp = new("aten::square");
    private static readonly Op AbsOp = new("aten::abs");
    private static readonly Op SignOp = new("aten::sign");
    private static readonly Op FloorOp = new("aten::floor");
    private static readonly Op RoundOp = new("aten::round");
    private static readonly Op SinOp = new("aten::sin");
    private static readonly Op CosOp = new("aten::cos");
    private static readonly Op ClampOp = new("aten::clamp");
    private static readonly Op MaximumOp = new("aten::maximum");
    private static readonly Op MinimumOp = new("aten::minimum");
    private static readonly Op RemainderOp = new("aten::remainder", "Scalar");
    private static readonly Op LerpOp = new("aten::lerp", "Tensor");
    private static readonly Op AddmmOp = new("aten::addmm");
    private static readonly Op MatmulOp = new("aten::matmul");
    private static readonly Op MmOp = new("aten::mm");
    private static readonly Op BmmOp = new("aten::bmm");
    private static readonly Op OuterOp = new("aten::outer");
    private static readonly Op AddInPlaceOp = new("aten::add_", "Tensor");
    private static readonly Op MulInPlaceOp = new("aten::mul_", "Scalar");
    private static readonly Op ZeroInPlaceOp = new("aten::zero_");
    private static readonly Op FillInPlaceOp = new("aten::fill_", "Scalar");
    private static readonly Op CopyInPlaceOp = new("aten::copy_");
    private static readonly Op UniformInPlaceOp = new("aten::uniform_");
    private static readonly Op NormalInPlaceOp = new("aten::normal_");

    /// <summary><c>this + alpha * other</c>.</summary>
    public Tensor Add(Tensor other, double alpha = 1) => AddOp.Call(this, other, alpha);
    /// <summary><c>this + value</c>.</summary>
    public Tensor Add(double value) => AddScalarOp.Call(this, Num(value), 1);
    /// <summary><c>this - alpha * other</c>.</summary>
    public Tensor Sub(Tensor other, double alpha = 1) => SubOp.Call(this, other, alpha);
    /// <summary><c>this * other</c>.</summary>
    public Tensor Mul(Tensor other) => MulOp.Call(this, other);
    /// <summary><c>this * value</c>.</summary>
    public Tensor Mul(double value) => MulScalarOp.Call(this, Num(value));
    /// <summary><c>this / other</c>.</summary>
    public Tensor Div(Tensor other) => DivOp.Call(this, other);
    /// <summary><c>this / value</c>.</summary>
    public Tensor Div(double value) => DivScalarOp.Call(this, value);
    /// <summary><c>-this</c>.</summary>
    public Tensor Neg() => NegOp.Call(this);
    /// <summary><c>1 / this</c>.</summary>
    public Tensor Reciprocal() => ReciprocalOp.Call(this);
    /// <summary><c>this ^ exponent</c>.</summary>
    public Tensor Pow(double exponent) => PowScalarOp.Call(this, Num(exponent));
    /// <summary><c>this ^ exponent</c>, elementwise.</summary>
    public Tensor Pow(Tensor exponent) => PowTensorOp.Call(this, exponent);
    /// <summary>e to the power of each element.</summary>
    public Tensor Exp() => ExpOp.Call(this);
    /// <summary>Natural logarithm.</summary>
    public Tensor Log() => LogOp.Call(this);
    /// <summary><c>log(1 + this)</c>, accurate near 0.</summary>
    public Tensor Log1p() => Log1pOp.Call(this);
    /// <summary>Square root.</summary>
    public Tensor Sqrt() => SqrtOp.Call(this);
    /// <summary><c>1 / sqrt(this)</c>.</summary>
    public Tensor Rsqrt() => RsqrtOp.Call(this);
    /// <summary><c>this * this</c>.</summary>
    public Tensor Square() => SquareOp.Call(this);
    /// <summary>Absolute value.</summary>
    public Tensor Abs() => AbsOp.Call(this);
    /// <summary>-1, 0 or 1.</summary>
    public Tensor Sign() => SignOp.Call(this);
    /// <summary>Rounds down.</summary>
    public Tensor Floor() => FloorOp.Call(this);
    /// <summary>Rounds half to even.</summary>
    public Tensor Round() => RoundOp.Call(this);
    /// <summary>Sine.</summary>
    public Tensor Sin() => SinOp.Call(this);
    /// <summary>Cosine.</summary>
    public Tensor Cos() => CosOp.Call(this);
    /// <summary>Limits elements to [min, max]; a null bound is open.</summary>
    public Tensor Clamp(double? min = null, double? max = null) =>
        ClampOp.Call(this, min is null ? OpArg.None : Num(min.Value), max is null ? OpArg.None : Num(max.Value));
    /// <summary>Elementwise maximum.</summary>
    public Tensor Maximum(Tensor other) => MaximumOp.Call(this, other);
    /// <summary>Elementwise minimum.</summary>
    public Tensor Minimum(Tensor other) => MinimumOp.Call(this, other);
    /// <summary>Python-style remainder (sign of the divisor).</summary>
    public Tensor Remainder(double divisor) => RemainderOp.Call(this, Num(divisor));
    /// <summary><c>this + weight * (end - this)</c>.</summary>
    public Tensor Lerp(Tensor end, Tensor weight) => LerpOp.Call(this, end, weight);

    /// <summary>Matrix product with PyTorch's broadcasting rules (<c>torch.matmul</c>).</summary>
    public Tensor MatMul(Tensor other) => MatmulOp.Call(this, other);
    /// <summary>2-D matrix product.</summary>
    public Tensor Mm(Tensor other) => MmOp.Call(this, other);
    /// <summary>Batched matrix product of 3-D tensors.</summary>
    public Tensor Bmm(Tensor other) => BmmOp.Call(this, other);
    /// <summary>Outer product of two vectors.</summary>
    public Tensor Outer(Tensor other) => OuterOp.Call(this, other);
    /// <summary><c>beta * this + alpha * (mat1 @ mat2)</c>.</summary>
    public Tensor Addmm(Tensor mat1, Tensor mat2, double beta = 1, double alpha = 1) => AddmmOp.Call(this, mat1, mat2, beta, alpha);

    /// <summary>In place: <c>this += alpha * other</c>. Returns this tensor.</summary>
    public Tensor Add_(Tensor other, double alpha = 1) { AddInPlaceOp.CallInPlace(this, other, alpha); return this; }
    /// <summary>In place: <c>this *= value</c>. Returns this tensor.</summary>
    public Tensor Mul_(double value) { MulInPlaceOp.CallInPlace(this, Num(value)); return this; }
    /// <summary>In place: fills with zeros. Returns this tensor.</summary>
    public Tensor Zero_() { ZeroInPlaceOp.CallInPlace(this); return this; }
    /// <summary>In place: fills with <paramref name="value"/>. Returns this tensor.</summary>
    public Tensor Fill_(double value) { FillInPlaceOp.CallInPlace(this, value); return this; }
    /// <summary>In place: copies <paramref name="source"/> (broadcast, converted, across devices). Returns this tensor.</summary>
    public Tensor Copy_(Tensor source) { CopyInPlaceOp.CallInPlace(this, source, false); return this; }
    /// <summary>In place: uniform samples in [from, to). Returns this tensor.</summary>
    public Tensor Uniform_(double from, double to) { UniformInPlaceOp.CallInPlace(this, from, to); return this; }
    /// <summary>In place: normal samples. Returns this tensor.</summary>
    public Tensor Normal_(double mean = 0, double std = 1) { NormalInPlaceOp.CallInPlace(this, mean, std); return this; }

    /// <summary>
    /// A scalar operand: integral values are passed to libtorch as integers, so integer tensors keep their type
    /// (<c>labels + 1</c> stays int64, as in PyTorch); other values are passed as doubles (and promote to float).
    /// </summary>
    private static OpArg Num(double v) =>
        v == Math.Truncate(v) && Math.Abs(v) <= 9007199254740992.0 && !(v == 0 && double.IsNegative(v)) ? (OpArg)(long)v : v;

    /// <summary>Elementwise sum.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor a, double b) => a.Add(b);
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(double a, Tensor b) => b.Add(a);
    /// <summary>Elementwise difference.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, double b) => a.Add(-b);
    /// <summary>Scalar minus tensor.</summary>
    public static Tensor operator -(double a, Tensor b) => RsubScalarOp.Call(b, Num(a), 1);
    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => a.Neg();
    /// <summary>Elementwise product.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, double b) => a.Mul(b);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(double a, Tensor b) => b.Mul(a);
    /// <summary>Elementwise quotient.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, double b) => a.Div(b);
    /// <summary>Scalar divided by tensor.</summary>
    public static Tensor operator /(double a, Tensor b)
    {
        using var r = b.Reciprocal();
        return r.Mul(a);
    }
}
