using TorchSharp;
using static TorchSharp.torch;

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
        if (x.dim() != 2) throw new ArgumentException("data must be [N, D]", nameof(x));
        int n = (int)x.size(0), d = (int)x.size(1);
        if (components < 1 || components > n) throw new ArgumentOutOfRangeException(nameof(components), components, $"must be in 1..{n}");
        ArgumentOutOfRangeException.ThrowIfLessThan(initializations, 1);
        using var scope = NewDisposeScope();
        var data = x.to(ScalarType.Float64).contiguous();
        var host = data.cpu().data<double>().ToArray();
        var globalVariance = data.var(0, unbiased: false);
        double regulariser = 1e-6 * Math.Max(1e-12, globalVariance.mean().ToDouble());
        GaussianMixture? best = null;
        var random = new Random(seed);
        for (int start = 0; start < initializations; start++)
        {
            using var inner = NewDisposeScope();
            var means = torch.tensor(KMeansPlusPlus(host, n, d, components, random), [components, d], device: x.device);
            var variances = globalVariance.clamp_min(VarianceFloor).view(1, d).expand(components, d).contiguous();
            var logWeights = torch.full([components], -Math.Log(components), ScalarType.Float64, x.device);
            double previous = double.NegativeInfinity, current = double.NegativeInfinity;
            int iteration = 0;
            for (; iteration < maxIterations; iteration++)
            {
                using var step = NewDisposeScope();
                var joint = LogJoint(data, means, variances, logWeights);         // [N, K]
                var norm = joint.logsumexp(1, keepdim: true);                     // [N, 1]
                current = norm.mean().ToDouble();
                var resp = joint.sub(norm).exp();                                   // [N, K]
                var nk = resp.sum(dim: 0).add(1e-10);                                 // [K]
                var newMeans = resp.t().mm(data).div(nk.view(components, 1));
                var second = resp.t().mm(data.square()).div(nk.view(components, 1));
                var newVariances = second.sub(newMeans.square()).clamp_min(VarianceFloor).add(regulariser);
                var newLogWeights = nk.div(n).log();
                means.copy_(newMeans);
                variances.copy_(newVariances);
                logWeights.copy_(newLogWeights);
                if (current - previous < tolerance) { iteration++; break; }
                previous = current;
            }
            double final;
            using (var joint = LogJoint(data, means, variances, logWeights))
            using (var norm = joint.logsumexp(1))
            using (var mean = norm.mean())
                final = mean.ToDouble();
            if (best is null || final > best.MeanLogLikelihood)
                best = new GaussianMixture(Host(logWeights.exp()), Host(means), Host(variances), d, final, iteration);
        }
        return best!;
    }

    /// <summary>The most responsible component of each row of <paramref name="x"/> [N, D].</summary>
    public int[] Predict(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.dim() != 2 || x.size(1) != Dimensions) throw new ArgumentException($"data must be [N, {Dimensions}]", nameof(x));
        using var scope = NewDisposeScope();
        var device = x.device;
        int k = Components;
        var means = torch.tensor(Means.ToArray(), [k, Dimensions], device: device);
        var variances = torch.tensor(Variances.ToArray(), [k, Dimensions], device: device);
        var logWeights = torch.tensor(Weights.Select(w => Math.Log(Math.Max(w, 1e-300))).ToArray(), [k], device: device);
        return LogJoint(x.to(ScalarType.Float64), means, variances, logWeights).argmax(1).to(ScalarType.Int32).cpu().data<int>().ToArray();
    }

    /// <summary>log π_k + log N(x_n; μ_k, diag σ²_k) for every row and component, [N, K], by matrix multiplies.</summary>
    private static Tensor LogJoint(Tensor x, Tensor means, Tensor variances, Tensor logWeights)
    {
        using var scope = NewDisposeScope();
        int d = (int)x.size(1);
        var precision = variances.reciprocal();                                        // [K, D]
        var quad = x.square().mm(precision.t())                                        // Σ x²/σ²
            .sub(x.mm(means.mul(precision).t()).mul(2))                                // − 2 Σ x μ/σ²
            .add(means.square().mul(precision).sum(1).view(1, -1));                    // + Σ μ²/σ²
        var logDet = variances.log().sum(1).view(1, -1);                               // Σ log σ²
        var result = quad.add(logDet).add(d * Math.Log(2 * Math.PI)).mul(-0.5).add(logWeights.view(1, -1));
        return result.MoveToOuterDisposeScope();
    }

    private static double[] Host(Tensor t)
    {
        using var cpu = t.cpu();
        return cpu.data<double>().ToArray();
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
