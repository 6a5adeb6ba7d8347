namespace SimVae.Torch.Tests.TestSupport;

/// <summary>
/// Finite-difference gradient checker. Works in float64: the inputs are copied to float64 leaves, the function's
/// output <c>y</c> is reduced to <c>L = sum(y * w)</c> with fixed random weights <c>w</c> (so every output element
/// and every mixing of them is checked), autograd gives dL/dx, and central differences
/// <c>(L(x + eps e_j) - L(x - eps e_j)) / (2 eps)</c> give the numeric gradient for every input element j.
/// </summary>
internal static class GradCheck
{
    /// <summary>
    /// Asserts that autograd's gradient of <paramref name="f"/> matches central differences for every element of every
    /// input: <c>|analytic - numeric| &lt;= atol + rtol * |numeric|</c>.
    /// </summary>
    /// <param name="f">The function under test; it receives float64 tensors shaped like <paramref name="inputs"/>.
    /// It must create its results inside the current dispose scope (the checker opens one per evaluation).</param>
    /// <param name="inputs">Input values (any floating dtype; converted to float64). Not modified.</param>
    /// <param name="eps">Finite-difference step.</param>
    /// <param name="rtol">Relative tolerance.</param>
    /// <param name="atol">Absolute tolerance (for gradients near zero).</param>
    /// <param name="seed">Seed of the random output weights.</param>
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-6, double rtol = 1e-6, double atol = 1e-7, ulong seed = 1234)
    {
        using var scope = DisposeScope.Open();
        var values = inputs.Select(x => { using var d = x.To(ScalarType.Float64); return d.Contiguous().ToArray<double>(); }).ToArray();
        var shapes = inputs.Select(x => x.Shape).ToArray();

        // Analytic gradient of L = sum(f(x) * w).
        var leaves = values.Select((v, i) => Tensor.FromArray(v, shapes[i]).RequiresGrad_()).ToArray();
        var y = f(leaves);
        Assert.AreEqual(ScalarType.Float64, y.DType, "gradient checks run in float64: the function must keep the dtype");
        Assert.IsTrue(y.RequiresGrad, "the output does not depend on any input through autograd");
        TorchRuntime.ManualSeed(seed);
        var w = Tensor.Randn(y.Shape, ScalarType.Float64);
        var loss = (y * w).Sum();
        loss.Backward();
        var analytic = leaves.Select(l =>
        {
            var g = l.Grad;
            return g is null ? new double[l.NumberOfElements] : g.Contiguous().ToArray<double>();
        }).ToArray();

        double Evaluate(int input, int element, double delta)
        {
            using var inner = DisposeScope.Open();
            using var _ = Autograd.NoGrad();
            var xs = new Tensor[values.Length];
            for (int i = 0; i < xs.Length; i++)
            {
                var v = (double[])values[i].Clone();
                if (i == input) v[element] += delta;
                xs[i] = Tensor.FromArray(v, shapes[i]);
            }
            using var yp = f(xs);
            using var l = (yp * w).Sum();
            return l.Item<double>();
        }

        int checkedCount = 0;
        for (int i = 0; i < values.Length; i++)
        {
            for (int j = 0; j < values[i].Length; j++)
            {
                double numeric = (Evaluate(i, j, eps) - Evaluate(i, j, -eps)) / (2 * eps);
                double a = analytic[i][j];
                if (!(Math.Abs(a - numeric) <= atol + rtol * Math.Abs(numeric)))
                    Assert.Fail($"input {i} [{string.Join(",", shapes[i])}], element {j}: autograd {a:R} vs finite difference {numeric:R} (|diff| {Math.Abs(a - numeric):E3})");
                checkedCount++;
            }
        }
        Assert.IsTrue(checkedCount > 0, "nothing was checked");
    }

    /// <summary>Seeded uniform float64 values in [lo, hi) with the given shape (a fresh tensor the caller owns).</summary>
    public static Tensor Uniform(ulong seed, double lo, double hi, params long[] shape)
    {
        var rng = new Random((int)seed);
        long n = 1;
        foreach (var s in shape) n *= s;
        var data = new double[n];
        for (int k = 0; k < n; k++) data[k] = lo + (hi - lo) * rng.NextDouble();
        return Tensor.FromArray(data, shape);
    }
}
