using System.Runtime.InteropServices;
using SimVae.Torch.Native;

namespace SimVae.Torch;

/// <summary>Owns one native tensor handle; released exactly once, by Dispose or by the finalizer.</summary>
internal sealed class TensorHandle : SafeHandle
{
    internal TensorHandle(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.Free(handle);
        return true;
    }
}
