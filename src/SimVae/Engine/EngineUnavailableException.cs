namespace SimVae.Engine;

/// <summary>TorchSharp's native libraries (the libtorch backend) cannot be loaded; the message says why and what to do.</summary>
public sealed class EngineUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EngineUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}
