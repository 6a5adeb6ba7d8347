using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SimVae.Evaluation;
using SimVae.Engine;
using SimVae.Methods;
using SimVae.Research;
using TorchSharp;
using SimVae.Training;
using Spectre.Console;

namespace SimVae.Cli.Commands;

/// <summary>
/// <c>simvae compare</c>: the comparison run. Trains every method with every seed under the same budget, evaluates the
/// probe suite on the content and style tasks and writes a report folder (report.md, report.json, PNG and SVG charts,
/// PNG reconstructions and samples). Finished cells (method × seed × budget) in the folder are kept and skipped, so a
/// rerun of the same command resumes; a folder whose cells ran with other settings is refused. The work is <see cref="ComparisonRunner.Run"/>; this maps flags onto <see cref="ComparisonOptions"/>.
/// </summary>
internal static class CompareCommand
{
    public static Command Create(CliOutput output)
    {
        var defaults = new ComparisonOptions();
        var dataset = new Option<string>("--dataset", "-d") { Description = "Data set: fashion-mnist (IDX files; Debian's dataset-fashion-mnist or --data-path) or synthetic (generated shapes; style tasks from their factors)", DefaultValueFactory = _ => defaults.DataSet };
        dataset.AcceptOnlyFromAmong([.. ComparisonOptions.KnownDataSets]);
        var dataPath = CommonOptions.DataPath();
        var methods = new Option<string>("--methods") { Description = $"Comma-separated methods: {string.Join(", ", ComparisonOptions.KnownMethods.Where(m => !ComparisonOptions.IsBaseline(m)))}, and the baselines (no training) {string.Join(", ", ComparisonOptions.KnownMethods.Where(ComparisonOptions.IsBaseline))}", DefaultValueFactory = _ => string.Join(",", defaults.Methods) };
        var seeds = new Option<string>("--seeds") { Description = "Comma-separated distinct seeds; each method is trained once per seed", DefaultValueFactory = _ => string.Join(",", defaults.Seeds) };
        var epochs = new Option<int>("--epochs", "-e") { Description = "Training passes over the data set per run", DefaultValueFactory = _ => defaults.Epochs }.Range(1, TrainerOptions.MaxEpochs);
        var maxSteps = new Option<long?>("--max-steps") { Description = "Stop each run after this many optimiser steps (overrides --epochs)" }.Range(1, TrainerOptions.MaxStepLimit);
        var trainImages = new Option<int?>("--train-images") { Description = "Use only the first N training images (at least 100)" }.Range(1, int.MaxValue);
        var probeTrainImages = new Option<int?>("--probe-train-images") { Description = "Fit the probes on only the first N training images (at least 100); the methods still train on all (or --train-images)" }.Range(1, int.MaxValue);
        var testImages = new Option<int?>("--test-images") { Description = "Use only the first N test images (at least 20)" }.Range(1, int.MaxValue);
        var syntheticCount = new Option<int>("--synthetic-count") { Description = "Images generated for --dataset synthetic (a sixth are the test split; at least 600)", DefaultValueFactory = _ => defaults.SyntheticCount }.Range(1, int.MaxValue);
        var styleTrain = new Option<int>("--style-train-images") { Description = "Training images of the transformed style tasks (fashion-mnist; at least 100)", DefaultValueFactory = _ => defaults.StyleTrainImages }.Range(1, int.MaxValue);
        var backbone = new Option<string?>("--backbone") { Description = "Encoder (and decoder) of every trained method: mlp, conv, resnet18 (default: each method's, the authors' MLP)" };
        backbone.AcceptOnlyFromAmong(TrainCommand.Backbones);
        var latent = new Option<int?>("--latent-dim") { Description = $"Feature (latent) dimension d of every trained method, 1..{SslOptions.MaxLatentDim} (default: each method's, 10)" }.Range(1, SslOptions.MaxLatentDim);
        var learningRate = new Option<double?>("--learning-rate") { Description = "Peak learning rate of every trained method, 1e-12..10 (default: each method's paper value)" }.Range(1e-12, 10);
        var beta = new Option<double>("--beta") { Description = "β of beta-vae (0..1000)", DefaultValueFactory = _ => defaults.BetaVaeBeta }.Range(0, 1000);
        var mlpEpochs = new Option<int>("--mlp-epochs") { Description = "Epochs of the MLP probe", DefaultValueFactory = _ => new MlpProbeOptions().Epochs }.Range(1, 100_000);
        var gmmInits = new Option<int>("--gmm-inits") { Description = "Initialisations of the GMM clustering", DefaultValueFactory = _ => defaults.Probes.GmmInitializations }.Range(1, 1000);
        var logEvery = new Option<int>("--log-every") { Description = "Steps between training progress reports (and logged losses)", DefaultValueFactory = _ => defaults.LogEvery }.Range(1, int.MaxValue);
        var outputFolder = new Option<string>("--output", "-o") { Description = "Report folder to write (created; report files are replaced; finished runs in its runs/ with the same settings are kept and skipped)", DefaultValueFactory = _ => defaults.OutputFolder };
        var device = CommonOptions.Device();
        var precision = CommonOptions.Precision();

        var command = new Command("compare",
            "Train methods with several seeds under one budget, evaluate every probe on the content and style tasks, and write a report folder (report.md, report.json, PNG and SVG charts); a rerun resumes, skipping the finished runs")
        {
            dataset, dataPath, methods, seeds, epochs, maxSteps, trainImages, probeTrainImages, testImages, syntheticCount, styleTrain, backbone, latent, learningRate, beta, mlpEpochs, gmmInits, logEvery, outputFolder, device, precision,
        };
        command.SetAction(r =>
        {
            var options = new ComparisonOptions
            {
                DataSet = r.GetValue(dataset)!,
                DataPath = r.GetValue(dataPath),
                Methods = List(r.GetValue(methods)!),
                Seeds = List(r.GetValue(seeds)!).Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
                    : throw CliException.Usage($"--seeds: '{s}' is not an integer")).ToArray(),
                Epochs = r.GetValue(epochs),
                MaxSteps = r.GetValue(maxSteps),
                TrainImages = r.GetValue(trainImages),
                ProbeTrainImages = r.GetValue(probeTrainImages),
                TestImages = r.GetValue(testImages),
                SyntheticCount = r.GetValue(syntheticCount),
                StyleTrainImages = r.GetValue(styleTrain),
                Backbone = r.GetValue(backbone) is { } kind ? TrainCommand.ParseBackbone(kind) : null,
                LatentDim = r.GetValue(latent),
                LearningRate = r.GetValue(learningRate),
                BetaVaeBeta = r.GetValue(beta),
                LogEvery = r.GetValue(logEvery),
                OutputFolder = r.GetValue(outputFolder)!,
                Device = CommonOptions.ResolveDevice(r.GetValue(device)!),
                Precision = PrecisionPolicy.Parse(r.GetValue(precision)!),
                Probes = new ProbeOptions
                {
                    MlpOptions = new MlpProbeOptions { Epochs = r.GetValue(mlpEpochs) },
                    GmmInitializations = r.GetValue(gmmInits),
                },
                CommandLine = "simvae " + string.Join(" ", r.Tokens.Select(t => t.Value)),
            };
            new OutputGuard()
                .InputFolder("--data-path", DataSets.InputFolder(options.DataSet, Data.DataSplit.Train, options.DataPath))
                .InputFolder("--data-path", DataSets.InputFolder(options.DataSet, Data.DataSplit.Test, options.DataPath))
                .OutputFolder("--output", options.OutputFolder)
                .Check(output);
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                throw CliException.Usage($"invalid settings: {Flag(e.Message)}");
            }
            return Run(output, options);
        });
        return command;
    }

    private static int Run(CliOutput output, ComparisonOptions options)
    {
        int runs = options.Methods.Count * options.Seeds.Count;
        output.Info($"Comparing [bold]{CliOutput.E(string.Join(", ", options.Methods))}[/] on {CliOutput.E(options.DataSet)} with seeds {CliOutput.E(string.Join(", ", options.Seeds))} " +
                    $"({runs} runs, {(options.MaxSteps is { } s ? $"{s} steps" : $"{options.Epochs} epoch(s)")} each) on {CliOutput.E(options.Device.Name())}; report in '{CliOutput.E(options.OutputFolder)}'");
        var clock = Stopwatch.StartNew();
        ComparisonResult result;
        try
        {
            if (output.Chatty)
            {
                result = null!;
                output.Console.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .Start(context =>
                    {
                        var task = context.AddTask("starting", maxValue: Math.Max(1, runs));
                        var progress = new SynchronousProgress<ComparisonProgress>(p =>
                        {
                            double within = p.Training is { TotalSteps: > 0 } t ? 0.9 * t.Step / t.TotalSteps : p.Stage == "train" ? 0 : 0.9;
                            task.Value = Math.Min(runs, p.Run + (p.Method is null || p.Run >= p.Runs ? 0 : within));
                            task.Description = CliOutput.E(Describe(p));
                        });
                        result = ComparisonRunner.Run(options, progress, output.Cancellation);
                        task.Value = task.MaxValue;
                        task.Description = "done";
                    });
            }
            else
            {
                result = ComparisonRunner.Run(options, null, output.Cancellation);
            }
        }
        catch (ComparisonSettingsException e)
        {
            throw CliException.Usage($"{e.Message} (--output)");
        }
        catch (OperationCanceledException e)
        {
            throw new CliException(ExitCodes.Cancelled, $"comparison interrupted; the report in '{options.OutputFolder}' covers the runs finished so far", e);
        }
        var folder = Path.GetFullPath(options.OutputFolder);
        var summary = new CompareResult("compare", options.DataSet, result.Methods, options.Seeds, result.Runs.Count, result.StepsPerRun, clock.Elapsed.TotalSeconds, folder,
            Path.Combine(folder, "report.md"), Path.Combine(folder, "report.json"),
            result.Methods.ToDictionary(m => m, m => result.Tasks.ToDictionary(t => t.Name, t => result.Score(m, t.Name, "linear").Mean)),
            ComparisonReport.Expectations(result));
        output.Result(summary, () =>
        {
            var table = new Table().Title($"Linear-probe accuracy (%), mean ± std over {options.Seeds.Count} seed(s), {result.StepsPerRun} steps per run").AddColumn("method");
            foreach (var t in result.Tasks) table.AddColumn(new TableColumn(CliOutput.E(t.Name)).RightAligned());
            foreach (var m in result.Methods)
                table.AddRow([CliOutput.E(m), .. result.Tasks.Select(t => result.Score(m, t.Name, "linear") is { Mean: var mean, Std: var std } && double.IsFinite(mean)
                    ? $"{100 * mean:F1} ± {100 * std:F1}" : "-")]);
            output.Console.Write(table);
            foreach (var line in summary.Expectations) output.Console.WriteLine(line);
            output.Console.MarkupLine($"Report written to [bold]{CliOutput.E(summary.Report)}[/] in {summary.Seconds:F1} s");
        });
        return ExitCodes.Success;
    }

    private static string Describe(ComparisonProgress p)
    {
        var who = p.Method is null ? "" : $"{p.Method} seed {p.Seed}: ";
        var what = p.Training is { } t
            ? $"train step {t.Step}/{t.TotalSteps}" + (t.Losses.TryGetValue("loss", out var l) ? $"  loss {l.ToString("G5", CultureInfo.InvariantCulture)}" : "")
            : p.Message;
        return $"[{Math.Min(p.Run + 1, p.Runs)}/{p.Runs}] {who}{what}";
    }

    private static string[] List(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Names the flag behind a <see cref="ComparisonOptions"/> property in a validation message.</summary>
    private static string Flag(string message)
    {
        foreach (var (property, flag) in new[] { ("ProbeTrainImages", "--probe-train-images"), ("LatentDim", "--latent-dim"), ("LearningRate", "--learning-rate"), ("TrainImages", "--train-images"), ("TestImages", "--test-images"), ("SyntheticCount", "--synthetic-count"),
                     ("StyleTrainImages", "--style-train-images"), ("MaxSteps", "--max-steps"), ("Epochs", "--epochs"), ("Methods", "--methods"), ("Seeds", "--seeds") })
            message = message.Replace($"(Parameter '{property}')", $"({flag})", StringComparison.Ordinal).Replace(property, flag, StringComparison.Ordinal);
        return message;
    }

    /// <summary>Reports on the caller's thread (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    /// <summary>The JSON result of <c>simvae compare</c> (the full results are in <see cref="ReportJson"/>).</summary>
    internal sealed record CompareResult(string Command, string Dataset, IReadOnlyList<string> Methods, IReadOnlyList<int> Seeds, int Runs, long StepsPerRun,
        double Seconds, string Output, string Report, string ReportJson, IReadOnlyDictionary<string, Dictionary<string, double>> LinearAccuracy,
        IReadOnlyList<string> Expectations);
}
