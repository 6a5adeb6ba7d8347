using SimVae.Torch;

namespace SimVae.Evaluation;

/// <summary>
/// A Gaussian mixture with diagonal covariances fitted by expectation–maximisation (Dempster, Laird, Rubin 1977) on
/// float64 tensors, best of several initialisations by final log-likelihood. Each initialisation takes means from
/// k-means++ seeding (Arthur and Vassilvitskii 2007) on the data, the global variance per dimension, equal weights.
/// </summary>
public sealed class GaussianMixture
{
    private const double VarianceFloor = 1e-6;

    private GaussianMixture(double[] weights, double[] means, double[] variances, int dimensions, double logLikelihood, int iterations)
    {
        Weights = weights;
        Means = means;
        Variances = variances;
        Dimensions = dimensions;
        MeanLogLikelihood = logLikelihood;
        Iterations = iterations;
    }

    /// <summary>Mixing weights, one per component.</summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary>Component means [K, D], row-major.</summary>
    public IReadOnlyList<double> Means { get; }

    /// <summary>Per-dimension variances [K, D], row-major (at least 1e-6 plus a regulariser).</summary>
    public IReadOnlyList<double> Variances { get; }

    /// <summary>D.</summary>
    public int Dimensions { get; }

    /// <summary>Components K.</summary>
    public int Components => Weights.Count;

    /// <summary>Mean log-likelihood per row of the training data under the fitted mixture.</summary>
    public double MeanLogLikelihood { get; }

    /// <summary>EM iterations of the kept initialisation.</summary>
    public int Iterations { get; }

