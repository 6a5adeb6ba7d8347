using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace SimVae.Cli.Tests;

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("simvae-cli-tests-");

    public string Path => folder.FullName;

    public string File(string name) => System.IO.Path.Combine(folder.FullName, name);

    public void Dispose()
    {
        try { folder.Delete(recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>The result of one in-process run of the tool.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json()
    {
        try
        {
            using var document = JsonDocument.Parse(Stdout);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new AssertFailedException($"stdout is not one JSON document ({e.Message}):\n{Stdout}\nstderr:\n{Stderr}");
        }
    }

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

internal static class Cli
{
    /// <summary>Runs <c>simvae</c> in this process with captured output.</summary>
    public static CliRun Run(params string[] args) => Run(CancellationToken.None, args);

    public static CliRun Run(CancellationToken cancellation, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = SimVaeCli.Run(args, stdout, stderr, cancellation);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The built tool (src/SimVae.Cli's output in this configuration), to run in its own process.</summary>
    public static string ToolDll => System.IO.Path.Combine(RepoRoot, "src", "SimVae.Cli", "bin", Configuration, "net10.0", "SimVae.Cli.dll");

    /// <summary>The repository root (the folder holding SimVae.MLNet.sln), found from the test's output folder.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The configuration this test assembly was built in (the tool and libraries were built in the same one).</summary>
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (System.IO.File.Exists(System.IO.Path.Combine(d.FullName, "SimVae.MLNet.sln"))) return d.FullName;
        throw new InvalidOperationException($"SimVae.MLNet.sln not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>Runs external processes (dotnet, the tool) with a time limit, capturing their output.</summary>
internal static class Processes
{
    public static (int ExitCode, string Output) Run(string file, string arguments, string workingDirectory, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Start(file, arguments, workingDirectory, environment, out var output);
        if (!process.WaitForExit(timeout))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw new AssertFailedException($"'{file} {arguments}' did not finish within {timeout.TotalSeconds:F0} s; output so far:\n{output}");
        }
        process.WaitForExit();
        return (process.ExitCode, output.ToString());
    }

    public static Process Start(string file, string arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment, out StringBuilder output)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        // No compiler server: a lingering server process would hold the redirected output open.
        info.Environment["UseSharedCompilation"] = "false";
        info.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        var process = new Process { StartInfo = info };
        var buffer = new StringBuilder();
        output = buffer;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (buffer) buffer.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (buffer) buffer.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
