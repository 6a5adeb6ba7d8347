using SimVae.Evaluation;
using SimVae.Featurization;
using static TorchSharp.torch;

namespace SimVae.Tests.Evaluation;

[TestClass]
public class ProbeTests
{
    /// <summary>Gaussian blobs around well-separated centres: (features, labels).</summary>
    internal static (FeatureMatrix Features, int[] Labels) Blobs(int n, int classes, int dims, double spread, int seed)
    {
        var random = new Random(seed);
        var centres = new double[classes, dims];
        for (int c = 0; c < classes; c++)
            for (int j = 0; j < dims; j++) centres[c, j] = 10 * (random.NextDouble() - 0.5);
        var values = new float[n * dims];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % classes;
            for (int j = 0; j < dims; j++) values[i * dims + j] = (float)(centres[labels[i], j] + spread * Gaussian(random));
        }
        return (new FeatureMatrix(values, n, dims), labels);
    }

    internal static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [TestMethod]
    public void LinearProbeSeparatesLinearlySeparableClasses()
    {
        // Labels are the side of two hyperplanes through the data: separable, but not by distance to a centre.
        var random = new Random(3);
        int n = 3000, d = 6;
        var values = new float[n * d];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) values[i * d + j] = (float)Gaussian(random);
            double a = values[i * d] + 0.5 * values[i * d + 1], b = values[i * d + 2] - values[i * d + 3];
            if (Math.Abs(a) < 0.05 || Math.Abs(b) < 0.05) { i--; continue; } // keep a margin
            labels[i] = (a > 0 ? 1 : 0) + (b > 0 ? 2 : 0);
        }
        var features = new FeatureMatrix(values, n, d);
        using var x = Standardizer.Fit(features).Apply(features);
        var probe = LinearProbe.Fit(x, labels, 4, l2: 1e-6, maxIterations: 500);
        Assert.IsTrue(ProbeSplits.Accuracy(probe.Predict(x), labels) >= 0.99, "training accuracy on separable data");

        var result = ProbeSuite.Evaluate(features, labels, features, labels, 4, new ProbeOptions { Mlp = false, Knn = false, Gmm = false });
        Assert.IsTrue(result.Scores["linear"] >= 0.98, $"suite linear accuracy {result.Scores["linear"]}");
    }

    [TestMethod]
    public void LbfgsFindsTheMinimumOfAQuadratic()
    {
        // f(w) = Σ (i + 1)(w_i − i)²
        var (w, value, _) = Lbfgs.Minimize((x, g) =>
        {
            double f = 0;
            for (int i = 0; i < x.Length; i++) { f += (i + 1) * (x[i] - i) * (x[i] - i); g[i] = 2 * (i + 1) * (x[i] - i); }
            return f;
        }, new double[5], tolerance: 1e-9);
        for (int i = 0; i < 5; i++) Assert.AreEqual(i, w[i], 1e-6);
        Assert.AreEqual(0, value, 1e-10);
    }

    [TestMethod]
    public void KnnOnAToySet()
    {
        // Class 0 near x = 0, class 1 near x = 10, plus one class-1 outlier at x = 1.
        float[] train = [0, 0.5f, -0.5f, 1, 10, 10.5f, 9.5f];
        int[] labels = [0, 0, 0, 1, 1, 1, 1];
        using var t = tensor(train, [7, 1]);
        using var q = tensor(new float[] { 0.9f, 0.1f, 9f }, [3, 1]);
        CollectionAssert.AreEqual(new[] { 1, 0, 1 }, KnnProbe.Predict(t, labels, q, k: 1, classes: 2));
        CollectionAssert.AreEqual(new[] { 0, 0, 1 }, KnnProbe.Predict(t, labels, q, k: 3, classes: 2));
        var neighbours = KnnProbe.Neighbours(t, q, 2);
        CollectionAssert.AreEqual(new long[] { 3, 1, 0, 1 }, neighbours[..4]);
        // Tie (k = 2: one vote each) goes to the class of the nearest neighbour.
        CollectionAssert.AreEqual(new[] { 1, 0, 1 }, KnnProbe.Vote(KnnProbe.Neighbours(t, q, 2), 2, labels, 2, [2])[0]);
    }

    [TestMethod]
    public void CosineKnnComparesDirectionsNotLengths()
    {
        // Class 0 points at 45° (long), class 1 along +y (short); the query is long and nearly along +y:
        // nearer to class 0 in Euclidean distance, closer in direction to class 1.
        using var t = tensor(new float[] { 6, 6, 7, 6, 0.1f, 1, 0, 1.2f }, [4, 2]);
        using var q = tensor(new float[] { 0.5f, 9 }, [1, 2]);
        int[] labels = [0, 0, 1, 1];
        Assert.AreEqual(1, KnnProbe.Vote(KnnProbe.Neighbours(t, q, 1, KnnMetric.Cosine), 1, labels, 2, [1])[0][0]);
        Assert.AreEqual(0, KnnProbe.Vote(KnnProbe.Neighbours(t, q, 1, KnnMetric.Euclidean), 1, labels, 2, [1])[0][0]);
    }

    [TestMethod]
    public void SuiteScoresSeparatedBlobsPerfectly()
    {
        var (train, trainLabels) = Blobs(1200, 4, 5, 0.3, seed: 1);
        var (test, testLabels) = Blobs(400, 4, 5, 0.3, seed: 1 + 0); // same centres (same seed), new noise below
        var (noisy, _) = Blobs(400, 4, 5, 0.3, seed: 1);
        Assert.AreEqual(noisy.Rows, test.Rows);
        var result = ProbeSuite.Evaluate(train, trainLabels, test, testLabels, 4,
            new ProbeOptions { MlpOptions = new MlpProbeOptions { Epochs = 15, Hidden = 32, LearningRate = 3e-3 }, GmmInitializations = 3 });
        foreach (var score in new[] { "linear", "mlp", "knn_euclidean", "knn_cosine", "gmm_acc", "gmm_nmi", "gmm_ari" })
            Assert.IsTrue(result.Scores[score] >= 0.97, $"{score} = {result.Scores[score]}");
        Assert.IsTrue(result.Chosen["knn_euclidean_k"] is >= 1 and <= 20);
    }

    [TestMethod]
    public void GaussianMixtureFindsSeparatedClusters()
    {
        var (features, labels) = Blobs(900, 3, 2, 0.2, seed: 7);
        var standardised = Standardizer.Fit(features);
        using var x = standardised.Apply(features);
        var gmm = GaussianMixture.Fit(x, 3, initializations: 3, seed: 1);
        var clusters = gmm.Predict(x);
        Assert.AreEqual(1.0, ClusteringMetrics.ClusteringAccuracy(clusters, labels), 1e-12);
        Assert.AreEqual(1.0, gmm.Weights.Sum(), 1e-9);
        Assert.AreEqual(1.0 / 3, gmm.Weights[0], 0.01);
    }
}
