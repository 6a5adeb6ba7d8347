using System.CommandLine;
using System.Diagnostics;
using SimVae.Featurization;
using Spectre.Console;

namespace SimVae.Cli.Commands;

/// <summary><c>simvae featurize</c>: computes the features of a data set's images with a model bundle and writes them to a file.</summary>
internal static class FeaturizeCommand
{
    public static Command Create(CliOutput output)
    {
        var model = CommonOptions.Model();
        var dataset = CommonOptions.Dataset();
        var dataPath = CommonOptions.DataPath();
        var split = CommonOptions.Split("featurize", "test");
        var limit = CommonOptions.Limit();
        var outputPath = new Option<string>("--output", "-o") { Description = "File to write (.csv gives CSV with --format auto)", DefaultValueFactory = _ => "features.csv" };
        var format = new Option<string>("--format") { Description = "auto (by extension: .csv is CSV, anything else binary), csv (index,label,f0..), binary (24-byte header SVFEAT01, labels, float32 rows)", DefaultValueFactory = _ => "auto" };
        format.AcceptOnlyFromAmong("auto", "csv", "binary");
        var views = new Option<int>("--views") { Description = "0: posterior means (features) of each image; K in 1..1024: content features, averaged over K augmented views", DefaultValueFactory = _ => 0 }.Range(0, 1024);
        var batch = CommonOptions.BatchSize(Featurizer.DefaultBatchSize, "Images per forward pass");
        var device = CommonOptions.Device("cpu");

        var command = new Command("featurize", "Write the features of a data set's images, computed with a trained model bundle")
        {
            model, dataset, dataPath, split, limit, outputPath, format, views, batch, device,
        };
        command.SetAction(r =>
        {
            var path = r.GetValue(outputPath)!;
            var modelPath = r.GetValue(model)!;
            var splitName = DataSets.ParseSplit(r.GetValue(split)!);
            new OutputGuard()
                .Input("--model", modelPath)
                .InputFolder("--data-path", DataSets.InputFolder(r.GetValue(dataset)!, splitName, r.GetValue(dataPath)))
                .Output("--output", path)
                .Check(output);
            var fileFormat = FeatureFile.Resolve(r.GetValue(format)!, path);
            var clock = Stopwatch.StartNew();
            using var featurizer = LoadFeaturizer(modelPath, CommonOptions.ResolveDevice(r.GetValue(device)!));
            var o = featurizer.Options;
            var data = DataSets.Load(r.GetValue(dataset)!, splitName, r.GetValue(dataPath), r.GetValue(limit), (o.Channels, o.Height, o.Width));
            if (data.Channels != o.Channels || data.Height != o.Height || data.Width != o.Width)
                throw CliException.Input($"{data.Name} holds {data.Channels}x{data.Height}x{data.Width} images but the model takes {o.Channels}x{o.Height}x{o.Width}");
            int k = r.GetValue(views);
            FeatureMatrix features = null!;
            void Compute() => features = k == 0 ? featurizer.Transform(data, r.GetValue(batch)) : featurizer.ContentFeatures(data, k, batchSize: r.GetValue(batch));
            if (output.Chatty)
                output.Console.Status().Start($"Featurizing {CliOutput.E(data)} with {CliOutput.E(o.MethodName)}...", _ => Compute());
            else
                Compute();
            output.Cancellation.ThrowIfCancellationRequested();
            if (features.FirstNonFiniteRow() is { } bad)
                throw CliException.Input($"model bundle '{modelPath}' gives NaN or infinite features (first at image {bad} of {data.Name}); nothing was written to '{path}'");
            FeatureFile.Write(path, fileFormat, features, data.HasLabels ? data.Labels : default);
            var result = new FeaturizeResult("featurize", Path.GetFullPath(path), fileFormat.ToString().ToLowerInvariant(), features.Rows, features.Columns,
                data.HasLabels, data.Name, o.MethodName, k == 0 ? "mean" : $"content-{k}-views", clock.Elapsed.TotalSeconds);
            output.Result(result, () => output.Console.MarkupLine(
                $"Wrote {features.Rows} × {features.Columns} features of {CliOutput.E(data.Name)} to [bold]{CliOutput.E(path)}[/] ({result.Format}) in {result.Seconds:F1} s"));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Loads a bundle into a featurizer, turning a missing or invalid file into an input error.</summary>
    internal static Featurizer LoadFeaturizer(string path, TorchSharp.torch.Device device)
    {
        try
        {
            return Featurizer.Load(path, device);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or UnauthorizedAccessException)
        {
            throw CliException.Input(e is FileNotFoundException or DirectoryNotFoundException ? $"model bundle '{path}' not found" : e.Message, e);
        }
    }

    /// <summary>The JSON result of <c>simvae featurize</c>.</summary>
    internal sealed record FeaturizeResult(string Command, string Output, string Format, int Rows, int Columns, bool Labels, string Dataset,
        string Method, string Features, double Seconds);
}
