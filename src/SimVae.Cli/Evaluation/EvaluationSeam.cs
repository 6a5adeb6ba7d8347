// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
// SEAM: the one place where `simvae evaluate` meets the evaluation API (SimVae.Evaluation). It featurizes the data with
// a bundle, builds the tasks the core defines — content (class labels) and the style tasks of SimVae.Evaluation.StyleTasks
// (transformed copies for data sets without label columns, e.g. FashionMNIST; the label columns for the synthetic
// shapes) — and runs ProbeSuite on each, mapping its ProbeResult onto ModelEvaluation/ProbeScore, which the command
// prints as a table or JSON. `simvae compare` is SimVae.Research.ComparisonRunner (src/SimVae.Research) (see CompareCommand).
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
using SimVae.Bundles;
using SimVae.Data;
using SimVae.Evaluation;
using SimVae.Featurization;
using SimVae.Engine;
using TorchSharp;

namespace SimVae.Cli.Evaluation;

/// <summary>What to evaluate and how.</summary>
/// <param name="KMax">Largest k of the kNN probes (k in 1..KMax is chosen on validation).</param>
/// <param name="BatchSize">Images per forward pass when featurizing.</param>
/// <param name="Device">Where the model runs.</param>
/// <param name="Seed">Seed of the style tasks' transformations, the validation split, the MLP and the GMM.</param>
/// <param name="Tasks">Task names to run (null: all that apply): "content" or a style task ("style_vflip", "style_position_x", ...).</param>
/// <param name="Probes">Probes to run (null: all): "linear", "mlp", "knn", "gmm".</param>
internal sealed record EvaluationSettings(int KMax, int BatchSize, torch.Device Device, int Seed, IReadOnlyList<string>? Tasks, IReadOnlyList<string>? Probes = null);

/// <summary>One probe's score on one task.</summary>
/// <param name="Task">Task name: "content" or "style_…".</param>
/// <param name="Kind">"content" or "style".</param>
/// <param name="Probe">Score name of <see cref="ProbeSuite.ScoreNames"/>: linear, mlp, knn_euclidean, knn_cosine, gmm_acc, gmm_nmi, gmm_ari.</param>
/// <param name="Classes">Number of classes of the task.</param>
/// <param name="Score">Test score: an accuracy in [0, 1] (linear, mlp, knn_*, gmm_acc), NMI in [0, 1] or ARI in [-1, 1].</param>
/// <param name="Chance">For classifier accuracies: accuracy of always predicting the most frequent training class, on the test set; else null.</param>
/// <param name="Chosen">The hyperparameter chosen on validation (e.g. "k = 7", "λ = 0.001", "epoch 12"), or null.</param>
internal sealed record ProbeScore(string Task, string Kind, string Probe, int Classes, double Score, double? Chance, string? Chosen);

/// <summary>The evaluation of one model bundle.</summary>
/// <param name="Model">The bundle's path.</param>
/// <param name="Method">The method's name (simvae, vae, simclr, ...).</param>
/// <param name="FeatureDimension">Length of the feature vectors.</param>
/// <param name="TrainImages">Images the probes were fitted on (the validation split is carved from them).</param>
/// <param name="TestImages">Images the probes were scored on.</param>
/// <param name="Scores">One score per task and probe.</param>
internal sealed record ModelEvaluation(string Model, string Method, int FeatureDimension, int TrainImages, int TestImages, IReadOnlyList<ProbeScore> Scores);

/// <summary>Runs the evaluation behind <c>simvae evaluate</c> (see the note at the top of the file).</summary>
internal static class EvaluationSeam
{
    /// <summary>Accepted values of <c>--probes</c>.</summary>
    public static readonly string[] ProbeNames = ["linear", "mlp", "knn", "gmm"];

    /// <summary>
    /// The task names that apply to a data set: content (when labelled), then its label columns as style tasks when it
    /// has any (synthetic shapes), else the transformed-copy style tasks (style_vflip, style_crop_scale, style_crop_position).
    /// </summary>
    public static IReadOnlyList<string> AvailableTasks(ImageDataset data)
    {
        var tasks = new List<string>();
        if (data.HasLabels) tasks.Add("content");
        if (data.LabelColumns.Count > 0) tasks.AddRange(StyleTasks.FromLabelColumns(data).Select(c => c.Name));
        else tasks.AddRange(StyleTasks.All.Select(StyleTasks.TaskName));
        return tasks;
    }

    /// <summary>The features, unless one is NaN or infinite: probes would then score chance and report it as a result.</summary>
    private static FeatureMatrix Finite(FeatureMatrix features, string modelPath) =>
        features.FirstNonFiniteRow() is { } row
            ? throw new InvalidDataException($"model bundle '{modelPath}' gives NaN or infinite features (first at image {row}); it cannot be evaluated")
            : features;

