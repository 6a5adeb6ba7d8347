using System.Diagnostics;
using SimVae.Featurization;
using static TorchSharp.torch;

namespace SimVae.Evaluation;

/// <summary>Which probes <see cref="ProbeSuite"/> runs, and their settings.</summary>
public sealed record ProbeOptions
{
    /// <summary>Fraction of the training rows held out for choosing hyperparameters (never the test rows). Default 0.1.</summary>
    public double ValidationFraction { get; init; } = 0.1;
    /// <summary>Seed of the validation split, the MLP and the GMM initialisations.</summary>
    public int Seed { get; init; }
    /// <summary>Run the linear probe.</summary>
    public bool Linear { get; init; } = true;
    /// <summary>λ values tried for the linear probe (mean cross-entropy + λ/2‖W‖²).</summary>
    public IReadOnlyList<double> L2Grid { get; init; } = [1e-2, 1e-3, 1e-4, 1e-5];
    /// <summary>L-BFGS iteration limit of the linear probe (100, scikit-learn's default).</summary>
    public int LinearMaxIterations { get; init; } = 100;
    /// <summary>Run the MLP probe.</summary>
    public bool Mlp { get; init; } = true;
    /// <summary>MLP probe settings.</summary>
    public MlpProbeOptions MlpOptions { get; init; } = new();
    /// <summary>Run the kNN probes (Euclidean and cosine).</summary>
    public bool Knn { get; init; } = true;
    /// <summary>Largest k tried on validation (k ∈ 1..KMax).</summary>
    public int KMax { get; init; } = 20;
    /// <summary>Run Gaussian-mixture clustering.</summary>
    public bool Gmm { get; init; } = true;
    /// <summary>GMM initialisations (the paper uses 20).</summary>
    public int GmmInitializations { get; init; } = 5;
    /// <summary>EM iteration limit per initialisation.</summary>
    public int GmmMaxIterations { get; init; } = 100;
    /// <summary>The GMM is fitted on at most this many training rows (a seeded subset), then assigns the test rows.</summary>
    public int GmmMaxRows { get; init; } = 20_000;
}

/// <summary>Scores of every probe on one task, with the hyperparameters chosen on validation and the time taken.</summary>
/// <param name="Scores">Test scores: <c>linear</c>, <c>mlp</c>, <c>knn_euclidean</c>, <c>knn_cosine</c> (accuracies), <c>gmm_acc</c>, <c>gmm_nmi</c>, <c>gmm_ari</c>.</param>
/// <param name="Chosen">Hyperparameters chosen on validation: <c>linear_l2</c>, <c>mlp_epoch</c>, <c>knn_euclidean_k</c>, <c>knn_cosine_k</c>, <c>gmm_loglik</c>.</param>
/// <param name="Seconds">Wall time of each probe.</param>
public sealed record ProbeResult(IReadOnlyDictionary<string, double> Scores, IReadOnlyDictionary<string, double> Chosen, IReadOnlyDictionary<string, double> Seconds);

/// <summary>
/// Runs the probes of the paper on frozen features: linear (multinomial logistic regression, L2, λ chosen on
/// validation), a 1-hidden-layer MLP (epoch chosen on validation), kNN with Euclidean and cosine distance
/// (k ∈ 1..20 chosen on validation) and Gaussian-mixture clustering (components = classes; clustering accuracy by
/// Hungarian matching, NMI, ARI). Features are standardised with the training statistics; the validation split is
/// carved from the training rows, never from the test rows.
/// </summary>
public static class ProbeSuite
{
    /// <summary>The score names, in report order.</summary>
    public static IReadOnlyList<string> ScoreNames { get; } = ["linear", "mlp", "knn_euclidean", "knn_cosine", "gmm_acc", "gmm_nmi", "gmm_ari"];

