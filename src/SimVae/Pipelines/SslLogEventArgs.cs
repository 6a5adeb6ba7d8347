using SimVae.Training;

namespace SimVae.Pipelines;

/// <summary>A log message from an <see cref="SslContext"/>'s components, as ML.NET's <c>LoggingEventArgs</c>.</summary>
public sealed class SslLogEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    public SslLogEventArgs(string source, string message, TrainingProgress? progress = null)
    {
        Source = source;
        Message = message;
        Progress = progress;
    }

    /// <summary>The component that wrote the message (e.g. "SslFeaturizerEstimator(simvae)").</summary>
    public string Source { get; }

    /// <summary>The message.</summary>
    public string Message { get; }

    /// <summary>The training progress the message reports, or null for other messages.</summary>
    public TrainingProgress? Progress { get; }

    /// <inheritdoc />
    public override string ToString() => $"[{Source}] {Message}";
}
