// A tiny multinomial logistic regression on standardised features, for the Model-Builder-style samples: the
// "trainer" stage after the SimVae featurizer. Full-batch gradient descent with L2; plain C#, deterministic.
using System.Text.Json;

namespace SimVae.Samples;

/// <summary>Softmax regression: p(class | x) = softmax(W·((x − mean) / scale) + b).</summary>
public sealed class SoftmaxRegression
{
    /// <summary>Column means of the training features.</summary>
    public float[] Mean { get; init; } = [];
    /// <summary>Column standard deviations of the training features (1 for constant columns).</summary>
    public float[] Scale { get; init; } = [];
    /// <summary>Weights, [classes × features] row-major.</summary>
    public float[] Weights { get; init; } = [];
    /// <summary>Biases, one per class.</summary>
    public float[] Bias { get; init; } = [];
    /// <summary>Number of classes.</summary>
    public int Classes { get; init; }
    /// <summary>Feature dimension.</summary>
    public int Features { get; init; }

    /// <summary>Fits the model on <paramref name="x"/> (N × F, row-major) with labels in [0, classes).</summary>
    public static SoftmaxRegression Fit(float[] x, int rows, int features, int[] labels, int classes, int iterations = 300, double learningRate = 0.5, double l2 = 1e-4)
    {
        var mean = new float[features];
        var scale = new float[features];
        for (int j = 0; j < features; j++)
        {
            double sum = 0, square = 0;
            for (int i = 0; i < rows; i++) { double v = x[i * features + j]; sum += v; square += v * v; }
            double m = sum / rows, variance = square / rows - m * m;
            mean[j] = (float)m;
            scale[j] = variance > 1e-12 ? (float)Math.Sqrt(variance) : 1f;
        }
        var z = new double[rows * features];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < features; j++) z[i * features + j] = (x[i * features + j] - mean[j]) / scale[j];

        var w = new double[classes * features];
        var b = new double[classes];
        var gw = new double[w.Length];
        var gb = new double[classes];
        var p = new double[classes];
        for (int step = 0; step < iterations; step++)
        {
            Array.Clear(gw);
            Array.Clear(gb);
            for (int i = 0; i < rows; i++)
            {
                var row = z.AsSpan(i * features, features);
                Probabilities(w, b, row, p);
                p[labels[i]] -= 1;                                   // ∂loss/∂logits = p − onehot
                for (int c = 0; c < classes; c++)
                {
                    gb[c] += p[c];
                    for (int j = 0; j < features; j++) gw[c * features + j] += p[c] * row[j];
                }
            }
            for (int k = 0; k < w.Length; k++) w[k] -= learningRate * (gw[k] / rows + l2 * w[k]);
            for (int c = 0; c < classes; c++) b[c] -= learningRate * gb[c] / rows;
        }
        return new SoftmaxRegression
        {
            Mean = mean, Scale = scale, Classes = classes, Features = features,
            Weights = w.Select(v => (float)v).ToArray(), Bias = b.Select(v => (float)v).ToArray(),
        };
    }

    /// <summary>Class probabilities of one feature vector.</summary>
    public float[] Predict(ReadOnlySpan<float> features)
    {
        if (features.Length != Features) throw new ArgumentException($"expected {Features} features, got {features.Length}");
        var z = new double[Features];
        for (int j = 0; j < Features; j++) z[j] = (features[j] - Mean[j]) / Scale[j];
        var p = new double[Classes];
        Probabilities(Weights.Select(v => (double)v).ToArray(), Bias.Select(v => (double)v).ToArray(), z, p);
        return p.Select(v => (float)v).ToArray();
    }

    /// <summary>Serialises the model to JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>Reads a model written by <see cref="ToJson"/>.</summary>
    public static SoftmaxRegression FromJson(string json) =>
        JsonSerializer.Deserialize<SoftmaxRegression>(json) ?? throw new InvalidDataException("empty classifier");

    private static void Probabilities(double[] w, double[] b, ReadOnlySpan<double> row, double[] p)
    {
        int classes = b.Length, features = row.Length;
        double max = double.NegativeInfinity;
        for (int c = 0; c < classes; c++)
        {
            double logit = b[c];
            for (int j = 0; j < features; j++) logit += w[c * features + j] * row[j];
            p[c] = logit;
            max = Math.Max(max, logit);
        }
        double total = 0;
        for (int c = 0; c < classes; c++) total += p[c] = Math.Exp(p[c] - max);
        for (int c = 0; c < classes; c++) p[c] /= total;
    }
}
