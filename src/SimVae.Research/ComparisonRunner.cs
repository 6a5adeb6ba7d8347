using System.Diagnostics;
using System.Runtime.InteropServices;
using SimVae.Augmentations;
using SimVae.Data;
using SimVae.Engine;
using SimVae.Evaluation;
using SimVae.Featurization;
using SimVae.Methods;
using SimVae.Research.Baselines;
using SimVae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Research;

/// <summary>
/// The comparison behind <c>simvae compare</c>: trains every method with every seed under the same budget, evaluates
/// every probe (<see cref="ProbeSuite"/>) on the content task and every style task, computes the label-free
/// diagnostics, draws reconstructions and samples of the generative methods, and writes the report folder
/// (<see cref="ComparisonReport"/>) — rewritten after every run, so an interrupted comparison leaves a valid partial report.
/// <para>Each run is a cell (method × seed × budget, <see cref="ComparisonCells"/>) saved when it finishes; a rerun with
/// the same settings skips the finished cells and runs the rest, and a folder whose cells ran with other settings is
/// refused before anything runs.</para>
/// <para>Report folder: <c>report.md</c>, <c>report.json</c>, <c>accuracy.png</c>/<c>.svg</c> (content vs style bars),
/// <c>losses.png</c>/<c>.svg</c> (loss curves), <c>&lt;method&gt;-reconstructions.png</c> and <c>&lt;method&gt;-samples.png</c>
/// (first seed), and <c>runs/</c> (the cells and their metrics logs).</para>
/// </summary>
public static class ComparisonRunner
{
    /// <summary>Runs the comparison and writes the report folder; returns the results.</summary>
    /// <param name="options">What to run.</param>
    /// <param name="progress">Receives progress throughout (training steps, probes, report writes), or null.</param>
    /// <param name="cancellation">Stops between steps; the report and the cells of the runs finished so far are kept.</param>
    /// <exception cref="ComparisonSettingsException">The output folder holds a cell of a requested method and seed that ran with other settings.</exception>
    public static ComparisonResult Run(ComparisonOptions options, IProgress<ComparisonProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var started = DateTime.UtcNow;
        var cells = new ComparisonCells(options);
        var done = cells.Finished(options.Seeds.SelectMany(seed => options.Methods.Select(method => (method, seed))));
        Directory.CreateDirectory(options.OutputFolder);
        int runCount = options.Methods.Count * options.Seeds.Count, finished = 0;
        void Report(string stage, string? method, int? seed, string message, TrainingProgress? training = null) =>
            progress?.Report(new ComparisonProgress(stage, method, seed, finished, runCount, message, training));

        Report("data", null, null, $"loading {options.DataSet}");
        var (train, test) = LoadData(options);
        var probeTrain = options.ProbeTrainImages is { } p && p < train.Count ? train.Subset(Enumerable.Range(0, p).ToArray(), train.Name + $" (first {p}, for the probes)") : train;
        Report("data", null, null, $"{train} / {test}{(probeTrain == train ? "" : $"; probes: {probeTrain}")}");

        var transformed = new List<TransformedTask>();
        using var baselines = new BaselineFeatureCache();
        var columnTasks = new List<(string Name, int[] TrainLabels, int[] TestLabels, int Classes)>();
        var tasks = new List<TaskInfo> { new("content", "content", train.ClassCount, probeTrain.Count, test.Count, "the class label") };
        try
        {
            if (options.DataSet == "fashion-mnist")
            {
                foreach (var t in StyleTasks.All)
                {
                    var task = StyleTasks.Transformed(train, test, t, options.StyleTrainImages, seed: 0);
                    transformed.Add(task);
                    tasks.Add(new TaskInfo(task.Name, "style", task.Classes, task.TrainLabels.Length, task.TestLabels.Length, task.Description));
                }
            }
            else
            {
                var testColumns = StyleTasks.FromLabelColumns(test).ToDictionary(c => c.Name);
                foreach (var (name, labels, classes) in StyleTasks.FromLabelColumns(probeTrain))
                {
                    int k = Math.Max(classes, testColumns[name].Classes);
                    columnTasks.Add((name, labels, testColumns[name].Labels, k));
                    tasks.Add(new TaskInfo(name, "style", k, probeTrain.Count, test.Count, $"ground-truth factor '{name[6..]}' of the synthetic shapes, binned into {k} equal-width bins, on the un-transformed images"));
                }
            }
            Report("data", null, null, $"tasks: {string.Join(", ", tasks.Select(t => $"{t.Name} ({t.Classes} classes)"))}");

            var runs = new List<RunResult>();
            long stepsPerRun = 0;
            var machine = DescribeMachine();
            foreach (var seed in options.Seeds)
                foreach (var method in options.Methods)
                {
                    cancellation.ThrowIfCancellationRequested();
                    if (done.TryGetValue((method, seed), out var kept))
                    {
                        if (!ComparisonOptions.IsBaseline(method)) stepsPerRun = kept.Steps;
                        runs.Add(kept);
                        finished++;
                        Report("resume", method, seed, $"run {finished}/{runCount} ({method}, seed {seed}) finished before: kept {cells.CellPath(method, seed)}");
                        continue;
                    }
                    var run = RunOne(options, method, seed, train, probeTrain, test, transformed, columnTasks, cells, baselines, cancellation,
                        (stage, message, training) => Report(stage, method, seed, message, training));
                    if (!ComparisonOptions.IsBaseline(method)) stepsPerRun = run.Steps;
                    runs.Add(run);
                    finished++;
                    cells.Save(run);
                    var partial = new ComparisonResult(options, tasks, runs.ToList(), machine, started, null, stepsPerRun, train.Count);
                    ComparisonReport.Write(partial, options.OutputFolder);
                    Report("report", method, seed, $"run {finished}/{runCount} done ({method}, seed {seed}); report updated in {options.OutputFolder}");
                }
            var result = new ComparisonResult(options, tasks, runs, machine, started, DateTime.UtcNow, stepsPerRun, train.Count);
            ComparisonReport.Write(result, options.OutputFolder);
            Report("done", null, null, $"report written to {Path.Combine(options.OutputFolder, "report.md")}");
            return result;
        }
        finally
        {
            foreach (var t in transformed) t.Dispose();
        }
    }

