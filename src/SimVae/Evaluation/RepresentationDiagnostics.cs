using SimVae.Featurization;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Evaluation;

/// <summary>
/// Label-free diagnostics of a representation (after Shwartz-Ziv et al. 2022, "What do we maximize in
/// self-supervised learning?"): the Gaussian entropy proxy log det Cov(Z), the effective rank, per-dimension
/// standard deviations with a collapse warning, and view invariance.
/// </summary>
/// <param name="Dimensions">Feature dimension d.</param>
/// <param name="LogDetCovariance">log det of the feature covariance (sum of the logs of its eigenvalues, each floored at 1e-12).</param>
/// <param name="EffectiveRank">exp of the entropy of the normalised covariance eigenvalues p_i = λ_i / Σλ (Roy and Vetterli 2007): 1 for collapse to a line, d for isotropic features.</param>
/// <param name="Eigenvalues">Covariance eigenvalues, descending.</param>
/// <param name="StdPerDimension">Standard deviation of each feature dimension.</param>
/// <param name="CollapsedDimensions">Dimensions whose std is below 1% of the largest (or below 1e-6).</param>
/// <param name="CollapseWarning">True when some dimensions collapsed or the effective rank is below d / 4 (at least 1.5).</param>
/// <param name="ViewInvariance">Mean distance between the features of two augmented views of one image divided by the mean distance between features of different images (0 = invariant, about 1 = views as far apart as different images); null when not measured.</param>
public sealed record RepresentationDiagnostics(int Dimensions, double LogDetCovariance, double EffectiveRank, IReadOnlyList<double> Eigenvalues,
    IReadOnlyList<double> StdPerDimension, int CollapsedDimensions, bool CollapseWarning, double? ViewInvariance)
{
    /// <summary>Computes the covariance diagnostics of <paramref name="features"/> (and view invariance when views are given).</summary>
    /// <param name="features">Features of N images (N ≥ 2).</param>
    /// <param name="view1">Features of a first augmented view of M images, or null.</param>
    /// <param name="view2">Features of a second augmented view of the same M images (same order), or null.</param>
    /// <param name="seed">Seed of the image pairing for the view-invariance denominator.</param>
    public static RepresentationDiagnostics Compute(FeatureMatrix features, FeatureMatrix? view1 = null, FeatureMatrix? view2 = null, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Rows < 2) throw new ArgumentException("need at least two rows", nameof(features));
        int d = features.Columns;
        var eigenvalues = CovarianceEigenvalues(features);
        double logDet = eigenvalues.Sum(l => Math.Log(Math.Max(l, 1e-12)));
        double total = eigenvalues.Where(l => l > 0).Sum();
        double entropy = 0;
        if (total > 0)
            foreach (var l in eigenvalues)
                if (l > 0) { double p = l / total; entropy -= p * Math.Log(p); }
        double effectiveRank = total > 0 ? Math.Exp(entropy) : 0;
        var std = StandardDeviations(features);
        double maxStd = std.Max();
        int collapsed = std.Count(s => s < Math.Max(1e-6, 0.01 * maxStd));
        bool warning = collapsed > 0 || effectiveRank < Math.Max(1.5, d / 4.0);
        double? invariance = view1 is not null && view2 is not null ? MeasureViewInvariance(view1, view2, seed) : null;
        return new RepresentationDiagnostics(d, logDet, effectiveRank, eigenvalues, std, collapsed, warning, invariance);
    }

    /// <summary>
    /// Mean ‖f(v1_i) − f(v2_i)‖ over images i, divided by the mean ‖f(v1_i) − f(v1_j)‖ over pairs of different images
    /// (j = the image a seeded random cyclic shift away).
    /// </summary>
    public static double MeasureViewInvariance(FeatureMatrix view1, FeatureMatrix view2, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(view1);
        ArgumentNullException.ThrowIfNull(view2);
        if (view1.Rows != view2.Rows || view1.Columns != view2.Columns) throw new ArgumentException("the two views' features differ in shape");
        int m = view1.Rows;
        if (m < 2) throw new ArgumentException("need at least two images", nameof(view1));
        int shift = 1 + new Random(seed).Next(m - 1);
        double same = 0, different = 0;
        for (int i = 0; i < m; i++)
        {
            same += Distance(view1.Row(i), view2.Row(i));
            different += Distance(view1.Row(i), view1.Row((i + shift) % m));
        }
        return different <= 0 ? double.NaN : same / different;
    }

    /// <summary>Eigenvalues (descending) of the covariance (divisor N − 1) of the features, via torch.linalg.eigvalsh in float64.</summary>
    public static double[] CovarianceEigenvalues(FeatureMatrix features)
    {
        ArgumentNullException.ThrowIfNull(features);
        using var scope = NewDisposeScope();
        var x = torch.tensor(features.Values, [features.Rows, features.Columns], ScalarType.Float64);
        var centred = x.sub(x.mean([0], keepdim: true));
        var covariance = centred.t().mm(centred).div(features.Rows - 1);
        var values = linalg.eigvalsh(covariance).data<double>().ToArray();
        Array.Reverse(values);
        return values;
    }

    private static double[] StandardDeviations(FeatureMatrix features)
    {
        int d = features.Columns, n = features.Rows;
        var mean = new double[d];
        var square = new double[d];
        for (int i = 0; i < n; i++)
        {
            var row = features.Row(i);
            for (int j = 0; j < d; j++) { mean[j] += row[j]; square[j] += (double)row[j] * row[j]; }
        }
        var std = new double[d];
        for (int j = 0; j < d; j++)
        {
            mean[j] /= n;
            std[j] = Math.Sqrt(Math.Max(0, (square[j] - n * mean[j] * mean[j]) / (n - 1)));
        }
        return std;
    }

    private static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) { double diff = a[i] - b[i]; s += diff * diff; }
        return Math.Sqrt(s);
    }
}
