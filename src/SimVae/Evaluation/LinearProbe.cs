using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Evaluation;

/// <summary>
/// Multinomial logistic regression with an L2 penalty on the weights (not the bias), fitted full-batch by L-BFGS
/// (Nocedal 1980; two-loop recursion, Armijo backtracking) on float64 tensors. The objective is the mean
/// cross-entropy plus λ/2·‖W‖², i.e. scikit-learn's <c>LogisticRegression(C)</c> with λ = 1 / (C·N).
/// Features are expected standardised (<see cref="Standardizer"/>).
/// </summary>
public sealed class LinearProbe
{
    private readonly double[] weights; // [(F + 1) · K], row-major [F + 1, K], last row = bias

    private LinearProbe(double[] weights, int features, int classes, double l2, int iterations, double loss)
    {
        this.weights = weights;
        Features = features;
        Classes = classes;
        L2 = l2;
        Iterations = iterations;
        Loss = loss;
    }

    /// <summary>Input columns F.</summary>
    public int Features { get; }

    /// <summary>Classes K.</summary>
    public int Classes { get; }

    /// <summary>λ of the L2 penalty.</summary>
    public double L2 { get; }

    /// <summary>L-BFGS iterations run.</summary>
    public int Iterations { get; }

    /// <summary>Final value of the objective (mean cross-entropy + penalty).</summary>
    public double Loss { get; }

    /// <summary>The fitted weights [F + 1, K] (last row: bias), row-major, copied.</summary>
    public double[] Weights => (double[])weights.Clone();

    /// <summary>Fits the probe.</summary>
    /// <param name="x">Features [N, F] (float32 or float64, CPU or device).</param>
    /// <param name="labels">N labels in [0, <paramref name="classes"/>).</param>
    /// <param name="classes">K.</param>
    /// <param name="l2">λ ≥ 0.</param>
    /// <param name="maxIterations">L-BFGS iteration limit.</param>
    /// <param name="tolerance">Stop when the largest gradient entry falls below this.</param>
    /// <param name="warmStart">A probe of the same shape to start from (e.g. the previous λ on a path), or null for zeros.</param>
    public static LinearProbe Fit(Tensor x, ReadOnlySpan<int> labels, int classes, double l2, int maxIterations = 100,
        double tolerance = 1e-4, LinearProbe? warmStart = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.dim() != 2) throw new ArgumentException("features must be [N, F]", nameof(x));
        int n = (int)x.size(0), f = (int)x.size(1);
        if (labels.Length != n) throw new ArgumentException($"{n} rows but {labels.Length} labels", nameof(labels));
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, "need at least 2 classes");
        if (l2 < 0) throw new ArgumentOutOfRangeException(nameof(l2), l2, "must not be negative");
        if (warmStart is not null && (warmStart.Features != f || warmStart.Classes != classes))
            throw new ArgumentException("the warm start has a different shape", nameof(warmStart));

        using var scope = NewDisposeScope();
        var device = x.device;
        var xb = torch.cat([x.to(ScalarType.Float64), torch.ones([n, 1], ScalarType.Float64, device)], 1); // [N, F+1]
        var xt = xb.t().contiguous();
        var y = nn.functional.one_hot(torch.tensor(labels.ToArray().Select(l => (long)l).ToArray(), device: device), classes).to(ScalarType.Float64);
        var mask = new double[(f + 1) * classes];
        for (int i = 0; i < f * classes; i++) mask[i] = 1; // no penalty on the bias row
        int dims = (f + 1) * classes;

        double Evaluate(double[] w, double[] gradient)
        {
            using var step = NewDisposeScope();
            var wt = torch.tensor(w, [f + 1, classes], device: device);
            var logits = xb.mm(wt);
            var logp = logits.log_softmax(1);
            double nll = -logp.mul(y).sum().ToDouble() / n;
            var g = xt.mm(logp.exp().sub(y)).div(n);
            g.cpu().data<double>().CopyTo(gradient);
            double penalty = 0;
            for (int i = 0; i < dims; i++)
            {
                if (mask[i] == 0) continue;
                penalty += w[i] * w[i];
                gradient[i] += l2 * w[i];
            }
            return nll + 0.5 * l2 * penalty;
        }

        var start = warmStart?.weights.ToArray() ?? new double[dims];
        var (solution, loss, iterations) = Lbfgs.Minimize(Evaluate, start, maxIterations, tolerance);
        return new LinearProbe(solution, f, classes, l2, iterations, loss);
    }

    /// <summary>Class scores (logits) [N, K] as float64, on the device of <paramref name="x"/>.</summary>
    public Tensor Logits(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.dim() != 2 || x.size(1) != Features) throw new ArgumentException($"features must be [N, {Features}]", nameof(x));
        using var scope = NewDisposeScope();
        var w = torch.tensor(weights, [Features + 1, Classes], device: x.device);
        var logits = x.to(ScalarType.Float64).mm(w.narrow(0, 0, Features)).add(w.narrow(0, Features, 1));
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>The most probable class of each row.</summary>
    public int[] Predict(Tensor x)
    {
        using var scope = NewDisposeScope();
        return Logits(x).argmax(1).to(ScalarType.Int32).cpu().data<int>().ToArray();
    }

    /// <summary>
    /// Chooses λ on a validation split: fits the probe on <paramref name="fitX"/> for each λ of
    /// <paramref name="l2Grid"/> (largest first, each warm-started from the previous), keeps the λ with the best
    /// validation accuracy (ties: the larger λ), then refits on fit ∪ validation rows with that λ.
    /// </summary>
    /// <returns>The refitted probe and the validation accuracy of each λ.</returns>
    public static (LinearProbe Probe, IReadOnlyDictionary<double, double> ValidationAccuracy) FitWithValidation(
        Tensor fitX, int[] fitLabels, Tensor validationX, int[] validationLabels, int classes, IReadOnlyList<double> l2Grid,
        int maxIterations = 100, double tolerance = 1e-4)
    {
        if (l2Grid.Count == 0) throw new ArgumentException("the λ grid is empty", nameof(l2Grid));
        var scores = new Dictionary<double, double>();
        LinearProbe? previous = null, best = null;
        double bestAccuracy = -1;
        foreach (var l2 in l2Grid.OrderDescending())
        {
            var probe = Fit(fitX, fitLabels, classes, l2, maxIterations, tolerance, previous);
            double accuracy = ProbeSplits.Accuracy(probe.Predict(validationX), validationLabels);
            scores[l2] = accuracy;
            if (accuracy > bestAccuracy) { bestAccuracy = accuracy; best = probe; }
            previous = probe;
        }
        using var allX = torch.cat([fitX, validationX]);
        var refit = Fit(allX, [.. fitLabels, .. validationLabels], classes, best!.L2, maxIterations, tolerance, best);
        return (refit, scores);
    }
}