    /// <summary>Evaluates one bundle: featurizes train and test images, runs the probe suite per task, scores on test.</summary>
    public static ModelEvaluation Evaluate(string modelPath, ImageDataset train, ImageDataset test, EvaluationSettings settings,
        Action<string>? status, CancellationToken cancellation)
    {
        var tasks = SelectTasks(train, test, settings.Tasks);
        var probes = ProbeOptionsFor(settings);
        using var bundle = ModelBundle.Load(modelPath, settings.Device);
        using var featurizer = new Featurizer(bundle);
        var scores = new List<ProbeScore>();
        FeatureMatrix? trainFeatures = null, testFeatures = null;
        var trainColumns = StyleTasks.FromLabelColumns(train).ToDictionary(c => c.Name);
        var testColumns = StyleTasks.FromLabelColumns(test).ToDictionary(c => c.Name);
        foreach (var task in tasks)
        {
            cancellation.ThrowIfCancellationRequested();
            status?.Invoke($"{task}: featurizing");
            FeatureMatrix a, b;
            int[] trainLabels, testLabels;
            int classes;
            if (task == "content" || trainColumns.ContainsKey(task))
            {
                a = trainFeatures ??= Finite(featurizer.Transform(train, settings.BatchSize), modelPath);
                b = testFeatures ??= Finite(featurizer.Transform(test, settings.BatchSize), modelPath);
                if (task == "content")
                {
                    trainLabels = train.Labels.ToArray();
                    testLabels = test.Labels.ToArray();
                    classes = Math.Max(train.ClassCount, test.ClassCount);
                }
                else
                {
                    trainLabels = trainColumns[task].Labels;
                    testLabels = testColumns[task].Labels;
                    classes = Math.Max(trainColumns[task].Classes, testColumns[task].Classes);
                }
            }
            else
            {
                var transform = StyleTasks.All.First(t => StyleTasks.TaskName(t) == task);
                using var transformed = StyleTasks.Transformed(train, test, transform, train.Count, settings.Seed);
                a = Finite(featurizer.Transform(transformed.TrainImages, settings.BatchSize), modelPath);
                b = Finite(featurizer.Transform(transformed.TestImages, settings.BatchSize), modelPath);
                trainLabels = transformed.TrainLabels;
                testLabels = transformed.TestLabels;
                classes = transformed.Classes;
            }
            cancellation.ThrowIfCancellationRequested();
            var result = ProbeSuite.Evaluate(a, trainLabels, b, testLabels, classes, probes with { KMax = KMaxFor(settings.KMax, a.Rows, probes) },
                line => status?.Invoke($"{task}: {line}"));
            double chance = Chance(trainLabels, testLabels);
            string kind = task == "content" ? "content" : "style";
            foreach (var name in ProbeSuite.ScoreNames)
            {
                if (!result.Scores.TryGetValue(name, out var score)) continue;
                bool classifier = name is "linear" or "mlp" or "knn_euclidean" or "knn_cosine";
                scores.Add(new ProbeScore(task, kind, name, classes, score, classifier ? chance : null, Chosen(name, result.Chosen)));
            }
        }
        return new ModelEvaluation(modelPath, bundle.Options.MethodName, featurizer.FeatureDimension, train.Count, test.Count, scores);
    }

    private static ProbeOptions ProbeOptionsFor(EvaluationSettings settings)
    {
        var probes = settings.Probes is { Count: > 0 } p ? p : ProbeNames;
        foreach (var name in probes)
            if (!ProbeNames.Contains(name))
                throw CliException.Usage($"unknown probe '{name}': expected some of {string.Join(", ", ProbeNames)}");
        return new ProbeOptions
        {
            Seed = settings.Seed,
            KMax = settings.KMax,
            Linear = probes.Contains("linear"),
            Mlp = probes.Contains("mlp"),
            Knn = probes.Contains("knn"),
            Gmm = probes.Contains("gmm"),
        };
    }

    /// <summary>k can be at most the rows the kNN probe is fitted on (the training rows less the validation split).</summary>
    private static int KMaxFor(int requested, int trainRows, ProbeOptions options) =>
        Math.Max(1, Math.Min(requested, trainRows - (int)Math.Ceiling(trainRows * options.ValidationFraction)));

    private static string? Chosen(string score, IReadOnlyDictionary<string, double> chosen) => score switch
    {
        "linear" when chosen.TryGetValue("linear_l2", out var l2) => $"λ = {l2:G2}",
        "mlp" when chosen.TryGetValue("mlp_epoch", out var epoch) => $"epoch {epoch:F0}",
        "knn_euclidean" or "knn_cosine" when chosen.TryGetValue(score + "_k", out var k) => $"k = {k:F0}",
        _ => null,
    };

    private static List<string> SelectTasks(ImageDataset train, ImageDataset test, IReadOnlyList<string>? requested)
    {
        var available = AvailableTasks(train).Intersect(AvailableTasks(test)).ToList();
        if (requested is null || requested.Count == 0) return available;
        var selected = new List<string>();
        foreach (var name in requested)
        {
            // "vflip" or "position_x" name "style_vflip" and "style_position_x".
            var task = available.Contains(name) ? name : available.Contains("style_" + name) ? "style_" + name
                : throw CliException.Usage($"unknown task '{name}' for {train.Name}: available tasks are {string.Join(", ", available)}");
            if (!selected.Contains(task)) selected.Add(task);
        }
        return selected;
    }

    private static double Chance(int[] trainLabels, int[] testLabels)
    {
        if (testLabels.Length == 0 || trainLabels.Length == 0) return 0;
        int majority = trainLabels.GroupBy(l => l).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        return (double)testLabels.Count(l => l == majority) / testLabels.Length;
    }
}
