using System.CommandLine;
using SimVae.Bundles;
using SimVae.Cli.Evaluation;
using SimVae.Data;
using Spectre.Console;

namespace SimVae.Cli.Commands;

/// <summary>
/// <c>simvae evaluate</c> (one bundle) and <c>simvae compare</c> (several bundles, one table): probes on frozen
/// features for content and style tasks. The work itself is behind <see cref="EvaluationSeam"/>.
/// </summary>
internal static class EvaluateCommand
{
    private sealed record DataArguments(Option<string> Dataset, Option<string?> DataPath, Option<int?> TrainLimit, Option<int?> TestLimit,
        Option<int> K, Option<string?> Tasks, Option<int> Batch, Option<string> Device, Option<int> Seed);

    private static DataArguments AddDataOptions(Command command)
    {
        var a = new DataArguments(
            CommonOptions.Dataset(),
            CommonOptions.DataPath(),
            CommonOptions.Limit("--train-limit", "Fit the probes on the first N training images (synthetic: generate N)"),
            CommonOptions.Limit("--test-limit", "Score on the first N test images (synthetic: generate N)"),
            new Option<int>("--k") { Description = "Neighbours of the kNN probe", DefaultValueFactory = _ => 20 },
            new Option<string?>("--tasks") { Description = "Comma-separated tasks (default: all that apply): content (class labels), flip (upside down or not), or a label column of the data set (synthetic: position_x, position_y, scale, rotation, intensity, background)" },
            CommonOptions.BatchSize(256, "Images per forward pass"),
            CommonOptions.Device("cpu"),
            new Option<int>("--seed") { Description = "Seed of derived tasks (which images are flipped)", DefaultValueFactory = _ => 0 });
        a.K.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError("--k must be at least 1");
        });
        command.Add(a.Dataset);
        command.Add(a.DataPath);
        command.Add(a.TrainLimit);
        command.Add(a.TestLimit);
        command.Add(a.K);
        command.Add(a.Tasks);
        command.Add(a.Batch);
        command.Add(a.Device);
        command.Add(a.Seed);
        return a;
    }

    private static (ImageDataset Train, ImageDataset Test, EvaluationSettings Settings) Load(ParseResult r, DataArguments a, string firstModel)
    {
        var device = CommonOptions.ResolveDevice(r.GetValue(a.Device)!);
        var shape = BundleShape(firstModel);
        var name = r.GetValue(a.Dataset)!;
        var train = DataSets.Load(name, DataSplit.Train, r.GetValue(a.DataPath), r.GetValue(a.TrainLimit), shape);
        var test = DataSets.Load(name, DataSplit.Test, r.GetValue(a.DataPath), r.GetValue(a.TestLimit), shape);
        var tasks = r.GetValue(a.Tasks)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (train, test, new EvaluationSettings(r.GetValue(a.K), r.GetValue(a.Batch), device, r.GetValue(a.Seed), tasks));
    }

    public static Command CreateEvaluate(CliOutput output)
    {
        var model = CommonOptions.Model();
        var command = new Command("evaluate", "Score a model bundle's features with probes on content and style tasks (kNN on frozen features)") { model };
        var a = AddDataOptions(command);
        command.SetAction(r =>
        {
            var path = r.GetValue(model)!;
            var (train, test, settings) = Load(r, a, path);
            ModelEvaluation result = null!;
            Run(output, $"Evaluating {CliOutput.E(path)} on {CliOutput.E(train.Name)} / {CliOutput.E(test.Name)}...",
                () => result = Guard(path, () => EvaluationSeam.Evaluate(path, train, test, settings, output.Cancellation)));
            output.Result(new { command = "evaluate", result }, () =>
            {
                var table = new Table().Title($"{CliOutput.E(result.Method)} ({result.FeatureDimension} features): {result.TrainImages} train / {result.TestImages} test images")
                    .AddColumns("task", "kind", "probe", "classes", "accuracy", "chance");
                foreach (var s in result.Scores)
                    table.AddRow(CliOutput.E(s.Task), s.Kind, s.Probe, s.Classes.ToString(), $"{100 * s.Accuracy:F1}%", $"{100 * s.Chance:F1}%");
                output.Console.Write(table);
            });
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command CreateCompare(CliOutput output)
    {
        var models = new Argument<string[]>("models") { Description = "Model bundles to compare (.simvae files)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("compare", "Compare model bundles on the same data and tasks: one row per model, one column per task") { models };
        var a = AddDataOptions(command);
        command.SetAction(r =>
        {
            var paths = r.GetValue(models)!;
            var (train, test, settings) = Load(r, a, paths[0]);
            IReadOnlyList<ModelEvaluation> results = null!;
            Run(output, $"Comparing {paths.Length} models on {CliOutput.E(train.Name)} / {CliOutput.E(test.Name)}...", () =>
                results = paths.Select(p => Guard(p, () => EvaluationSeam.Evaluate(p, train, test, settings, output.Cancellation))).ToList());
            output.Result(new { command = "compare", dataset = train.Name, results }, () =>
            {
                var tasks = results.SelectMany(x => x.Scores.Select(s => s.Task)).Distinct().ToList();
                var table = new Table().Title($"kNN accuracy (%), {train.Count} train / {test.Count} test images").AddColumns("model", "method", "features");
                foreach (var t in tasks) table.AddColumn(new TableColumn(CliOutput.E(t)).RightAligned());
                foreach (var x in results)
                    table.AddRow([CliOutput.E(x.Model), CliOutput.E(x.Method), x.FeatureDimension.ToString(),
                        .. tasks.Select(t => x.Scores.FirstOrDefault(s => s.Task == t) is { } s ? $"{100 * s.Accuracy:F1}" : "-")]);
                output.Console.Write(table);
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static void Run(CliOutput output, string status, Action work)
    {
        if (output.Chatty) output.Console.Status().Start(status, _ => work());
        else work();
    }

    private static ModelEvaluation Guard(string path, Func<ModelEvaluation> evaluate)
    {
        try
        {
            return evaluate();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            throw CliException.Input(e is InvalidDataException ? e.Message : $"model bundle '{path}' not found", e);
        }
        catch (ArgumentException e) when (e.Message.Contains("the model takes", StringComparison.Ordinal))
        {
            throw CliException.Input($"'{path}': {e.Message}", e);
        }
    }

    /// <summary>The image shape of a bundle (for generated data sets), read without building the model.</summary>
    private static (int Channels, int Height, int Width) BundleShape(string path)
    {
        try
        {
            using var bundle = ModelBundle.Load(path);
            return (bundle.Input.Channels, bundle.Input.Height, bundle.Input.Width);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            throw CliException.Input(e is InvalidDataException ? e.Message : $"model bundle '{path}' not found", e);
        }
    }
}
