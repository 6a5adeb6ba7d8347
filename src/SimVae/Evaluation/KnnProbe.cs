using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Evaluation;

/// <summary>Distance of the kNN probe.</summary>
public enum KnnMetric
{
    /// <summary>Euclidean distance.</summary>
    Euclidean,
    /// <summary>Cosine distance (1 − cosine similarity): Euclidean distance between L2-normalised rows ranks the same.</summary>
    Cosine,
}

/// <summary>
/// k-nearest-neighbour classification of frozen features (majority vote; a tie goes to the tied class whose
/// first neighbour is nearest), the paper's kNN probe. Distances are computed in chunks of query rows
/// (‖q‖² − 2 q·t + ‖t‖² by one matrix multiply per chunk), on the device of the given tensors.
/// </summary>
public static class KnnProbe
{
    /// <summary>Predicts a label for each test row from its <paramref name="k"/> nearest training rows (Euclidean).</summary>
    /// <param name="train">Training features [N, F] (float32).</param>
    /// <param name="trainLabels">Training labels, N values in [0, classes).</param>
    /// <param name="test">Test features [M, F].</param>
    /// <param name="k">Neighbours (≥ 1).</param>
    /// <param name="classes">Number of classes.</param>
    public static int[] Predict(Tensor train, int[] trainLabels, Tensor test, int k, int classes)
    {
        if (k < 1 || k > trainLabels.Length) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in 1..{trainLabels.Length}");
        var neighbours = Neighbours(train, test, k, KnnMetric.Euclidean);
        return Vote(neighbours, k, trainLabels, classes, [k])[0];
    }

    /// <summary>
    /// Indices of the <paramref name="k"/> nearest training rows of each query row, nearest first: [M · k] row-major.
    /// </summary>
    public static long[] Neighbours(Tensor train, Tensor queries, int k, KnnMetric metric = KnnMetric.Euclidean, long chunk = 1024)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(queries);
        if (train.dim() != 2 || queries.dim() != 2 || train.size(1) != queries.size(1))
            throw new ArgumentException($"need [N, F] and [M, F] features, got [{string.Join(", ", train.shape)}] and [{string.Join(", ", queries.shape)}]");
        long n = train.size(0), m = queries.size(0);
        if (k < 1 || k > n) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in 1..{n}");
        var result = new long[m * k];
        using var outer = NewDisposeScope();
        var t = train.to(ScalarType.Float32);
        var q = queries.to(ScalarType.Float32);
        if (metric == KnnMetric.Cosine)
        {
            t = nn.functional.normalize(t, 2, 1);
            q = nn.functional.normalize(q, 2, 1);
        }
        var tt = t.t().contiguous();
        var tNorm = t.square().sum(1).view(1, n);
        for (long start = 0; start < m; start += chunk)
        {
            using var scope = NewDisposeScope();
            long rows = Math.Min(chunk, m - start);
            var block = q.narrow(0, start, rows);
            // ‖q‖² is the same for every candidate of a row, so it does not change the ranking.
            var score = tNorm.sub(block.mm(tt).mul(2));
            var (_, nearest) = score.topk(k, dim: 1, largest: false, sorted: true);
            nearest.cpu().data<long>().CopyTo(result.AsSpan((int)(start * k), (int)(rows * k)));
        }
        return result;
    }

    /// <summary>
    /// Majority votes of the first k neighbours for each k of <paramref name="ks"/> (each ≤ <paramref name="width"/>,
    /// the neighbours stored per query in <paramref name="neighbours"/>). Returns one prediction array per k.
    /// </summary>
    public static int[][] Vote(long[] neighbours, int width, ReadOnlySpan<int> trainLabels, int classes, IReadOnlyList<int> ks)
    {
        if (width < 1 || neighbours.Length % width != 0) throw new ArgumentException("neighbour array is not [M, width]", nameof(neighbours));
        int m = neighbours.Length / width;
        int kMax = ks.Max();
        if (ks.Min() < 1 || kMax > width) throw new ArgumentOutOfRangeException(nameof(ks), $"each k must be in 1..{width}");
        var predictions = ks.Select(_ => new int[m]).ToArray();
        var counts = new int[classes];
        var first = new int[classes];
        var byK = new int[kMax + 1];
        for (int i = 0; i < m; i++)
        {
            Array.Clear(counts);
            Array.Fill(first, int.MaxValue);
            int best = -1;
            for (int r = 0; r < kMax; r++)
            {
                int c = trainLabels[(int)neighbours[(long)i * width + r]];
                counts[c]++;
                if (first[c] == int.MaxValue) first[c] = r;
                if (best < 0 || counts[c] > counts[best] || (counts[c] == counts[best] && first[c] < first[best])) best = c;
                byK[r + 1] = best;
            }
            for (int j = 0; j < ks.Count; j++) predictions[j][i] = byK[ks[j]];
        }
        return predictions;
    }

    /// <summary>
    /// Chooses k in 1..<paramref name="kMax"/> on a validation split (neighbours searched among the fit rows; ties: the
    /// smaller k), then classifies the test rows with that k among all training rows (fit ∪ validation).
    /// </summary>
    /// <returns>Test predictions, the chosen k, and the validation accuracy of each k.</returns>
    public static (int[] Predictions, int K, double[] ValidationAccuracy) FitWithValidation(
        Tensor fitX, int[] fitLabels, Tensor validationX, int[] validationLabels, Tensor testX, int classes,
        int kMax = 20, KnnMetric metric = KnnMetric.Euclidean)
    {
        kMax = Math.Min(kMax, fitLabels.Length);
        var ks = Enumerable.Range(1, kMax).ToArray();
        var validationNeighbours = Neighbours(fitX, validationX, kMax, metric);
        var votes = Vote(validationNeighbours, kMax, fitLabels, classes, ks);
        var accuracy = votes.Select(v => ProbeSplits.Accuracy(v, validationLabels)).ToArray();
        int bestK = 1;
        for (int k = 2; k <= kMax; k++) if (accuracy[k - 1] > accuracy[bestK - 1]) bestK = k;
        using var allX = torch.cat([fitX, validationX]);
        int[] allLabels = [.. fitLabels, .. validationLabels];
        var testNeighbours = Neighbours(allX, testX, bestK, metric);
        return (Vote(testNeighbours, bestK, allLabels, classes, [bestK])[0], bestK, accuracy);
    }

    /// <summary>Fraction of <paramref name="predicted"/> equal to <paramref name="actual"/>.</summary>
    public static double Accuracy(int[] predicted, ReadOnlySpan<int> actual) => ProbeSplits.Accuracy(predicted, actual);
}