    /// <summary>Fits every enabled probe on the training features and scores it on the test features.</summary>
    /// <param name="train">Training features.</param>
    /// <param name="trainLabels">Training labels in [0, <paramref name="classes"/>).</param>
    /// <param name="test">Test features.</param>
    /// <param name="testLabels">Test labels.</param>
    /// <param name="classes">Number of classes (also the number of GMM components).</param>
    /// <param name="options">Probe settings.</param>
    /// <param name="log">Receives one line per finished probe, or null.</param>
    public static ProbeResult Evaluate(FeatureMatrix train, ReadOnlySpan<int> trainLabels, FeatureMatrix test, ReadOnlySpan<int> testLabels,
        int classes, ProbeOptions? options = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        options ??= new ProbeOptions();
        if (trainLabels.Length != train.Rows) throw new ArgumentException($"{train.Rows} training rows but {trainLabels.Length} labels", nameof(trainLabels));
        if (testLabels.Length != test.Rows) throw new ArgumentException($"{test.Rows} test rows but {testLabels.Length} labels", nameof(testLabels));
        if (train.Columns != test.Columns) throw new ArgumentException("training and test features differ in width", nameof(test));
        var scores = new Dictionary<string, double>();
        var chosen = new Dictionary<string, double>();
        var seconds = new Dictionary<string, double>();
        var standardizer = Standardizer.Fit(train);
        using var scope = NewDisposeScope();
        var trainX = standardizer.Apply(train);
        var testX = standardizer.Apply(test);
        var (fitRows, validationRows) = ProbeSplits.Split(train.Rows, options.ValidationFraction, options.Seed);
        var fitX = ProbeSplits.Rows(trainX, fitRows);
        var validationX = ProbeSplits.Rows(trainX, validationRows);
        var fitY = ProbeSplits.Take(trainLabels, fitRows);
        var validationY = ProbeSplits.Take(trainLabels, validationRows);
        var testY = testLabels.ToArray();
        var clock = new Stopwatch();

        if (options.Linear)
        {
            clock.Restart();
            var (probe, _) = LinearProbe.FitWithValidation(fitX, fitY, validationX, validationY, classes, options.L2Grid, options.LinearMaxIterations);
            scores["linear"] = ProbeSplits.Accuracy(probe.Predict(testX), testY);
            chosen["linear_l2"] = probe.L2;
            seconds["linear"] = clock.Elapsed.TotalSeconds;
            log?.Invoke($"linear probe {100 * scores["linear"]:F2}% (λ = {probe.L2:G2}, {seconds["linear"]:F1} s)");
        }
        if (options.Mlp)
        {
            clock.Restart();
            var (predictions, epoch, _) = MlpProbe.FitWithValidation(fitX, fitY, validationX, validationY, testX, classes, options.MlpOptions with { Seed = options.Seed });
            scores["mlp"] = ProbeSplits.Accuracy(predictions, testY);
            chosen["mlp_epoch"] = epoch;
            seconds["mlp"] = clock.Elapsed.TotalSeconds;
            log?.Invoke($"MLP probe {100 * scores["mlp"]:F2}% (epoch {epoch}, {seconds["mlp"]:F1} s)");
        }
        if (options.Knn)
        {
            foreach (var metric in new[] { KnnMetric.Euclidean, KnnMetric.Cosine })
            {
                clock.Restart();
                string name = metric == KnnMetric.Euclidean ? "knn_euclidean" : "knn_cosine";
                var (predictions, k, _) = KnnProbe.FitWithValidation(fitX, fitY, validationX, validationY, testX, classes, options.KMax, metric);
                scores[name] = ProbeSplits.Accuracy(predictions, testY);
                chosen[name + "_k"] = k;
                seconds[name] = clock.Elapsed.TotalSeconds;
                log?.Invoke($"kNN ({metric}) {100 * scores[name]:F2}% (k = {k}, {seconds[name]:F1} s)");
            }
        }
        if (options.Gmm)
        {
            clock.Restart();
            var gmmX = trainX;
            if (train.Rows > options.GmmMaxRows)
            {
                var rows = Enumerable.Range(0, train.Rows).ToArray();
                new Random(options.Seed + 17).Shuffle(rows);
                gmmX = ProbeSplits.Rows(trainX, rows[..options.GmmMaxRows]);
            }
            var gmm = GaussianMixture.Fit(gmmX, classes, options.GmmInitializations, options.GmmMaxIterations, seed: options.Seed);
            var clusters = gmm.Predict(testX);
            scores["gmm_acc"] = ClusteringMetrics.ClusteringAccuracy(clusters, testY);
            scores["gmm_nmi"] = ClusteringMetrics.NormalizedMutualInformation(clusters, testY);
            scores["gmm_ari"] = ClusteringMetrics.AdjustedRandIndex(clusters, testY);
            chosen["gmm_loglik"] = gmm.MeanLogLikelihood;
            seconds["gmm"] = clock.Elapsed.TotalSeconds;
            log?.Invoke($"GMM clustering acc {100 * scores["gmm_acc"]:F2}%, NMI {scores["gmm_nmi"]:F3}, ARI {scores["gmm_ari"]:F3} ({seconds["gmm"]:F1} s)");
        }
        return new ProbeResult(scores, chosen, seconds);
    }
}
