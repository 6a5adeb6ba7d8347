// The samples' classifier on features: k nearest neighbours (Euclidean distance on standardised features, as the
// paper's kNN probe), with class scores = the fraction of the k neighbours in each class. Non-linear, no training
// beyond storing the training features; plain C#, deterministic.
using System.Buffers.Binary;

namespace SimVae.Samples;

/// <summary>k-nearest-neighbour classifier over feature vectors.</summary>
public sealed class KnnClassifier
{
    private readonly float[] features;   // standardised training features, N × F row-major
    private readonly int[] labels;
    private readonly float[] mean;
    private readonly float[] scale;

    private KnnClassifier(float[] features, int[] labels, float[] mean, float[] scale, int dimension, int classes, int k)
    {
        this.features = features;
        this.labels = labels;
        this.mean = mean;
        this.scale = scale;
        Dimension = dimension;
        Classes = classes;
        K = k;
    }

    /// <summary>Feature dimension.</summary>
    public int Dimension { get; }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>Neighbours consulted per prediction.</summary>
    public int K { get; }

    /// <summary>"Fits" the classifier: standardises and keeps the training features (N × F row-major) and labels.</summary>
    public static KnnClassifier Fit(float[] x, int rows, int dimension, int[] labels, int classes, int k = 20)
    {
        var mean = new float[dimension];
        var scale = new float[dimension];
        for (int j = 0; j < dimension; j++)
        {
            double sum = 0, square = 0;
            for (int i = 0; i < rows; i++) { double v = x[i * dimension + j]; sum += v; square += v * v; }
            double m = sum / rows, variance = square / rows - m * m;
            mean[j] = (float)m;
            scale[j] = variance > 1e-12 ? (float)Math.Sqrt(variance) : 1f;
        }
        var z = new float[rows * dimension];
        for (int i = 0; i < z.Length; i++) z[i] = (x[i] - mean[i % dimension]) / scale[i % dimension];
        return new KnnClassifier(z, labels.ToArray(), mean, scale, dimension, classes, Math.Min(k, rows));
    }

    /// <summary>Class scores (fraction of the k nearest training rows in each class) of one feature vector.</summary>
    public float[] Predict(ReadOnlySpan<float> x)
    {
        if (x.Length != Dimension) throw new ArgumentException($"expected {Dimension} features, got {x.Length}");
        Span<float> z = stackalloc float[Dimension];
        for (int j = 0; j < Dimension; j++) z[j] = (x[j] - mean[j]) / scale[j];
        // Keep the k smallest distances (insertion into a sorted buffer; k is small).
        var best = new (float Distance, int Label)[K];
        int filled = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            var row = features.AsSpan(i * Dimension, Dimension);
            float d = 0;
            for (int j = 0; j < Dimension; j++) { float t = row[j] - z[j]; d += t * t; }
            if (filled == K && d >= best[K - 1].Distance) continue;
            int at = filled < K ? filled++ : K - 1;
            while (at > 0 && best[at - 1].Distance > d) { best[at] = best[at - 1]; at--; }
            best[at] = (d, labels[i]);
        }
        var scores = new float[Classes];
        for (int n = 0; n < filled; n++) scores[best[n].Label] += 1f / filled;
        return scores;
    }

    /// <summary>Writes the classifier: int32 N, F, classes, k; F means; F scales; N labels; N·F features (little-endian).</summary>
    public void Save(Stream stream)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(labels.Length);
        writer.Write(Dimension);
        writer.Write(Classes);
        writer.Write(K);
        foreach (var v in mean) writer.Write(v);
        foreach (var v in scale) writer.Write(v);
        foreach (var v in labels) writer.Write(v);
        foreach (var v in features) writer.Write(v);
    }

    /// <summary>Reads a classifier written by <see cref="Save"/>, checking sizes.</summary>
    public static KnnClassifier Load(Stream stream)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        int n = reader.ReadInt32(), f = reader.ReadInt32(), classes = reader.ReadInt32(), k = reader.ReadInt32();
        if (n < 1 || f < 1 || classes < 1 || k < 1 || k > n || (long)n * f > 100_000_000) throw new InvalidDataException("invalid kNN classifier header");
        float[] Floats(int count) { var a = new float[count]; for (int i = 0; i < count; i++) a[i] = reader.ReadSingle(); return a; }
        var mean = Floats(f);
        var scale = Floats(f);
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = reader.ReadInt32();
            if ((uint)labels[i] >= (uint)classes) throw new InvalidDataException($"label {labels[i]} out of range");
        }
        return new KnnClassifier(Floats(n * f), labels, mean, scale, f, classes, k);
    }
}
