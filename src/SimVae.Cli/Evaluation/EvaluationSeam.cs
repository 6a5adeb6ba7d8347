// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
// SEAM: the one place where `simvae evaluate` and `simvae compare` meet the evaluation API.
// Today it runs the kNN probe that exists (SimVae.Evaluation.KnnProbe) on a content task (the data set's class
// labels), the "flip" style task (StyleTasks.Flipped) and the data set's extra label columns (e.g. the synthetic
// shapes' style factors). When src/SimVae/Evaluation's probes and ComparisonRunner land, replace the bodies of
// Evaluate/Compare with calls to them and map their report onto ModelEvaluation/ProbeScore (or change those records;
// the commands only read the fields below). Nothing else in the tool needs to change.
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
using SimVae.Bundles;
using SimVae.Data;
using SimVae.Evaluation;
using SimVae.Featurization;
using SimVae.Torch;

namespace SimVae.Cli.Evaluation;

/// <summary>What to evaluate and how.</summary>
/// <param name="K">Neighbours of the kNN probe.</param>
/// <param name="BatchSize">Images per forward pass when featurizing.</param>
/// <param name="Device">Where the model runs.</param>
/// <param name="Seed">Seed of derived tasks (which images are flipped).</param>
/// <param name="Tasks">Task names to run (null: all that apply): "content", "flip", or a label column of the data set.</param>
internal sealed record EvaluationSettings(int K, int BatchSize, Device Device, int Seed, IReadOnlyList<string>? Tasks);

/// <summary>One probe's score on one task.</summary>
/// <param name="Task">Task name: "content", "flip" or a label column.</param>
/// <param name="Kind">"content" or "style".</param>
/// <param name="Probe">Probe name, e.g. "knn-20".</param>
/// <param name="Classes">Number of classes of the task.</param>
/// <param name="Accuracy">Test accuracy in [0, 1].</param>
/// <param name="Chance">Accuracy of always predicting the most frequent training class, on the test set.</param>
internal sealed record ProbeScore(string Task, string Kind, string Probe, int Classes, double Accuracy, double Chance);

/// <summary>The evaluation of one model bundle.</summary>
/// <param name="Model">The bundle's path.</param>
/// <param name="Method">The method's name (simvae, vae, simclr, ...).</param>
/// <param name="FeatureDimension">Length of the feature vectors.</param>
/// <param name="TrainImages">Images the probes were fitted on.</param>
/// <param name="TestImages">Images the probes were scored on.</param>
/// <param name="Scores">One score per task and probe.</param>
internal sealed record ModelEvaluation(string Model, string Method, int FeatureDimension, int TrainImages, int TestImages, IReadOnlyList<ProbeScore> Scores);

/// <summary>Runs the evaluation behind <c>simvae evaluate</c> and <c>simvae compare</c> (see the note at the top of the file).</summary>
internal static class EvaluationSeam
{
    /// <summary>The task names that apply to a data set: content (when labelled), flip, and its label columns.</summary>
    public static IReadOnlyList<string> AvailableTasks(ImageDataset data)
    {
        var tasks = new List<string>();
        if (data.HasLabels) tasks.Add("content");
        tasks.Add("flip");
        tasks.AddRange(data.LabelColumns.Keys.Order(StringComparer.Ordinal));
        return tasks;
    }

    /// <summary>Evaluates one bundle: featurizes train and test images, fits the probe per task, scores it on test.</summary>
    public static ModelEvaluation Evaluate(string modelPath, ImageDataset train, ImageDataset test, EvaluationSettings settings, CancellationToken cancellation)
    {
        var tasks = SelectTasks(train, test, settings.Tasks);
        using var bundle = ModelBundle.Load(modelPath, settings.Device);
        using var featurizer = new Featurizer(bundle);
        var scores = new List<ProbeScore>();
        FeatureMatrix? trainFeatures = null, testFeatures = null;
        foreach (var task in tasks)
        {
            cancellation.ThrowIfCancellationRequested();
            ImageDataset taskTrain = train, taskTest = test;
            int[] trainLabels, testLabels;
            int classes;
            string kind = task == "content" ? "content" : "style";
            if (task == "flip")
            {
                taskTrain = StyleTasks.Flipped(train, settings.Seed);
                taskTest = StyleTasks.Flipped(test, settings.Seed + 1);
                trainLabels = taskTrain.Labels.ToArray();
                testLabels = taskTest.Labels.ToArray();
                classes = 2;
            }
            else if (task == "content")
            {
                trainLabels = train.Labels.ToArray();
                testLabels = test.Labels.ToArray();
                classes = Math.Max(train.ClassCount, test.ClassCount);
            }
            else
            {
                trainLabels = train.LabelColumns[task];
                testLabels = test.LabelColumns[task];
                classes = Math.Max(trainLabels.Max(), testLabels.Max()) + 1;
            }
            FeatureMatrix a, b;
            if (ReferenceEquals(taskTrain, train))
            {
                a = trainFeatures ??= featurizer.Transform(train, settings.BatchSize);
                b = testFeatures ??= featurizer.Transform(test, settings.BatchSize);
            }
            else
            {
                a = featurizer.Transform(taskTrain, settings.BatchSize);
                b = featurizer.Transform(taskTest, settings.BatchSize);
            }
            int k = Math.Min(settings.K, a.Rows);
            int[] predicted;
            using (var x = Tensor.FromArray(a.Values, [a.Rows, a.Columns]))
            using (var y = Tensor.FromArray(b.Values, [b.Rows, b.Columns]))
                predicted = KnnProbe.Predict(x, trainLabels, y, k, classes);
            scores.Add(new ProbeScore(task, kind, $"knn-{k}", classes, KnnProbe.Accuracy(predicted, testLabels), Chance(trainLabels, testLabels)));
        }
        return new ModelEvaluation(modelPath, bundle.Options.MethodName, featurizer.FeatureDimension, train.Count, test.Count, scores);
    }

    /// <summary>Evaluates several bundles on the same data and tasks (the comparison report's rows).</summary>
    public static IReadOnlyList<ModelEvaluation> Compare(IReadOnlyList<string> modelPaths, ImageDataset train, ImageDataset test, EvaluationSettings settings,
        Action<string>? starting, CancellationToken cancellation)
    {
        var results = new List<ModelEvaluation>();
        foreach (var path in modelPaths)
        {
            starting?.Invoke(path);
            results.Add(Evaluate(path, train, test, settings, cancellation));
        }
        return results;
    }

    private static List<string> SelectTasks(ImageDataset train, ImageDataset test, IReadOnlyList<string>? requested)
    {
        var available = AvailableTasks(train).Intersect(AvailableTasks(test)).ToList();
        if (requested is null || requested.Count == 0) return available;
        foreach (var task in requested)
            if (!available.Contains(task))
                throw CliException.Usage($"unknown task '{task}' for {train.Name}: available tasks are {string.Join(", ", available)}");
        return requested.Distinct().ToList();
    }

    private static double Chance(int[] trainLabels, int[] testLabels)
    {
        if (testLabels.Length == 0) return 0;
        int majority = trainLabels.GroupBy(l => l).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        return (double)testLabels.Count(l => l == majority) / testLabels.Length;
    }
}
