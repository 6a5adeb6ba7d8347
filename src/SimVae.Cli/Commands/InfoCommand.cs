using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json;
using SimVae.Bundles;
using SimVae.Engine;
using Spectre.Console;

namespace SimVae.Cli.Commands;

/// <summary><c>simvae info</c>: the runtime (versions, threads, CUDA devices) and, given a bundle, what it holds.</summary>
internal static class InfoCommand
{
    public static Command Create(CliOutput output)
    {
        var model = new Argument<string?>("model") { Description = "A model bundle to describe (optional)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("info", "Show the libtorch version, CPU threads and CUDA devices, and the contents of a model bundle") { model };
        command.SetAction(r =>
        {
            TorchRuntime.EnsureDefaultThreads();
            var device = Devices.Auto;
            var auto = PrecisionPolicy.Resolve(Precision.Auto, device);
            var runtime = new RuntimeInfo(
                ModelBundle.CurrentLibraryVersion, TorchRuntime.TorchVersion, TorchRuntime.Threads, Environment.ProcessorCount,
                TorchRuntime.CudaDeviceCount, RuntimeInformation.FrameworkDescription, RuntimeInformation.OSDescription, RuntimeInformation.ProcessArchitecture.ToString(),
                new BFloat16Info(CpuFeatures.Avx512Bf16, CpuFeatures.AmxBf16, CpuFeatures.NativeBFloat16, PrecisionPolicy.Name(auto), PrecisionPolicy.ExplainAuto(device),
                    $"{TorchRuntime.DefaultThreads(Environment.ProcessorCount)} libtorch"));
            BundleInfo? bundleInfo = null;
            if (r.GetValue(model) is { } path)
            {
                ModelBundle bundle;
                try
                {
                    bundle = ModelBundle.Load(path);
                }
                catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
                {
                    throw CliException.Input(e is InvalidDataException ? e.Message : $"model bundle '{path}' not found", e);
                }
                using (bundle)
                {
                    bundleInfo = new BundleInfo(Path.GetFullPath(path), bundle.Options.MethodName, bundle.FormatVersion, bundle.Model.FeatureDimension,
                        $"{bundle.Input.Channels}x{bundle.Input.Height}x{bundle.Input.Width}", bundle.LibraryVersion, bundle.TorchVersion, bundle.CreatedUtc,
                        bundle.TrainingData.ToString(), bundle.WeightsSha256, new FileInfo(path).Length,
                        JsonSerializer.SerializeToElement(bundle.Options, CliOutput.JsonOptions));
                }
            }
            output.Result(new { command = "info", runtime, bundle = bundleInfo }, () =>
            {
                var grid = new Grid().AddColumn().AddColumn();
                grid.AddRow("SimVae", CliOutput.E(runtime.SimVae));
                grid.AddRow("libtorch", CliOutput.E(runtime.Libtorch));
                grid.AddRow("CPU threads", $"{runtime.TorchThreads} libtorch threads, {runtime.ProcessorCount} processors");
                grid.AddRow("bfloat16", CliOutput.E($"{CpuFeatures.Describe()}: native {(runtime.Bf16.Native ? "yes" : "no")}"));
                grid.AddRow("precision auto", CliOutput.E($"{runtime.Bf16.AutoExplained}; default threads {runtime.Bf16.AutoThreads}"));
                grid.AddRow("CUDA devices", runtime.CudaDevices == 0 ? "none" : runtime.CudaDevices.ToString());
                grid.AddRow(".NET", CliOutput.E(runtime.DotNet));
                grid.AddRow("OS", CliOutput.E($"{runtime.Os} ({runtime.Architecture})"));
                output.Console.Write(new Panel(grid).Header("runtime"));
                if (bundleInfo is { } b)
                {
                    var g = new Grid().AddColumn().AddColumn();
                    g.AddRow("file", CliOutput.E($"{b.Path} ({b.Bytes:N0} bytes)"));
                    g.AddRow("method", CliOutput.E(b.Method));
                    g.AddRow("features", b.FeatureDimension.ToString());
                    g.AddRow("input", CliOutput.E($"{b.Input} float32 NCHW, pixels / 255"));
                    g.AddRow("format", b.FormatVersion.ToString());
                    g.AddRow("written by", CliOutput.E($"SimVae {b.LibraryVersion}, libtorch {b.LibtorchVersion}, {b.CreatedUtc:u}"));
                    g.AddRow("trained on", CliOutput.E(b.TrainingData));
                    g.AddRow("weights sha256", CliOutput.E(b.WeightsSha256));
                    g.AddRow("options", CliOutput.E(b.Options.ToString()));
                    output.Console.Write(new Panel(g).Header("model bundle"));
                }
            });
            return ExitCodes.Success;
        });
        return command;
    }

    internal sealed record RuntimeInfo(string SimVae, string Libtorch, int TorchThreads, int ProcessorCount, int CudaDevices,
        string DotNet, string Os, string Architecture, BFloat16Info Bf16);

    /// <summary>What the CPU offers for bfloat16 and what <c>--precision auto</c> picks here (with its thread default).</summary>
    internal sealed record BFloat16Info(bool Avx512Bf16, bool AmxBf16, bool Native, string Auto, string AutoExplained, string AutoThreads);

    internal sealed record BundleInfo(string Path, string Method, int FormatVersion, int FeatureDimension, string Input, string LibraryVersion,
        string LibtorchVersion, DateTimeOffset CreatedUtc, string TrainingData, string WeightsSha256, long Bytes, JsonElement Options);
}
