using SimVae.Evaluation;

namespace SimVae.Tests.Evaluation;

[TestClass]
public class ClusteringMetricsTests
{
    [TestMethod]
    public void HungarianRecoversAKnownPermutation()
    {
        int[] permutation = [3, 0, 4, 1, 2];
        var random = new Random(5);
        var cost = new double[5, 5];
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++) cost[i, j] = j == permutation[i] ? random.NextDouble() : 2 + random.NextDouble();
        CollectionAssert.AreEqual(permutation, Hungarian.Solve(cost));
    }

    [TestMethod]
    public void HungarianSolvesASmallProblemOptimally()
    {
        // Greedy (take (0,0) = 1 first) ends at 1 + 5 + 9 = 15; compare with the brute-force optimum.
        double[,] cost = { { 1, 2, 9 }, { 3, 5, 7 }, { 4, 8, 9 } };
        var assignment = Hungarian.Solve(cost);
        double best = double.MaxValue;
        foreach (var p in new[] { new[] { 0, 1, 2 }, new[] { 0, 2, 1 }, new[] { 1, 0, 2 }, new[] { 1, 2, 0 }, new[] { 2, 0, 1 }, new[] { 2, 1, 0 } })
            best = Math.Min(best, cost[0, p[0]] + cost[1, p[1]] + cost[2, p[2]]);
        Assert.AreEqual(best, cost[0, assignment[0]] + cost[1, assignment[1]] + cost[2, assignment[2]]);
        Assert.AreEqual(3, assignment.Distinct().Count());
        // Rectangular: 2 rows, 3 columns.
        CollectionAssert.AreEqual(new[] { 2, 0 }, Hungarian.Solve(new double[,] { { 5, 4, 1 }, { 1, 3, 2 } }));
    }

    [TestMethod]
    public void ClusteringAccuracyIgnoresClusterNames()
    {
        int[] labels = [0, 0, 1, 1, 2, 2, 2];
        int[] clusters = [2, 2, 0, 0, 1, 1, 0];
        Assert.AreEqual(6.0 / 7, ClusteringMetrics.ClusteringAccuracy(clusters, labels), 1e-12);
        Assert.AreEqual(1.0, ClusteringMetrics.ClusteringAccuracy([1, 1, 2, 2, 0, 0, 0], labels), 1e-12);
    }

    [TestMethod]
    public void NmiAndAriOnHandExamples()
    {
        // Perfect up to renaming.
        Assert.AreEqual(1.0, ClusteringMetrics.NormalizedMutualInformation([1, 1, 0, 0], [0, 0, 1, 1]), 1e-12);
        Assert.AreEqual(1.0, ClusteringMetrics.AdjustedRandIndex([1, 1, 0, 0], [0, 0, 1, 1]), 1e-12);
        // Split of one class: MI = ln 2, H(U) = 1.5 ln 2, H(V) = ln 2 → NMI = 0.8; ARI = (1 − 1/3) / (3/2 − 1/3) = 4/7.
        Assert.AreEqual(0.8, ClusteringMetrics.NormalizedMutualInformation([0, 0, 1, 2], [0, 0, 1, 1]), 1e-12);
        Assert.AreEqual(4.0 / 7, ClusteringMetrics.AdjustedRandIndex([0, 0, 1, 2], [0, 0, 1, 1]), 1e-12);
        // Independent partitions: NMI = 0; ARI = (0 − 2/3) / (2 − 2/3) = −0.5.
        Assert.AreEqual(0.0, ClusteringMetrics.NormalizedMutualInformation([0, 1, 0, 1], [0, 0, 1, 1]), 1e-12);
        Assert.AreEqual(-0.5, ClusteringMetrics.AdjustedRandIndex([0, 1, 0, 1], [0, 0, 1, 1]), 1e-12);
    }
}
