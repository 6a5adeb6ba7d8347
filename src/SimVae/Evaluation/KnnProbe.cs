using SimVae.Torch;

namespace SimVae.Evaluation;

/// <summary>
/// k-nearest-neighbour classification of frozen features (Euclidean distance, majority vote, ties to the nearest
/// class by summed rank order), the paper's kNN probe. Distances are computed in chunks of test rows, on the
/// device of the given tensors.
/// </summary>
public static class KnnProbe
{
    /// <summary>Predicts a label for each test row from its <paramref name="k"/> nearest training rows.</summary>
    /// <param name="train">Training features [N, F] (float32).</param>
    /// <param name="trainLabels">Training labels, N values in [0, classes).</param>
    /// <param name="test">Test features [M, F].</param>
    /// <param name="k">Neighbours (≥ 1).</param>
    /// <param name="classes">Number of classes.</param>
    public static int[] Predict(Tensor train, int[] trainLabels, Tensor test, int k, int classes)
    {
        if (k < 1 || k > trainLabels.Length) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in 1..{trainLabels.Length}");
        if (train.Size(0) != trainLabels.Length) throw new ArgumentException($"{train.Size(0)} training rows but {trainLabels.Length} labels", nameof(trainLabels));
        using var labels = Tensor.FromArray(trainLabels.Select(l => (long)l).ToArray(), device: train.Device);
        long m = test.Size(0);
        var predictions = new int[m];
        const long chunk = 1024;
        for (long start = 0; start < m; start += chunk)
        {
            using var scope = DisposeScope.Open();
            var rows = test.Narrow(0, start, Math.Min(chunk, m - start));
            var (_, nearest) = Functional.Cdist(rows, train).TopK(k, dim: 1, largest: false);
            var neighbourLabels = labels.Index(nearest);                   // [rows, k]
            // Votes weighted 1 + tiny rank bonus so ties go to the class of the nearer neighbours.
            var rankBonus = Tensor.Arange(k, 0, -1, ScalarType.Float32, train.Device).Mul(1e-3 / k);
            var votes = neighbourLabels.OneHot(classes).To(ScalarType.Float32).Mul(rankBonus.Add(1).View(1, k, 1)).Sum(1);
            votes.Argmax(1).To(ScalarType.Int32).ToArray<int>().CopyTo(predictions, start);
        }
        return predictions;
    }

    /// <summary>Fraction of <paramref name="predicted"/> equal to <paramref name="actual"/>.</summary>
    public static double Accuracy(int[] predicted, ReadOnlySpan<int> actual)
    {
        if (predicted.Length != actual.Length) throw new ArgumentException("prediction and label counts differ");
        int hits = 0;
        for (int i = 0; i < predicted.Length; i++) if (predicted[i] == actual[i]) hits++;
        return predicted.Length == 0 ? 0 : (double)hits / predicted.Length;
    }
}
