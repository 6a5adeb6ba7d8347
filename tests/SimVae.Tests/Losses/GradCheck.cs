using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Tests.Losses;

/// <summary>
/// Finite-difference gradient checker in float64: the function's output <c>y</c> is reduced to <c>L = sum(y·w)</c>
/// with fixed random weights <c>w</c> (so every output element is checked), autograd gives dL/dx, and central
/// differences <c>(L(x + ε·e_j) − L(x − ε·e_j)) / 2ε</c> give the numeric gradient of every input element j.
/// </summary>
internal static class GradCheck
{
    /// <summary>
    /// Asserts <c>|analytic − numeric| ≤ atol + rtol·|numeric|</c> for every element of every input.
    /// </summary>
    /// <param name="f">The function under test; it receives float64 leaves shaped like <paramref name="inputs"/>.</param>
    /// <param name="inputs">Input values (converted to float64; not modified).</param>
    /// <param name="eps">Finite-difference step.</param>
    /// <param name="rtol">Relative tolerance.</param>
    /// <param name="atol">Absolute tolerance (for gradients near zero).</param>
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-6, double rtol = 1e-6, double atol = 1e-7)
    {
        using var scope = NewDisposeScope();
        var values = inputs.Select(x => x.to(ScalarType.Float64).contiguous().data<double>().ToArray()).ToArray();
        var shapes = inputs.Select(x => x.shape).ToArray();

        var leaves = values.Select((v, i) => tensor(v, shapes[i]).requires_grad_()).ToArray();
        var y = f(leaves);
        Assert.AreEqual(ScalarType.Float64, y.dtype, "gradient checks run in float64: the function must keep the dtype");
        Assert.IsTrue(y.requires_grad, "the output does not depend on any input through autograd");
        var w = randn(y.shape, ScalarType.Float64, generator: new Generator(1234));
        (y * w).sum().backward();
        var analytic = leaves.Select(l => l.grad is { } g ? g.data<double>().ToArray() : new double[l.numel()]).ToArray();

        double Evaluate(int input, int element, double delta)
        {
            using var inner = NewDisposeScope();
            using var noGrad = no_grad();
            var xs = values.Select((v, i) =>
            {
                var copy = (double[])v.Clone();
                if (i == input) copy[element] += delta;
                return tensor(copy, shapes[i]);
            }).ToArray();
            return (f(xs) * w).sum().ToDouble();
        }

        int checkedCount = 0;
        for (int i = 0; i < values.Length; i++)
            for (int j = 0; j < values[i].Length; j++)
            {
                double numeric = (Evaluate(i, j, eps) - Evaluate(i, j, -eps)) / (2 * eps);
                double a = analytic[i][j];
                if (!(Math.Abs(a - numeric) <= atol + rtol * Math.Abs(numeric)))
                    Assert.Fail($"input {i} [{string.Join(",", shapes[i])}], element {j}: autograd {a:R} vs finite difference {numeric:R} (|diff| {Math.Abs(a - numeric):E3})");
                checkedCount++;
            }
        Assert.IsTrue(checkedCount > 0, "nothing was checked");
    }

    /// <summary>Seeded uniform float64 values in [lo, hi) with the given shape.</summary>
    public static Tensor Uniform(int seed, double lo, double hi, params long[] shape)
    {
        var rng = new Random(seed);
        var data = new double[shape.Aggregate(1L, (a, b) => a * b)];
        for (int k = 0; k < data.Length; k++) data[k] = lo + (hi - lo) * rng.NextDouble();
        return tensor(data, shape);
    }
}
