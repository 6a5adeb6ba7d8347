using System.CommandLine;
using SimVae.Bundles;
using SimVae.Cli.Evaluation;
using SimVae.Data;
using Spectre.Console;

namespace SimVae.Cli.Commands;

/// <summary>
/// <c>simvae evaluate</c>: the probe suite (linear, MLP, kNN, GMM) on a bundle's frozen features for the content task
/// and the style tasks. The work itself is behind <see cref="EvaluationSeam"/>.
/// </summary>
internal static class EvaluateCommand
{
    /// <summary>Fewest training images the probe suite is run on.</summary>
    public const int MinTrainImages = 20;

    private sealed record DataArguments(Option<string> Dataset, Option<string?> DataPath, Option<int?> TrainLimit, Option<int?> TestLimit,
        Option<int?> Validation, Option<int> K, Option<string?> Tasks, Option<string?> Probes, Option<int> Batch, Option<string> Device, Option<int> Seed);

    private static DataArguments AddDataOptions(Command command)
    {
        var a = new DataArguments(
            CommonOptions.Dataset(),
            CommonOptions.DataPath(),
            CommonOptions.Limit("--train-limit", "Fit the probes on the first N training images (synthetic: generate N)"),
            CommonOptions.Limit("--test-limit", "Score on the first N test images (synthetic: generate N)"),
            CommonOptions.Limit("--validation", "Score on the last N training images instead of the test set (the probes fit on the first --train-limit, or on the rest): for choosing settings without looking at the test set"),
            new Option<int>("--k") { Description = "Largest k of the kNN probes, 1..1000 (k in 1..K is chosen on a validation split of the training images)", DefaultValueFactory = _ => 20 }.Range(1, 1000),
            new Option<string?>("--tasks") { Description = "Comma-separated tasks (default: all that apply): content (class labels); style tasks: style_vflip, style_crop_scale, style_crop_position (transformed copies; data sets without label columns, e.g. fashion-mnist) or style_<column> for a data set's label columns (synthetic: style_position_x, style_position_y, style_scale, style_rotation, style_intensity, style_background); the style_ prefix may be left out" },
            new Option<string?>("--probes") { Description = "Comma-separated probes (default: all): linear (logistic regression), mlp, knn (Euclidean and cosine), gmm (Gaussian-mixture clustering: accuracy, NMI, ARI)" },
            CommonOptions.BatchSize(256, "Images per forward pass"),
            CommonOptions.Device("cpu"),
            new Option<int>("--seed") { Description = "Seed of the style tasks' transformations, the validation split, the MLP and the GMM", DefaultValueFactory = _ => 0 }.Range(int.MinValue, int.MaxValue));
        command.Add(a.Dataset);
        command.Add(a.DataPath);
        command.Add(a.TrainLimit);
        command.Add(a.TestLimit);
        command.Add(a.Validation);
        command.Add(a.K);
        command.Add(a.Tasks);
        command.Add(a.Probes);
        command.Add(a.Batch);
        command.Add(a.Device);
        command.Add(a.Seed);
        return a;
    }

    /// <summary>The first <paramref name="probeImages"/> training images (default: all but the validation ones) and the last <paramref name="validation"/>.</summary>
    private static (ImageDataset Train, ImageDataset Validation) ValidationSplit(ImageDataset all, int? probeImages, int validation, int? testLimit)
    {
        if (testLimit is not null) throw CliException.Usage("--validation scores on training images: --test-limit does not apply");
        int probes = probeImages ?? all.Count - validation;
        if (probes + validation > all.Count)
            throw CliException.Usage($"--validation: {validation} validation images and {probes} probe images (--train-limit) are more than the {all.Count} training images of {all.Name}");
        return (all.Subset(Enumerable.Range(0, probes).ToArray(), $"{all.Name} (first {probes})"),
                all.Subset(Enumerable.Range(all.Count - validation, validation).ToArray(), $"{all.Name} (last {validation}, validation)"));
    }

    private static (ImageDataset Train, ImageDataset Test, EvaluationSettings Settings) Load(ParseResult r, DataArguments a, string firstModel)
    {
        var device = CommonOptions.ResolveDevice(r.GetValue(a.Device)!);
        var shape = BundleShape(firstModel);
        var name = r.GetValue(a.Dataset)!;
        var (train, test) = r.GetValue(a.Validation) is { } validation
            ? ValidationSplit(DataSets.Load(name, DataSplit.Train, r.GetValue(a.DataPath), null, shape), r.GetValue(a.TrainLimit), validation, r.GetValue(a.TestLimit))
            : (DataSets.Load(name, DataSplit.Train, r.GetValue(a.DataPath), r.GetValue(a.TrainLimit), shape),
               DataSets.Load(name, DataSplit.Test, r.GetValue(a.DataPath), r.GetValue(a.TestLimit), shape));
        // The probes choose hyperparameters on a validation split of the training images, and the GMM fits one component per class.
        int needed = Math.Max(MinTrainImages, 2 * Math.Max(train.ClassCount, 1));
        if (train.Count < needed)
            throw CliException.Usage($"--train-limit: the probes need at least {needed} training images ({MinTrainImages}, and 2 per class of {train.Name}); got {train.Count}");
        var tasks = r.GetValue(a.Tasks)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var probes = r.GetValue(a.Probes)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (train, test, new EvaluationSettings(r.GetValue(a.K), r.GetValue(a.Batch), device, r.GetValue(a.Seed), tasks, probes));
    }

    public static Command CreateEvaluate(CliOutput output)
    {
        var model = CommonOptions.Model();
        var command = new Command("evaluate", "Score a model bundle's frozen features with probes (linear, MLP, kNN, GMM) on the content task and the style tasks") { model };
        var a = AddDataOptions(command);
        command.SetAction(r =>
        {
            var path = r.GetValue(model)!;
            var (train, test, settings) = Load(r, a, path);
            ModelEvaluation result = null!;
            Run(output, $"Evaluating {CliOutput.E(path)} on {CliOutput.E(train.Name)} / {CliOutput.E(test.Name)}...",
                status => result = Guard(path, () => EvaluationSeam.Evaluate(path, train, test, settings, status, output.Cancellation)));
            output.Result(new { command = "evaluate", result }, () =>
            {
                var table = new Table().Title($"{CliOutput.E(result.Method)} ({result.FeatureDimension} features): {result.TrainImages} train / {result.TestImages} test images")
                    .AddColumns("task", "kind", "probe", "classes", "score", "chance", "chosen");
                foreach (var s in result.Scores)
                {
                    bool percent = s.Probe is not ("gmm_nmi" or "gmm_ari");
                    table.AddRow(CliOutput.E(s.Task), s.Kind, s.Probe, s.Classes.ToString(), percent ? $"{100 * s.Score:F1}%" : $"{s.Score:F3}",
                        s.Chance is { } c ? $"{100 * c:F1}%" : "", CliOutput.E(s.Chosen ?? ""));
                }
                output.Console.Write(table);
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static void Run(CliOutput output, string status, Action<Action<string>?> work)
    {
        if (output.Chatty) output.Console.Status().Start(status, context => work(line => context.Status(CliOutput.E(line))));
        else work(null);
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
