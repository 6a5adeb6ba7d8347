using SimVae.Torch.Native;

namespace SimVae.Torch;

/// <summary>Gradient-mode control (thread-local, as in libtorch).</summary>
public static class Autograd
{
    /// <summary>Whether operations on this thread record gradients.</summary>
    public static bool IsEnabled => NativeMethods.GradEnabled() != 0;

    /// <summary>Disables gradient recording until the returned scope is disposed (like <c>torch.no_grad()</c>).</summary>
    public static GradModeScope NoGrad() => new(false);

    /// <summary>Enables gradient recording until the returned scope is disposed (like <c>torch.enable_grad()</c>).</summary>
    public static GradModeScope EnableGrad() => new(true);

    /// <summary>Restores the previous gradient mode when disposed.</summary>
    public readonly struct GradModeScope : IDisposable
    {
        private readonly bool previous;

        internal GradModeScope(bool enabled)
        {
            previous = IsEnabled;
            NativeMethods.SetGradEnabled(enabled ? 1 : 0);
        }

        /// <summary>Restores the previous mode.</summary>
        public void Dispose() => NativeMethods.SetGradEnabled(previous ? 1 : 0);
    }
}
