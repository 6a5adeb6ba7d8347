using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Engine;

/// <summary>
/// Where this library's modules allocate their parameters and buffers on the current thread: normally TorchSharp's
/// default device, and libtorch's meta device (shapes without storage) inside a <see cref="ShapesOnly"/> region, so a
/// model's size can be checked before it is allocated. Per thread, unlike TorchSharp's process-wide default device, so
/// other threads' tensors are never affected. TorchSharp's own modules (batch norm) still allocate their few numbers.
/// </summary>
public static class ModuleAllocation
{
    [ThreadStatic] private static int shapesOnlyDepth;

    /// <summary>The device to pass when creating a parameter or buffer: the meta device in a region, else null (the default).</summary>
    public static Device? Device => shapesOnlyDepth > 0 ? META : null;

    /// <summary>Opens a region on this thread in which the library's modules allocate on the meta device.</summary>
    public static IDisposable ShapesOnly()
    {
        shapesOnlyDepth++;
        return new Region(Environment.CurrentManagedThreadId);
    }

    private sealed class Region(int threadId) : IDisposable
    {
        private bool disposed;

        public void Dispose()
        {
            if (disposed) return;
            if (Environment.CurrentManagedThreadId != threadId)
                throw new InvalidOperationException("a shapes-only region must be closed on the thread that opened it");
            disposed = true;
            shapesOnlyDepth--;
        }
    }
}
