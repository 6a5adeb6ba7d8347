using SimVae.Torch.Tests.TestSupport;
using F = SimVae.Torch.Functional;

namespace SimVae.Torch.Tests.Ops;

/// <summary>
/// Autograd against central finite differences (float64, relative tolerance 1e-6) for every differentiable operator
/// the product uses. Inputs are seeded random values kept away from kinks (0 for relu/abs, ties for max).
/// </summary>
[TestClass]
public class GradCheckTests
{
    private static Tensor U(ulong seed, double lo, double hi, params long[] shape) => GradCheck.Uniform(seed, lo, hi, shape);

    /// <summary>Values with |v| in [0.1, 1), random sign: away from the kink at 0.</summary>
    private static Tensor AwayFromZero(ulong seed, params long[] shape)
    {
        var rng = new Random((int)seed);
        long n = shape.Aggregate(1L, (a, b) => a * b);
        var data = new double[n];
        for (int k = 0; k < n; k++) data[k] = (0.1 + 0.9 * rng.NextDouble()) * (rng.Next(2) == 0 ? -1 : 1);
        return Tensor.FromArray(data, shape);
    }

    private static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        using var scope = DisposeScope.Open();
        GradCheck.Check(f, inputs);
    }

    [TestMethod]
    public void Checker_DetectsAWrongGradient()
    {
        using var scope = DisposeScope.Open();
        // x.detach() * x has true derivative 2x but autograd only sees x: the checker must fail.
        var x = U(1, 0.5, 1, 3);
        Assert.ThrowsExactly<AssertFailedException>(() => GradCheck.Check(v => v[0].Detach() * v[0], [x]));
        // a gradient off by a relative 5e-5 is still caught: f = x^2 + 1e-4 x.detach() x has derivative 2x + 2e-4 x, autograd sees 2x + 1e-4 x
        Assert.ThrowsExactly<AssertFailedException>(() => GradCheck.Check(v => v[0] * v[0] + v[0].Detach() * v[0] * 1e-4, [x]));
        // and it must pass the correct one
        GradCheck.Check(v => v[0] * v[0], [x]);
    }

    // ---- elementwise arithmetic (with broadcasting) ----
    [TestMethod] public void Add() => Check(v => v[0].Add(v[1], 0.7) + v[0].Add(2.5), U(1, -1, 1, 2, 3), U(2, -1, 1, 3));
    [TestMethod] public void Sub() => Check(v => v[0].Sub(v[1], 1.5) - v[1] + (3 - v[0]), U(3, -1, 1, 2, 3), U(4, -1, 1, 2, 1));
    [TestMethod] public void Mul() => Check(v => v[0] * v[1] * 1.5, U(5, -1, 1, 2, 3), U(6, -1, 1, 1, 3));
    [TestMethod] public void Div() => Check(v => v[0] / v[1] + v[0] / 3 + 2 / v[1], U(7, -1, 1, 2, 3), U(8, 0.5, 2, 3));
    [TestMethod] public void Neg() => Check(v => -v[0] + v[0].Neg(), U(9, -1, 1, 4));
    [TestMethod] public void Reciprocal() => Check(v => v[0].Reciprocal(), U(10, 0.5, 2, 4));
    [TestMethod] public void PowScalar() => Check(v => v[0].Pow(3) + v[0].Pow(0.5) + v[0].Pow(-1.5), U(11, 0.5, 2, 4));
    [TestMethod] public void PowTensor() => Check(v => v[0].Pow(v[1]), U(12, 0.5, 2, 4), U(13, -1, 2, 4));
    [TestMethod] public void Exp() => Check(v => v[0].Exp(), U(14, -2, 2, 5));
    [TestMethod] public void Log() => Check(v => v[0].Log(), U(15, 0.2, 3, 5));
    [TestMethod] public void Log1p() => Check(v => v[0].Log1p(), U(16, -0.5, 3, 5));
    [TestMethod] public void Sqrt() => Check(v => v[0].Sqrt(), U(17, 0.2, 3, 5));
    [TestMethod] public void Rsqrt() => Check(v => v[0].Rsqrt(), U(18, 0.2, 3, 5));
    [TestMethod] public void Square() => Check(v => v[0].Square(), U(19, -2, 2, 5));
    [TestMethod] public void Abs() => Check(v => v[0].Abs(), AwayFromZero(20, 6));
    [TestMethod] public void Clamp() => Check(v => v[0].Clamp(-0.5, 0.5) + v[0].Clamp(min: 0.05) + v[0].Clamp(max: -0.05), AwayFromZero(21, 12));
    [TestMethod] public void Maximum() => Check(v => v[0].Maximum(v[1]), U(22, -1, 1, 2, 4), U(23, -1, 1, 4));
    [TestMethod] public void Minimum() => Check(v => v[0].Minimum(v[1]), U(24, -1, 1, 2, 4), U(25, -1, 1, 2, 1));
    [TestMethod] public void Lerp() => Check(v => v[0].Lerp(v[1], v[2]), U(26, -1, 1, 4), U(27, -1, 1, 4), U(28, 0, 1, 4));
    [TestMethod] public void SinCos() => Check(v => v[0].Sin() * v[0].Cos(), U(29, -3, 3, 5));

    // ---- matrix products ----
    [TestMethod] public void MatMul() => Check(v => v[0].MatMul(v[1]), U(30, -1, 1, 2, 3, 4), U(31, -1, 1, 4, 2));
    [TestMethod] public void Mm() => Check(v => v[0].Mm(v[1]), U(32, -1, 1, 3, 4), U(33, -1, 1, 4, 2));
    [TestMethod] public void Bmm() => Check(v => v[0].Bmm(v[1]), U(34, -1, 1, 2, 3, 4), U(35, -1, 1, 2, 4, 2));
    [TestMethod] public void Addmm() => Check(v => v[0].Addmm(v[1], v[2], beta: 0.5, alpha: 1.5), U(36, -1, 1, 2), U(37, -1, 1, 3, 4), U(38, -1, 1, 4, 2));
    [TestMethod] public void Outer() => Check(v => v[0].Outer(v[1]), U(39, -1, 1, 3), U(40, -1, 1, 4));

    // ---- reductions ----
    [TestMethod] public void Sum() => Check(v => v[0].Sum(1) + v[0].Sum([0L, 1L]) + v[0].Sum(0, keepDim: true).Sum(), U(41, -1, 1, 3, 4));
    [TestMethod] public void Mean() => Check(v => v[0].Mean(0, keepDim: true) * v[0].Mean(), U(42, -1, 1, 3, 4));
    [TestMethod] public void Var() => Check(v => v[0].Var([1]) + v[0].Var(unbiased: false), U(43, -1, 1, 3, 4));
    [TestMethod] public void Std() => Check(v => v[0].Std([0], keepDim: true).Sum(0) + v[0].Std(), U(44, -1, 1, 3, 4));
    [TestMethod] public void Amax() => Check(v => v[0].Amax([1]) + v[0].Amax([0, 1]), U(45, -1, 1, 3, 4));
    [TestMethod] public void MaxMinDim() => Check(v => v[0].Max(1).Values + v[0].Min(1).Values + v[0].Amin([1]), U(46, -1, 1, 3, 4));
    [TestMethod] public void LogSumExp() => Check(v => v[0].LogSumExp([1]), U(47, -2, 2, 3, 4));
    [TestMethod] public void Norm() => Check(v => v[0].Norm() + v[0].Norm(2, [1]).Sum() + v[0].Norm(1, [0]).Sum(), AwayFromZero(48, 3, 4));
    [TestMethod] public void CumSum() => Check(v => v[0].CumSum(1), U(49, -1, 1, 2, 4));

    // ---- activations ----
    [TestMethod] public void Softmax() => Check(v => F.Softmax(v[0], 1) + F.Softmax(v[0], 0), U(50, -2, 2, 3, 4));
    [TestMethod] public void LogSoftmax() => Check(v => F.LogSoftmax(v[0], -1), U(51, -2, 2, 3, 4));
    [TestMethod] public void Sigmoid() => Check(v => F.Sigmoid(v[0]), U(52, -3, 3, 6));
    [TestMethod] public void Relu() => Check(v => F.Relu(v[0]), AwayFromZero(53, 8));
    [TestMethod] public void LeakyRelu() => Check(v => F.LeakyRelu(v[0], 0.2), AwayFromZero(54, 8));
    [TestMethod] public void Gelu() => Check(v => F.Gelu(v[0]) + F.Gelu(v[0], tanhApproximation: true), U(55, -3, 3, 6));
    [TestMethod] public void Silu() => Check(v => F.Silu(v[0]), U(56, -3, 3, 6));
    [TestMethod] public void Tanh() => Check(v => F.Tanh(v[0]), U(57, -3, 3, 6));
    [TestMethod] public void Softplus() => Check(v => F.Softplus(v[0]), U(58, -3, 3, 6));
    [TestMethod] public void DropoutP0() => Check(v => F.Dropout(v[0], 0, training: true), U(59, -1, 1, 6));

    // ---- layers ----
    [TestMethod] public void Linear() => Check(v => F.Linear(v[0], v[1], v[2]), U(60, -1, 1, 2, 3), U(61, -1, 1, 4, 3), U(62, -1, 1, 4));
    [TestMethod] public void Conv2d() => Check(v => F.Conv2d(v[0], v[1], v[2], stride: 2, padding: 1), U(63, -1, 1, 1, 2, 5, 5), U(64, -1, 1, 3, 2, 3, 3), U(65, -1, 1, 3));
    [TestMethod] public void Conv2dDilatedGrouped() => Check(v => F.Conv2d(v[0], v[1], dilation: 2, groups: 2), U(66, -1, 1, 1, 2, 5, 5), U(67, -1, 1, 2, 1, 2, 2));
    [TestMethod] public void ConvTranspose2d() =>
        Check(v => F.ConvTranspose2d(v[0], v[1], v[2], stride: 2, padding: 1, outputPadding: 1), U(68, -1, 1, 1, 2, 3, 3), U(69, -1, 1, 2, 3, 3, 3), U(70, -1, 1, 3));
    [TestMethod] public void BatchNormTraining() =>
        Check(v => F.BatchNorm(v[0], null, null, v[1], v[2], training: true), U(71, -1, 1, 4, 3), U(72, 0.5, 1.5, 3), U(73, -1, 1, 3));
    [TestMethod] public void BatchNormTraining4d() =>
        Check(v => F.BatchNorm(v[0], null, null, v[1], v[2], training: true), U(74, -1, 1, 2, 2, 2, 2), U(75, 0.5, 1.5, 2), U(76, -1, 1, 2));
    [TestMethod] public void AvgPool2d() => Check(v => F.AvgPool2d(v[0], 3, stride: 2, padding: 1), U(77, -1, 1, 1, 2, 5, 5));
    [TestMethod] public void MaxPool2d() => Check(v => F.MaxPool2d(v[0], 2) + F.MaxPool2d(v[0], 3, stride: 2, padding: 1), U(78, -1, 1, 1, 2, 4, 4));
    [TestMethod] public void AdaptiveAvgPool2d() => Check(v => F.AdaptiveAvgPool2d(v[0], 2, 3), U(79, -1, 1, 1, 2, 5, 5));
    [TestMethod] public void AdaptiveMaxPool2d() => Check(v => F.AdaptiveMaxPool2d(v[0], 2, 2), U(80, -1, 1, 1, 2, 4, 4));
    [TestMethod] public void InterpolateBilinear() => Check(v => F.Interpolate(v[0], 5, 3) + F.Interpolate(v[0], 5, 3, alignCorners: true), U(81, -1, 1, 1, 2, 3, 4));
    [TestMethod] public void InterpolateNearest() => Check(v => F.Interpolate(v[0], 5, 7, bilinear: false), U(82, -1, 1, 1, 1, 3, 4));
    [TestMethod] public void GridSample() => Check(v => F.GridSample(v[0], v[1]), U(83, -1, 1, 1, 2, 3, 4), U(84, -0.9, 0.9, 1, 2, 3, 2));
    [TestMethod] public void GridSampleBorderAlignCorners() =>
        Check(v => F.GridSample(v[0], v[1], padding: GridPadding.Border, alignCorners: true), U(85, -1, 1, 1, 1, 3, 4), U(86, -1.3, 1.3, 1, 3, 2, 2));
    [TestMethod] public void AffineGrid() => Check(v => F.AffineGrid(v[0], [2, 1, 3, 4]), U(87, -1, 1, 2, 2, 3));
    [TestMethod] public void AffineGridThenGridSample() =>
        Check(v => F.GridSample(v[0], F.AffineGrid(v[1], [1, 2, 3, 3])), U(88, -1, 1, 1, 2, 4, 4), U(89, -0.8, 0.8, 1, 2, 3));

    // ---- shape and indexing ----
    [TestMethod] public void Cat() => Check(v => Tensor.Cat([v[0], v[1] * 2], 1), U(90, -1, 1, 2, 3), U(91, -1, 1, 2, 2));
    [TestMethod] public void Stack() => Check(v => Tensor.Stack([v[0], v[1].Exp()], 1), U(92, -1, 1, 2, 3), U(93, -1, 1, 2, 3));
    [TestMethod] public void Split() => Check(v =>
    {
        var pieces = v[0].Split(2, dim: 1);
        var sized = v[0].Split([1, 4], dim: 1);
        var chunks = v[0].Chunk(2, dim: 0);
        return Tensor.Cat([pieces[0] * 2, pieces[1].Exp(), pieces[2] * pieces[2], sized[0] * 3, chunks[1].Sin().Flatten().Unsqueeze(0).Expand(3, -1).Slice(1, 0, 4)], 1);
    }, U(94, -1, 1, 3, 5));
    [TestMethod] public void ViewReshape() => Check(v => v[0].View(3, 4).Exp().Reshape(2, 6) * v[0].Reshape(2, 6), U(95, -1, 1, 2, 6));
    [TestMethod] public void PermuteTranspose() => Check(v => v[0].Permute(2, 0, 1).Transpose(0, 1).Exp() + v[0].Transpose(0, 2).Transpose(1, 2).Permute(1, 0, 2).Square(), U(96, -1, 1, 2, 3, 4));
    [TestMethod] public void Flatten() => Check(v => v[0].Flatten(1).T().Square(), U(97, -1, 1, 2, 3, 2));
    [TestMethod] public void Expand() => Check(v => v[0].Expand(3, 4) * v[1], U(98, -1, 1, 3, 1), U(99, -1, 1, 3, 4));
    [TestMethod] public void SqueezeUnsqueezeRepeatFlip() => Check(v => v[0].Unsqueeze(0).Repeat(2, 1, 1).Flip(2).Squeeze(0).Exp(), U(100, -1, 1, 2, 3));
    [TestMethod] public void SelectSliceNarrow() => Check(v => Tensor.Cat([v[0].Select(0, 1), v[0].Slice(1, 1, null, 2).Flatten(), v[0].Narrow(1, 0, 2).Flatten()]), U(101, -1, 1, 3, 4));
    [TestMethod] public void IndexSelect() => Check(v => v[0].IndexSelect(0, T.L([2, 0, 2])), U(102, -1, 1, 3, 2));
    [TestMethod] public void Index() => Check(v => Tensor.Cat([v[0].Index(T.L([1, 1, 0])).Flatten(), v[0].Index(v[0].Detach().Gt(0))]), U(103, -1, 1, 3, 2));
    [TestMethod] public void Gather() => Check(v => v[0].Gather(1, T.L([0, 2, 2, 1, 0, 0], 3, 2)), U(104, -1, 1, 3, 3));
    [TestMethod] public void Where() => Check(v => Tensor.Where(T.B([true, false, true, false]), v[0], v[1]), U(105, -1, 1, 2, 4), U(106, -1, 1, 4));
    [TestMethod] public void MaskedFill() => Check(v => v[0].MaskedFill(T.B([true, false, false, true]), 3), U(107, -1, 1, 2, 4));
    [TestMethod] public void DiagonalDiagEmbed() => Check(v => v[0].Diagonal().DiagEmbed() + v[0], U(108, -1, 1, 3, 3));
    [TestMethod] public void CloneContiguousTo() => Check(v => v[0].T().Contiguous().Clone().To(ScalarType.Float64), U(109, -1, 1, 2, 3));

    // ---- losses and distances ----
    [TestMethod] public void Normalize() => Check(v => F.Normalize(v[0]) + F.Normalize(v[0], p: 1, dim: 0), AwayFromZero(110, 3, 4));
    [TestMethod] public void Cdist() => Check(v => F.Cdist(v[0], v[1]), U(111, -1, 1, 3, 4), U(112, -1, 1, 2, 4));
    [TestMethod] public void CrossEntropy() => Check(v => F.CrossEntropy(v[0], T.L([2, 0, 1])) + F.CrossEntropy(v[0], T.L([1, 1, 3]), labelSmoothing: 0.1), U(113, -2, 2, 3, 4));
    [TestMethod] public void CrossEntropyNoReduction() => Check(v => F.CrossEntropy(v[0], T.L([2, 0, 1]), Reduction.None), U(114, -2, 2, 3, 4));
    [TestMethod] public void BinaryCrossEntropy() => Check(v => F.BinaryCrossEntropy(v[0], T.D([0, 1, 0.3, 1, 0.5, 0])), U(115, 0.1, 0.9, 6));
    [TestMethod] public void BinaryCrossEntropyWithLogits() => Check(v => F.BinaryCrossEntropyWithLogits(v[0], T.D([0, 1, 0.3, 1, 0.5, 0]), Reduction.Sum), U(116, -3, 3, 6));
    [TestMethod] public void MseLoss() => Check(v => F.MseLoss(v[0], v[1]) + F.MseLoss(v[0], v[1], Reduction.None).Sum(0), U(117, -1, 1, 3, 2), U(118, -1, 1, 3, 2));
}