    private static (ImageDataset Train, ImageDataset Test) LoadData(ComparisonOptions options)
    {
        ImageDataset train, test;
        if (options.DataSet == "fashion-mnist")
        {
            train = FashionMnist.Load(DataSplit.Train, options.DataPath);
            test = FashionMnist.Load(DataSplit.Test, options.DataPath);
        }
        else
        {
            var all = SyntheticShapes.Generate(new SyntheticShapesOptions { Count = options.SyntheticCount, Seed = 0 });
            int testCount = options.SyntheticCount / 6;
            train = all.Subset(Enumerable.Range(0, all.Count - testCount).ToArray(), "synthetic shapes (train)");
            test = all.Subset(Enumerable.Range(all.Count - testCount, testCount).ToArray(), "synthetic shapes (test)");
        }
        if (options.TrainImages is { } n && n < train.Count) train = train.Subset(Enumerable.Range(0, n).ToArray(), train.Name + $" (first {n})");
        if (options.TestImages is { } m && m < test.Count) test = test.Subset(Enumerable.Range(0, m).ToArray(), test.Name + $" (first {m})");
        return (train, test);
    }

    private static RunResult RunOne(ComparisonOptions options, string method, int seed, ImageDataset train, ImageDataset probeTrain, ImageDataset test,
        IReadOnlyList<TransformedTask> transformed, IReadOnlyList<(string Name, int[] TrainLabels, int[] TestLabels, int Classes)> columnTasks,
        ComparisonCells cells, BaselineFeatureCache baselines, CancellationToken cancellation, Action<string, string, TrainingProgress?> report)
    {
        if (ComparisonOptions.IsBaseline(method))
        {
            report("features", $"{method}: a baseline, no training (features computed once for all seeds)", null);
            var baseline = baselines.Get(method);
            return Evaluate(options, method, seed, baseline, Untrained, probeTrain, test, transformed, columnTasks, cancellation, report);
        }
        var methodOptions = options.CreateMethod(method);
        string metricsPath = cells.MetricsPath(method, seed);
        Directory.CreateDirectory(Path.GetDirectoryName(metricsPath)!);
        var trainer = new Trainer(new TrainerOptions
        {
            Epochs = options.Epochs, MaxSteps = options.MaxSteps, Device = options.Device, Seed = seed,
            LogEvery = options.LogEvery, MetricsPath = metricsPath, CheckpointPath = null, Precision = options.Precision,
        });
        var curve = new List<LossPoint>();
        long steps = 0;
        trainer.Progress += p =>
        {
            steps = p.Step;
            if (p.Losses.TryGetValue("loss", out var loss)) curve.Add(new LossPoint(p.Step, loss));
            report("train", $"{method} seed {seed}: step {p.Step}/{p.TotalSteps} loss {p.Losses.GetValueOrDefault("loss"):G5} ({p.ViewsPerSecond:F0} views/s)", p);
        };
        report("train", $"training {method} (seed {seed}): {(options.MaxSteps is { } s ? $"{s} steps" : $"{options.Epochs} epoch(s)")} of {methodOptions.BatchImages} images × {methodOptions.Views} view(s)", null);
        var clock = Stopwatch.StartNew();
        using var model = trainer.CreateModel(methodOptions);
        var losses = trainer.Train(model, train, cancellation: cancellation);
        double trainSeconds = clock.Elapsed.TotalSeconds;
        report("train", $"{method} seed {seed} trained in {trainSeconds:F0} s", null);

        using var features = new TrainedFeatures(new Featurizer(model));
        var training = new TrainingCost(steps, methodOptions.BatchImages, methodOptions.BatchImages * methodOptions.Views, trainSeconds, losses, curve);
        var run = Evaluate(options, method, seed, features, training, probeTrain, test, transformed, columnTasks, cancellation, report);
        if (model is VariationalModel vae && seed == options.Seeds[0])
        {
            report("pictures", "reconstructions and samples", null);
            WritePictures(vae, test, options.OutputFolder, method, seed);
        }
        return run;
    }

