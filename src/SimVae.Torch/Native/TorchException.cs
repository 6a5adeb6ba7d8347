namespace SimVae.Torch;

/// <summary>An error raised inside libtorch (shape mismatch, bad argument, out of memory, ...), with libtorch's message.</summary>
public sealed class TorchException : Exception
{
    /// <summary>Creates the exception with libtorch's message.</summary>
    public TorchException(string message) : base(message) { }
}
