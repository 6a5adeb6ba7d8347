namespace SimVae.Cli;

/// <summary>An error the tool reports in one line with a given exit code (see <see cref="ExitCodes"/>).</summary>
internal sealed class CliException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The process exit code.</summary>
    public int ExitCode { get; } = exitCode;

    /// <summary>A command-line mistake (exit code 2).</summary>
    public static CliException Usage(string message) => new(ExitCodes.Usage, message);

    /// <summary>A missing or invalid input (exit code 3).</summary>
    public static CliException Input(string message, Exception? inner = null) => new(ExitCodes.Input, message, inner);
}
