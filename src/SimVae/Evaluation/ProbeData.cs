using SimVae.Featurization;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Evaluation;

/// <summary>
/// Per-column standardisation (z-scores) fitted on training features and applied unchanged to validation and test
/// features, as probes on frozen features are usually fitted (scikit-learn's <c>StandardScaler</c>).
/// Constant columns keep a scale of 1.
/// </summary>
public sealed class Standardizer
{
    private Standardizer(double[] mean, double[] scale)
    {
        Mean = mean;
        Scale = scale;
    }

    /// <summary>Column means of the training features.</summary>
    public IReadOnlyList<double> Mean { get; }

    /// <summary>Column standard deviations (population) of the training features; 1 for constant columns.</summary>
    public IReadOnlyList<double> Scale { get; }

    /// <summary>Fits means and standard deviations on <paramref name="features"/>.</summary>
    public static Standardizer Fit(FeatureMatrix features)
    {
        ArgumentNullException.ThrowIfNull(features);
        int f = features.Columns;
        var mean = new double[f];
        var square = new double[f];
        var v = features.Values;
        for (int i = 0; i < features.Rows; i++)
            for (int j = 0; j < f; j++)
            {
                double x = v[(long)i * f + j];
                mean[j] += x;
                square[j] += x * x;
            }
        var scale = new double[f];
        for (int j = 0; j < f; j++)
        {
            mean[j] /= Math.Max(1, features.Rows);
            double variance = square[j] / Math.Max(1, features.Rows) - mean[j] * mean[j];
            scale[j] = variance > 1e-12 ? Math.Sqrt(variance) : 1;
        }
        return new Standardizer(mean, scale);
    }

    /// <summary>The standardised features as a float32 tensor [N, F] on the CPU.</summary>
    public Tensor Apply(FeatureMatrix features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Columns != Mean.Count) throw new ArgumentException($"fitted on {Mean.Count} columns, got {features.Columns}", nameof(features));
        int f = features.Columns;
        var values = new float[features.Values.LongLength];
        for (long i = 0; i < values.LongLength; i++)
        {
            int j = (int)(i % f);
            values[i] = (float)((features.Values[i] - Mean[j]) / Scale[j]);
        }
        return torch.tensor(values, [features.Rows, f]);
    }
}

/// <summary>Row selection helpers shared by the probes: seeded train/validation splits and row subsets.</summary>
public static class ProbeSplits
{
    /// <summary>
    /// A seeded random split of <paramref name="count"/> rows into a fitting part and a validation part holding
    /// round(<paramref name="validationFraction"/> · count) rows (at least 1 when the fraction is positive).
    /// </summary>
    public static (int[] Fit, int[] Validation) Split(int count, double validationFraction, int seed)
    {
        if (validationFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "must be in [0, 1)");
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        int validation = validationFraction == 0 ? 0 : Math.Clamp((int)Math.Round(validationFraction * count), 1, Math.Max(1, count - 1));
        var fit = order[validation..];
        var val = order[..validation];
        Array.Sort(fit);
        Array.Sort(val);
        return (fit, val);
    }

    /// <summary>Rows <paramref name="rows"/> of a [N, F] tensor, as a new tensor.</summary>
    public static Tensor Rows(Tensor x, int[] rows)
    {
        using var index = torch.tensor(rows.Select(r => (long)r).ToArray(), device: x.device);
        return x.index_select(0, index);
    }

    /// <summary>The entries <paramref name="rows"/> of <paramref name="values"/>.</summary>
    public static int[] Take(ReadOnlySpan<int> values, int[] rows)
    {
        var result = new int[rows.Length];
        for (int i = 0; i < rows.Length; i++) result[i] = values[rows[i]];
        return result;
    }

    /// <summary>Fraction of <paramref name="predicted"/> equal to <paramref name="actual"/>.</summary>
    public static double Accuracy(ReadOnlySpan<int> predicted, ReadOnlySpan<int> actual)
    {
        if (predicted.Length != actual.Length) throw new ArgumentException($"{predicted.Length} predictions but {actual.Length} labels");
        int hits = 0;
        for (int i = 0; i < predicted.Length; i++) if (predicted[i] == actual[i]) hits++;
        return predicted.Length == 0 ? 0 : (double)hits / predicted.Length;
    }
}
