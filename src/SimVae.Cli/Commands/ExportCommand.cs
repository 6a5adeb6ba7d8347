using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SimVae.Export;
using Spectre.Console;

namespace SimVae.Cli.Commands;

/// <summary><c>simvae export</c>: writes a model bundle's encoder as an ONNX model (<see cref="OnnxExporter"/>) that runs without libtorch.</summary>
internal static class ExportCommand
{
    public static Command Create(CliOutput output)
    {
        var model = CommonOptions.Model();
        var outputPath = new Option<string>("--output", "-o") { Description = "ONNX file to write (replaced if it exists)", DefaultValueFactory = _ => "encoder.onnx" };
        var pixelType = new Option<string>("--pixel-type")
        {
            Description = "Input element type: single (float32 pixels, multiplied by --input-scale in the graph) or byte (uint8 pixels, divided by 255 in the graph)",
            DefaultValueFactory = _ => "single",
        };
        pixelType.AcceptOnlyFromAmong("single", "byte");
        var inputScale = new Option<float?>("--input-scale")
        {
            Description = "Factor applied to float pixels in the graph (--pixel-type single only) [default: 1/255 = 0.003921569, for 0-255 pixels; 1 for pixels in [0, 1]]",
        };
        inputScale.Range(1e-12f, 1e12f);
        var inputName = NonEmpty(new Option<string>("--input-name") { Description = "Name of the graph input", DefaultValueFactory = _ => new OnnxExportOptions().InputName });
        var outputName = NonEmpty(new Option<string>("--output-name") { Description = "Name of the graph output", DefaultValueFactory = _ => new OnnxExportOptions().OutputName });

        var command = new Command("export",
            $"Write a model bundle's encoder as an ONNX model (opset {OnnxExporter.Opset}): pixels [batch, C·H·W] in planar CHW order -> features [batch, F], as `simvae featurize` computes them")
        {
            model, outputPath, pixelType, inputScale, inputName, outputName,
        };
        command.SetAction(r =>
        {
            var modelPath = r.GetValue(model)!;
            var path = r.GetValue(outputPath)!;
            var options = Options(r.GetValue(pixelType)!, r.GetValue(inputScale), r.GetValue(inputName)!, r.GetValue(outputName)!);
            new OutputGuard().Input("--model", modelPath).Output("--output", path).Check(output);
            var clock = Stopwatch.StartNew();
            using var featurizer = FeaturizeCommand.LoadFeaturizer(modelPath, TorchSharp.torch.CPU);
            try
            {
                featurizer.ExportOnnx(path, options);
            }
            catch (NotSupportedException e)
            {
                throw CliException.Input($"cannot export '{modelPath}': {e.Message}", e);
            }
            var o = featurizer.Options;
            var result = new ExportResult("export", Path.GetFullPath(path), new FileInfo(path).Length, OnnxExporter.Opset, o.MethodName,
                o.Backbone.ToString().ToLowerInvariant(), options.InputName, options.PixelType.ToString().ToLowerInvariant(),
                options.PixelType == OnnxPixelType.Byte ? null : options.InputScale, [o.Channels, o.Height, o.Width],
                (long)o.Channels * o.Height * o.Width, options.OutputName, featurizer.FeatureDimension, clock.Elapsed.TotalSeconds);
            var scaling = options.PixelType == OnnxPixelType.Byte ? "uint8 / 255" : $"float × {options.InputScale.ToString("G7", CultureInfo.InvariantCulture)}";
            output.Result(result, () => output.Console.MarkupLine(
                $"Wrote [bold]{CliOutput.E(path)}[/] (ONNX opset {result.Opset}, {result.Bytes / 1e6:F1} MB): {CliOutput.E(result.InputName)} [[batch, {result.InputWidth}]] " +
                $"({CliOutput.E(scaling)}, {o.Channels}x{o.Height}x{o.Width} planar) -> {CliOutput.E(result.OutputName)} [[batch, {result.Features}]], {CliOutput.E(o.MethodName)} features"));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The exporter's options from the command line; a scale given with byte pixels is a mistake, not silently ignored.</summary>
    private static OnnxExportOptions Options(string pixelType, float? scale, string inputName, string outputName)
    {
        var type = pixelType == "byte" ? OnnxPixelType.Byte : OnnxPixelType.Single;
        if (type == OnnxPixelType.Byte && scale is not null)
            throw CliException.Usage("--input-scale applies to --pixel-type single only (byte pixels are always divided by 255)");
        if (inputName == outputName)
            throw CliException.Usage($"--input-name and --output-name must differ; both are '{inputName}'");
        var options = new OnnxExportOptions { PixelType = type, InputName = inputName, OutputName = outputName };
        return scale is { } s ? options with { InputScale = s } : options;
    }

    private static Option<string> NonEmpty(Option<string> option)
    {
        option.Validators.Add(r =>
        {
            if (string.IsNullOrWhiteSpace(r.GetValueOrDefault<string>())) r.AddError($"{option.Name} must not be empty");
        });
        return option;
    }

    /// <summary>The JSON result of <c>simvae export</c>.</summary>
    internal sealed record ExportResult(string Command, string Output, long Bytes, int Opset, string Method, string Backbone, string InputName,
        string PixelType, float? InputScale, int[] ImageShape, long InputWidth, string OutputName, int Features, double Seconds);
}