    /// <summary>What a run's training cost (nothing for a baseline).</summary>
    private sealed record TrainingCost(long Steps, int ImagesPerStep, int ViewsPerStep, double Seconds, IReadOnlyDictionary<string, double> Losses, IReadOnlyList<LossPoint> Curve);

    private static readonly TrainingCost Untrained = new(0, 0, 0, 0, new Dictionary<string, double>(), []);

    /// <summary>Featurizes the content and style tasks with <paramref name="features"/>, fits every probe and computes the diagnostics.</summary>
    private static RunResult Evaluate(ComparisonOptions options, string method, int seed, IFeatureSource features, TrainingCost training, ImageDataset train, ImageDataset test,
        IReadOnlyList<TransformedTask> transformed, IReadOnlyList<(string Name, int[] TrainLabels, int[] TestLabels, int Classes)> columnTasks,
        CancellationToken cancellation, Action<string, string, TrainingProgress?> report)
    {
        var clock = Stopwatch.StartNew();
        report("features", "featurizing the training and test images", null);
        var trainFeatures = features.Transform(train);
        var testFeatures = features.Transform(test);
        double rowsPerSecond = features is CachedBaseline cached ? cached.RowsPerSecond(train, test)   // measured when first computed
            : (train.Count + test.Count) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
        report("features", $"{method} seed {seed}: {train.Count + test.Count} images featurized at {rowsPerSecond:F0} rows/s", null);
        var probeOptions = options.Probes with { Seed = seed };
        var results = new Dictionary<string, ProbeResult>();
        void Log(string task, string line) => report("probe", $"{method} seed {seed} {task}: {line}", null);
        results["content"] = ProbeSuite.Evaluate(trainFeatures, train.Labels, testFeatures, test.Labels, train.ClassCount, probeOptions, l => Log("content", l));
        foreach (var task in transformed)
        {
            cancellation.ThrowIfCancellationRequested();
            var taskTrain = features.Transform(task.TrainImages);
            var taskTest = features.Transform(task.TestImages);
            results[task.Name] = ProbeSuite.Evaluate(taskTrain, task.TrainLabels, taskTest, task.TestLabels, task.Classes, probeOptions, l => Log(task.Name, l));
        }
        foreach (var (name, trainLabels, testLabels, classes) in columnTasks)
        {
            cancellation.ThrowIfCancellationRequested();
            results[name] = ProbeSuite.Evaluate(trainFeatures, trainLabels, testFeatures, testLabels, classes, probeOptions, l => Log(name, l));
        }

        report("diagnostics", "label-free diagnostics", null);
        var (view1, view2) = TwoViews(features, test, Math.Min(options.ViewInvarianceImages, test.Count), seed);
        var diagnostics = RepresentationDiagnostics.Compute(testFeatures, view1, view2, seed);
        report("diagnostics", $"{method} seed {seed}: log det {diagnostics.LogDetCovariance:F2}, effective rank {diagnostics.EffectiveRank:F2}/{diagnostics.Dimensions}, " +
            $"view invariance {diagnostics.ViewInvariance:F3}{(diagnostics.CollapseWarning ? ", COLLAPSE WARNING" : "")}", null);
        return new RunResult(method, seed, training.Steps, training.ImagesPerStep, training.ViewsPerStep, training.Seconds,
            clock.Elapsed.TotalSeconds, training.Losses, results, diagnostics, training.Curve, rowsPerSecond);
    }