    /// <summary>Fits the mixture.</summary>
    /// <param name="x">Data [N, D] (standardised features work best).</param>
    /// <param name="components">K.</param>
    /// <param name="initializations">Independent starts; the one with the highest log-likelihood is kept.</param>
    /// <param name="maxIterations">EM iteration limit per start.</param>
    /// <param name="tolerance">Stop when the mean log-likelihood improves by less than this.</param>
    /// <param name="seed">Seed of the k-means++ seeding.</param>
    public static GaussianMixture Fit(Tensor x, int components, int initializations = 5, int maxIterations = 100, double tolerance = 1e-4, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Dim != 2) throw new ArgumentException("data must be [N, D]", nameof(x));
        int n = (int)x.Size(0), d = (int)x.Size(1);
        if (components < 1 || components > n) throw new ArgumentOutOfRangeException(nameof(components), components, $"must be in 1..{n}");
        ArgumentOutOfRangeException.ThrowIfLessThan(initializations, 1);
        using var scope = DisposeScope.Open();
        var data = x.To(ScalarType.Float64).Contiguous();
        var host = data.To(Device.Cpu).ToArray<double>();
        var globalVariance = data.Var([0], unbiased: false);
        double regulariser = 1e-6 * Math.Max(1e-12, globalVariance.Mean().ToDouble());
        GaussianMixture? best = null;
        var random = new Random(seed);
        for (int start = 0; start < initializations; start++)
        {
            using var inner = DisposeScope.Open();
            var means = Tensor.FromSpan<double>(KMeansPlusPlus(host, n, d, components, random), [components, d], x.Device);
            var variances = globalVariance.Clamp(min: VarianceFloor).View(1, d).Expand(components, d).Contiguous();
            var logWeights = Tensor.Full([components], -Math.Log(components), ScalarType.Float64, x.Device);
            double previous = double.NegativeInfinity, current = double.NegativeInfinity;
            int iteration = 0;
            for (; iteration < maxIterations; iteration++)
            {
                using var step = DisposeScope.Open();
                var joint = LogJoint(data, means, variances, logWeights);         // [N, K]
                var norm = joint.LogSumExp([1], keepDim: true);                   // [N, 1]
                current = norm.Mean().ToDouble();
                var resp = joint.Sub(norm).Exp();                                   // [N, K]
                var nk = resp.Sum(0).Add(1e-10);                                    // [K]
                var newMeans = resp.T().Mm(data).Div(nk.View(components, 1));
                var second = resp.T().Mm(data.Square()).Div(nk.View(components, 1));
                var newVariances = second.Sub(newMeans.Square()).Clamp(min: VarianceFloor).Add(regulariser);
                var newLogWeights = nk.Div(n).Log();
                means.Copy_(newMeans);
                variances.Copy_(newVariances);
                logWeights.Copy_(newLogWeights);
                if (current - previous < tolerance) { iteration++; break; }
                previous = current;
            }
            double final;
            using (var joint = LogJoint(data, means, variances, logWeights))
            using (var norm = joint.LogSumExp([1]))
            using (var mean = norm.Mean())
                final = mean.ToDouble();
            if (best is null || final > best.MeanLogLikelihood)
                best = new GaussianMixture(logWeights.Exp().To(Device.Cpu).ToArray<double>(), means.To(Device.Cpu).ToArray<double>(),
                    variances.To(Device.Cpu).ToArray<double>(), d, final, iteration);
        }
        return best!;
    }

    /// <summary>The most responsible component of each row of <paramref name="x"/> [N, D].</summary>
    public int[] Predict(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Dim != 2 || x.Size(1) != Dimensions) throw new ArgumentException($"data must be [N, {Dimensions}]", nameof(x));
        using var scope = DisposeScope.Open();
        var device = x.Device;
        int k = Components;
        var means = Tensor.FromSpan<double>(Means.ToArray(), [k, Dimensions], device);
        var variances = Tensor.FromSpan<double>(Variances.ToArray(), [k, Dimensions], device);
        var logWeights = Tensor.FromSpan<double>(Weights.Select(w => Math.Log(Math.Max(w, 1e-300))).ToArray(), [k], device);
        return LogJoint(x.To(ScalarType.Float64), means, variances, logWeights).Argmax(1).To(ScalarType.Int32).To(Device.Cpu).ToArray<int>();
    }

    /// <summary>log π_k + log N(x_n; μ_k, diag σ²_k) for every row and component, [N, K], by matrix multiplies.</summary>
    private static Tensor LogJoint(Tensor x, Tensor means, Tensor variances, Tensor logWeights)
    {
        using var scope = DisposeScope.Open();
        int d = (int)x.Size(1);
        var precision = variances.Reciprocal();                                       // [K, D]
        var quad = x.Square().Mm(precision.T())                                        // Σ x²/σ²
            .Sub(x.Mm(means.Mul(precision).T()), alpha: 2)                             // − 2 Σ x μ/σ²
            .Add(means.Square().Mul(precision).Sum(1).View(1, -1));                    // + Σ μ²/σ²
        var logDet = variances.Log().Sum(1).View(1, -1);                               // Σ log σ²
        var result = quad.Add(logDet).Add(d * Math.Log(2 * Math.PI)).Mul(-0.5).Add(logWeights.View(1, -1));
        return result.MoveToOuterScope();
    }

    private static double[] KMeansPlusPlus(double[] x, int n, int d, int k, Random random)
    {
        var centres = new double[k * d];
        var distance = new double[n];
        Array.Fill(distance, double.PositiveInfinity);
        int chosen = random.Next(n);
        for (int c = 0; c < k; c++)
        {
            Array.Copy(x, (long)chosen * d, centres, (long)c * d, d);
            double total = 0;
            for (int i = 0; i < n; i++)
            {
                double s = 0;
                for (int j = 0; j < d; j++)
                {
                    double diff = x[(long)i * d + j] - centres[c * d + j];
                    s += diff * diff;
                }
                if (s < distance[i]) distance[i] = s;
                total += distance[i];
            }
            if (c + 1 == k) break;
            if (total <= 0) { chosen = random.Next(n); continue; }
            double target = random.NextDouble() * total, cumulative = 0;
            chosen = n - 1;
            for (int i = 0; i < n; i++)
            {
                cumulative += distance[i];
                if (cumulative >= target) { chosen = i; break; }
            }
        }
        return centres;
    }
}
