using System.CommandLine;
using System.CommandLine.Help;
using System.Text.Json;
using SimVae.Cli.Commands;
using SimVae.Data;
using System.Runtime.InteropServices;
using SimVae.Distributed;
using SimVae.Engine;
using SimVae.Training;
using Spectre.Console;

namespace SimVae.Cli;

/// <summary>
/// The <c>simvae</c> command line: builds the commands, parses, runs, and turns every failure into one line on stderr
/// (plus a JSON error object on stdout with <c>--json</c>) and an exit code from <see cref="ExitCodes"/>.
/// Runs in-process for tests: give it writers and a cancellation token.
/// </summary>
internal static class SimVaeCli
{
    /// <summary>Most <c>--threads</c> accepted: 4 per processor (more only adds scheduling overhead and memory).</summary>
    public static int MaxThreads => 4 * Environment.ProcessorCount;

    /// <summary>Runs the tool on the process console (stdout, stderr), cancelled by <paramref name="cancellation"/>.</summary>
    public static int Run(string[] args, CancellationToken cancellation)
    {
        bool redirected = Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Out),
            // Redirected output (a file, a pipe) gets plain text: no escape codes, no live progress rendering.
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected) console.Profile.Width = 160;
        return Run(args, console, Console.Out, Console.Error, cancellation);
    }

    /// <summary>Runs the tool writing to <paramref name="stdout"/> and <paramref name="stderr"/> (no colours, no live rendering).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellation = default)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 160;
        return Run(args, console, stdout, stderr, cancellation);
    }

    private static int Run(string[] args, IAnsiConsole console, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var output = new CliOutput(console, stdout, stderr, cancellation);
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress or messages; errors only", Recursive = true };
        var json = new Option<bool>("--json") { Description = "Write the result (or the error) as one JSON document on stdout; no progress", Recursive = true };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Show stack traces with errors", Recursive = true };
        var threads = new Option<int?>("--threads")
        {
            Description = $"libtorch CPU threads, 1..{MaxThreads} (4 per processor; default: all processors)", Recursive = true,
        }.Range(1, MaxThreads);

        // A plain command named "simvae" (not RootCommand, which takes the assembly's name SimVae.Cli for usage lines).
        var root = new Command("simvae",
            "simvae: self-supervised representation learning on images (SimVAE, VAE, β-VAE, SimCLR, VICReg) on libtorch.\n" +
            "Exit codes: 0 success, 1 unexpected error, 2 bad command line, 3 missing or invalid input, 4 training diverged, 5 libtorch/device error, 130 interrupted by Ctrl+C or SIGTERM (checkpoint written).")
        {
            TrainCommand.Create(output),
            FeaturizeCommand.Create(output),
            ExportCommand.Create(output),
            EvaluateCommand.CreateEvaluate(output),
            CompareCommand.Create(output),
            InfoCommand.Create(output),
            ExportImagesCommand.Create(output),
        };
        root.Add(new HelpOption());
        root.Add(new VersionOption());
        root.Add(quiet);
        root.Add(json);
        root.Add(verbose);
        root.Add(threads);

        ParseResult parse;
        try
        {
            parse = root.Parse(args);
        }
        catch (Exception e)
        {
            return Report(output, CliException.Usage($"cannot parse the command line: {e.Message}"));
        }
        output.Quiet = parse.GetValue(quiet);
        output.Json = parse.GetValue(json);
        output.Verbose = parse.GetValue(verbose);
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            var command = parse.CommandResult.Command;
            var name = command == root ? "simvae" : $"simvae {command.Name}";
            var message = string.Join("; ", parse.Errors.Select(e => e.Message));
            return Report(output, CliException.Usage($"{message} (see '{name} --help')"));
        }
        try
        {
            if (parse.GetValue(threads) is { } n) TorchRuntime.SetThreads(n);
            return parse.Invoke(new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            });
        }
        catch (Exception e)
        {
            return Report(output, e);
        }
    }

    /// <summary>The exit code for an exception, and the one-line message to show.</summary>
    internal static (int Code, string Message) Classify(Exception e) => e switch
    {
        CliException c => (c.ExitCode, c.Message),
        OperationCanceledException => (ExitCodes.Cancelled, "interrupted"),
        TrainingDivergedException => (ExitCodes.Diverged, $"training diverged: {e.Message}"),
        FileNotFoundException f => (ExitCodes.Input, f.FileName is { } file && !f.Message.Contains(file, StringComparison.Ordinal) ? $"{f.Message} ({file})" : f.Message),
        DirectoryNotFoundException or InvalidDataException or DataSetFormatException or UnauthorizedAccessException or IOException => (ExitCodes.Input, e.Message),
        EngineUnavailableException => (ExitCodes.Device, e.Message),
        ExternalException => (ExitCodes.Device, $"libtorch: {e.Message}"),
        DistributedException => (ExitCodes.Device, $"distributed training: {e.Message}"),
        DllNotFoundException => (ExitCodes.Device, e.Message),
        ArgumentException a => (ExitCodes.Usage, a.ParamName is { } p ? a.Message.Replace($" (Parameter '{p}')", "", StringComparison.Ordinal) : a.Message),
        _ => (ExitCodes.Failure, $"{e.GetType().Name}: {e.Message}"),
    };

    private static int Report(CliOutput output, Exception e)
    {
        var (code, message) = Classify(e);
        // One line: the first line of the message (libtorch messages carry C++ backtraces below it).
        var line = message.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? e.GetType().Name;
        output.Error.WriteLine($"simvae: error: {line}");
        if (output.Verbose) output.Error.WriteLine(e.ToString());
        output.Error.Flush();
        if (output.Json)
        {
            output.Stdout.WriteLine(JsonSerializer.Serialize(new { error = new { exitCode = code, message = line } }, CliOutput.JsonOptions));
            output.Stdout.Flush();
        }
        return code;
    }
}