    private static (FeatureMatrix, FeatureMatrix) TwoViews(IFeatureSource featurizer, ImageDataset test, int count, int seed)
    {
        var transform = AugmentationNames.Create(featurizer.ViewAugmentation, test.Height, 2);
        using var scope = NewDisposeScope();
        var images = test.ToTensor(Enumerable.Range(0, count).ToArray());
        Tensor first, second;
        if (transform is null) { first = images; second = images; }
        else
        {
            var views = transform.Apply(images, new Random(Seeds.Derive(seed, 977)));   // view-major [2·n, C, H, W]
            first = views.narrow(0, 0, count);
            second = views.narrow(0, count, count);
        }
        return (featurizer.Transform(first), featurizer.Transform(second));
    }

    private static void WritePictures(VariationalModel model, ImageDataset test, string folder, string method, int seed)
    {
        int h = test.Height, w = test.Width;
        if (test.Channels != 1) return; // the grid writer draws gray images
        // One test image per class (first occurrence), up to 10, then their reconstructions from the posterior means.
        var rows = new List<int>();
        for (int c = 0; c < Math.Max(1, test.ClassCount) && rows.Count < 10; c++)
        {
            int index = test.HasLabels ? test.Labels.IndexOf(c) : c;
            if (index >= 0) rows.Add(index);
        }
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var images = test.ToTensor(rows.ToArray(), model.parameters().First().device);
        var (mean, _) = model.Posterior(images);
        var reconstructions = model.Reconstruct(mean);
        var both = torch.cat([images, reconstructions]).cpu().data<float>().ToArray();
        var (pixels, gw, gh) = PngWriter.Grid(both, 2 * rows.Count, h, w, rows.Count, zoom: 2);
        PngWriter.Write(Path.Combine(folder, $"{method}-reconstructions.png"), pixels, gw, gh, 1);
        // Samples: decode z ~ N(0, I) (the VAE prior; SimVAE's marginal prior on z is N(0, (1 + σ²) I), close to it).
        TorchRuntime.ManualSeed((ulong)seed);
        var z = torch.randn([20, model.FeatureDimension], device: images.device);
        var samples = model.Reconstruct(z).cpu().data<float>().ToArray();
        (pixels, gw, gh) = PngWriter.Grid(samples, 20, h, w, 10, zoom: 2);
        PngWriter.Write(Path.Combine(folder, $"{method}-samples.png"), pixels, gw, gh, 1);
    }

    private static string DescribeMachine()
    {
        string cpu = "unknown CPU";
        try
        {
            var line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
            if (line is not null) cpu = line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        return $"{cpu}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, " +
               $"libtorch {TorchRuntime.TorchVersion} ({TorchRuntime.Threads} intra-op threads){(TorchRuntime.CudaAvailable ? ", CUDA available" : "")}";
    }
}
