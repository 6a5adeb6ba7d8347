using System.Runtime.InteropServices;

namespace SimVae.Bench.Gpu;

/// <summary>
/// Device memory in use as the CUDA driver sees it (cuMemGetInfo: total − free, so libtorch's caching allocator's
/// reserved blocks count). TorchSharp exposes no torch.cuda memory statistics; the driver library is on every CUDA
/// machine. Null where there is no driver or no current context on this thread.
/// </summary>
internal static unsafe class CudaMemory
{
    private static readonly delegate* unmanaged<nuint*, nuint*, int> MemGetInfo = Load();

    private static delegate* unmanaged<nuint*, nuint*, int> Load()
    {
        if (!NativeLibrary.TryLoad("libcuda.so.1", out var driver) || !NativeLibrary.TryGetExport(driver, "cuMemGetInfo_v2", out var export))
            return null;
        return (delegate* unmanaged<nuint*, nuint*, int>)export;
    }

    /// <summary>Bytes in use on the current device, or null when the driver cannot say.</summary>
    public static long? UsedBytes()
    {
        if (MemGetInfo == null) return null;
        nuint free, total;
        return MemGetInfo(&free, &total) == 0 ? (long)(total - free) : null;
    }
}
