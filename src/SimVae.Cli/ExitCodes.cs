namespace SimVae.Cli;

/// <summary>
/// The tool's exit codes (also in the tool's README). Scripts can rely on them: 0 is success, 2 a mistake in the
/// command line, 3 a problem with an input file or data set, 4 a training run whose loss became NaN/∞, 5 libtorch
/// or the device, 130 an interrupted run (Ctrl+C or SIGTERM; a checkpoint was written), 1 anything else.
/// </summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>An unexpected error (a bug, or an error no other code describes).</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong: unknown command or option, missing or invalid value.</summary>
    public const int Usage = 2;

    /// <summary>An input is missing or invalid: data set files, a model bundle, a checkpoint, an output folder.</summary>
    public const int Input = 3;

    /// <summary>Training diverged (the loss became NaN or infinite); the last good checkpoint is kept.</summary>
    public const int Diverged = 4;

    /// <summary>libtorch failed or the device is unusable (e.g. CUDA requested on a machine without it).</summary>
    public const int Device = 5;

    /// <summary>Interrupted (Ctrl+C / SIGINT, or SIGTERM): training stopped cleanly after writing a checkpoint (128 + SIGINT).</summary>
    public const int Cancelled = 130;
}