/// <summary>Limited-memory BFGS on a host vector, with Armijo backtracking (for smooth convex objectives).</summary>
public static class Lbfgs
{
    /// <summary>Minimises <paramref name="objective"/>, which returns f(w) and writes ∇f(w) into its second argument.</summary>
    /// <returns>The minimiser, its objective value and the iterations run.</returns>
    public static (double[] Solution, double Value, int Iterations) Minimize(Func<double[], double[], double> objective,
        double[] start, int maxIterations = 100, double tolerance = 1e-4, int history = 10)
    {
        ArgumentNullException.ThrowIfNull(objective);
        int dims = start.Length;
        var w = (double[])start.Clone();
        var g = new double[dims];
        double value = objective(w, g);
        var s = new List<double[]>();
        var y = new List<double[]>();
        var rho = new List<double>();
        var direction = new double[dims];
        var alpha = new double[history];
        var wNew = new double[dims];
        var gNew = new double[dims];
        int iteration = 0;
        for (; iteration < maxIterations; iteration++)
        {
            if (MaxAbs(g) < tolerance) break;
            // Two-loop recursion: direction = −H·g.
            Array.Copy(g, direction, dims);
            for (int i = s.Count - 1; i >= 0; i--)
            {
                alpha[i] = rho[i] * Dot(s[i], direction);
                Axpy(-alpha[i], y[i], direction);
            }
            double gamma = s.Count > 0 ? Dot(s[^1], y[^1]) / Dot(y[^1], y[^1]) : 1 / Math.Max(1, Math.Sqrt(Dot(g, g)));
            for (int i = 0; i < dims; i++) direction[i] *= gamma;
            for (int i = 0; i < s.Count; i++)
            {
                double beta = rho[i] * Dot(y[i], direction);
                Axpy(alpha[i] - beta, s[i], direction);
            }
            for (int i = 0; i < dims; i++) direction[i] = -direction[i];
            double slope = Dot(g, direction);
            if (slope >= 0)
            {
                // Not a descent direction (numerical trouble): restart from steepest descent.
                s.Clear(); y.Clear(); rho.Clear();
                for (int i = 0; i < dims; i++) direction[i] = -g[i] / Math.Max(1, Math.Sqrt(Dot(g, g)));
                slope = Dot(g, direction);
            }
            double step = 1, newValue = double.NaN;
            bool accepted = false;
            for (int tries = 0; tries < 30; tries++)
            {
                for (int i = 0; i < dims; i++) wNew[i] = w[i] + step * direction[i];
                newValue = objective(wNew, gNew);
                if (double.IsFinite(newValue) && newValue <= value + 1e-4 * step * slope) { accepted = true; break; }
                step *= 0.5;
            }
            if (!accepted) break;
            var sk = new double[dims];
            var yk = new double[dims];
            for (int i = 0; i < dims; i++) { sk[i] = wNew[i] - w[i]; yk[i] = gNew[i] - g[i]; }
            double sy = Dot(sk, yk);
            if (sy > 1e-12)
            {
                if (s.Count == history) { s.RemoveAt(0); y.RemoveAt(0); rho.RemoveAt(0); }
                s.Add(sk); y.Add(yk); rho.Add(1 / sy);
            }
            double change = value - newValue;
            Array.Copy(wNew, w, dims);
            Array.Copy(gNew, g, dims);
            value = newValue;
            if (change <= 1e-12 * Math.Max(1, Math.Abs(value))) { iteration++; break; }
        }
        return (w, value, iteration);
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static void Axpy(double a, double[] x, double[] y)
    {
        for (int i = 0; i < x.Length; i++) y[i] += a * x[i];
    }

    private static double MaxAbs(double[] a)
    {
        double m = 0;
        foreach (var v in a) m = Math.Max(m, Math.Abs(v));
        return m;
    }
}
