using System.CommandLine;
using System.Diagnostics;
using SimVae.Data;
using Spectre.Console;

namespace SimVae.Cli.Commands;

/// <summary>
/// <c>simvae export-images</c>: writes a data set's images as PNG files, <c>&lt;folder&gt;/&lt;class&gt;/&lt;n&gt;.png</c>, so that
/// pipelines that start from image files (ML.NET's LoadImages, Model Builder, the folder data set) have real files.
/// </summary>
internal static class ExportImagesCommand
{
    public static Command Create(CliOutput output)
    {
        var dataset = CommonOptions.Dataset();
        var dataPath = CommonOptions.DataPath();
        var split = CommonOptions.Split("write", "train");
        var limit = CommonOptions.Limit();
        var folder = new Option<string>("--output", "-o") { Description = "Folder to write <class>/<n>.png into (new or empty: existing files are never overwritten)", Required = true };

        var command = new Command("export-images", "Write a data set's images as PNG files in one folder per class")
        {
            dataset, dataPath, split, limit, folder,
        };
        command.SetAction(r =>
        {
            var clock = Stopwatch.StartNew();
            var root = r.GetValue(folder)!;
            var splitName = DataSets.ParseSplit(r.GetValue(split)!);
            new OutputGuard()
                .InputFolder("--data-path", DataSets.InputFolder(r.GetValue(dataset)!, splitName, r.GetValue(dataPath)))
                .OutputFolder("--output", root, mustBeEmpty: true)
                .Check(output);
            var data = DataSets.Load(r.GetValue(dataset)!, splitName, r.GetValue(dataPath), r.GetValue(limit), (1, 28, 28));
            IReadOnlyList<string> files;
            try
            {
                files = ImageFolderWriter.Write(data, root);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                throw CliException.Input($"--output '{root}': {e.Message}", e);
            }
            var result = new ExportImagesResult("export-images", Path.GetFullPath(root), files.Count, data.ClassCount, data.Name, clock.Elapsed.TotalSeconds);
            output.Result(result, () => output.Console.MarkupLine(
                $"Wrote {files.Count} PNG files of {CliOutput.E(data.Name)} ({data.ClassCount} classes) to [bold]{CliOutput.E(root)}[/] in {result.Seconds:F1} s"));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The JSON result of <c>simvae export-images</c>.</summary>
    internal sealed record ExportImagesResult(string Command, string Output, int Images, int Classes, string Dataset, double Seconds);
}
