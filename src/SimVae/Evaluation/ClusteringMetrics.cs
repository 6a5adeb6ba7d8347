namespace SimVae.Evaluation;

/// <summary>
/// Scores of a clustering against labels: clustering accuracy (best one-to-one matching of clusters to classes,
/// found with the Hungarian algorithm), normalised mutual information and the adjusted Rand index.
/// </summary>
public static class ClusteringMetrics
{
    /// <summary>Contingency table [clusters, classes]: how many items of each class fell in each cluster.</summary>
    public static long[,] Contingency(ReadOnlySpan<int> clusters, ReadOnlySpan<int> labels, int clusterCount, int classCount)
    {
        if (clusters.Length != labels.Length) throw new ArgumentException($"{clusters.Length} cluster ids but {labels.Length} labels");
        var table = new long[clusterCount, classCount];
        for (int i = 0; i < clusters.Length; i++)
        {
            if ((uint)clusters[i] >= (uint)clusterCount) throw new ArgumentOutOfRangeException(nameof(clusters), clusters[i], $"cluster id must be in [0, {clusterCount})");
            if ((uint)labels[i] >= (uint)classCount) throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"label must be in [0, {classCount})");
            table[clusters[i], labels[i]]++;
        }
        return table;
    }

    /// <summary>
    /// Clustering accuracy: the fraction of items whose cluster, mapped one-to-one to a class so as to maximise the
    /// matches (Hungarian algorithm on the contingency table), equals their label. Clusters left without a class
    /// (more clusters than classes) count as wrong.
    /// </summary>
    public static double ClusteringAccuracy(ReadOnlySpan<int> clusters, ReadOnlySpan<int> labels)
    {
        if (clusters.Length == 0) return 0;
        int k = Math.Max(Max(clusters), Max(labels)) + 1;
        var table = Contingency(clusters, labels, k, k);
        var cost = new double[k, k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) cost[i, j] = -table[i, j];
        var assignment = Hungarian.Solve(cost);
        long hits = 0;
        for (int i = 0; i < k; i++) hits += table[i, assignment[i]];
        return (double)hits / clusters.Length;
    }

    /// <summary>
    /// Normalised mutual information I(U; V) / ((H(U) + H(V)) / 2) (arithmetic normalisation, scikit-learn's
    /// default). 1 for identical partitions up to renaming; 1 when both partitions have a single group.
    /// </summary>
    public static double NormalizedMutualInformation(ReadOnlySpan<int> clusters, ReadOnlySpan<int> labels)
    {
        int n = clusters.Length;
        if (n == 0) return 0;
        var table = Contingency(clusters, labels, Max(clusters) + 1, Max(labels) + 1);
        int rows = table.GetLength(0), cols = table.GetLength(1);
        var a = new double[rows];
        var b = new double[cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) { a[i] += table[i, j]; b[j] += table[i, j]; }
        double mi = 0;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                if (table[i, j] > 0) mi += table[i, j] / (double)n * Math.Log((double)table[i, j] * n / (a[i] * b[j]));
        double hu = Entropy(a, n), hv = Entropy(b, n);
        if (hu == 0 && hv == 0) return 1;
        double denominator = (hu + hv) / 2;
        return denominator <= 0 ? 0 : Math.Max(0, mi) / denominator;
    }

    /// <summary>
    /// Adjusted Rand index (Hubert and Arabie 1985): the Rand index corrected for chance; 1 for identical partitions,
    /// about 0 for independent ones, negative below chance.
    /// </summary>
    public static double AdjustedRandIndex(ReadOnlySpan<int> clusters, ReadOnlySpan<int> labels)
    {
        int n = clusters.Length;
        if (n == 0) return 0;
        var table = Contingency(clusters, labels, Max(clusters) + 1, Max(labels) + 1);
        int rows = table.GetLength(0), cols = table.GetLength(1);
        var a = new double[rows];
        var b = new double[cols];
        double sumCells = 0;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                a[i] += table[i, j];
                b[j] += table[i, j];
                sumCells += Pairs(table[i, j]);
            }
        double sumA = a.Sum(Pairs), sumB = b.Sum(Pairs), total = Pairs(n);
        double expected = sumA * sumB / total;
        double max = (sumA + sumB) / 2;
        if (max == expected) return 1; // both partitions trivial (all singletons or one group): identical up to renaming
        return (sumCells - expected) / (max - expected);
    }

    private static double Pairs(double count) => count * (count - 1) / 2;

    private static double Entropy(double[] counts, int n)
    {
        double h = 0;
        foreach (var c in counts)
            if (c > 0) h -= c / n * Math.Log(c / n);
        return h;
    }

    private static int Max(ReadOnlySpan<int> values)
    {
        int max = 0;
        foreach (var v in values)
        {
            if (v < 0) throw new ArgumentOutOfRangeException(nameof(values), v, "ids must not be negative");
            if (v > max) max = v;
        }
        return max;
    }
}

/// <summary>
/// The Hungarian algorithm (Kuhn 1955, Munkres 1957) for the linear assignment problem, in the O(n³)
/// shortest-augmenting-path form with potentials.
/// </summary>
public static class Hungarian
{
    /// <summary>
    /// Assigns each row of a rows × columns cost matrix (rows ≤ columns) to a distinct column so that the summed cost
    /// is minimal; returns the column of each row.
    /// </summary>
    /// <exception cref="ArgumentException">More rows than columns, or a cost that is not finite.</exception>
    public static int[] Solve(double[,] cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        int n = cost.GetLength(0), m = cost.GetLength(1);
        if (n > m) throw new ArgumentException($"{n} rows cannot be assigned to {m} columns; transpose the matrix", nameof(cost));
        foreach (var c in cost)
            if (!double.IsFinite(c)) throw new ArgumentException("costs must be finite", nameof(cost));
        // 1-based arrays: u, v potentials; p[j] = row matched to column j; way[j] = previous column on the path.
        var u = new double[n + 1];
        var v = new double[m + 1];
        var p = new int[m + 1];
        var way = new int[m + 1];
        for (int i = 1; i <= n; i++)
        {
            p[0] = i;
            int j0 = 0;
            var minv = new double[m + 1];
            var used = new bool[m + 1];
            Array.Fill(minv, double.PositiveInfinity);
            do
            {
                used[j0] = true;
                int i0 = p[j0], j1 = 0;
                double delta = double.PositiveInfinity;
                for (int j = 1; j <= m; j++)
                {
                    if (used[j]) continue;
                    double cur = cost[i0 - 1, j - 1] - u[i0] - v[j];
                    if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
                    if (minv[j] < delta) { delta = minv[j]; j1 = j; }
                }
                for (int j = 0; j <= m; j++)
                {
                    if (used[j]) { u[p[j]] += delta; v[j] -= delta; }
                    else minv[j] -= delta;
                }
                j0 = j1;
            } while (p[j0] != 0);
            do
            {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        var assignment = new int[n];
        for (int j = 1; j <= m; j++)
            if (p[j] != 0) assignment[p[j] - 1] = j - 1;
        return assignment;
    }
}
