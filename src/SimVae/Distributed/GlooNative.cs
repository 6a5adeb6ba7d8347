using System.Runtime.InteropServices;

namespace SimVae.Distributed;

/// <summary>
/// libsimvae_gloo.so (native/): Gloo's collectives on raw CPU memory. Loaded on first use only, so that single-process
/// training never needs it; <see cref="EnsureLoaded"/> turns a missing library into a message saying what to install.
/// </summary>
internal static unsafe partial class GlooNative
{
    private const string Library = "simvae_gloo";
    private static readonly Lazy<Exception?> LoadFailure = new(TryLoad);

    /// <summary>Throws <see cref="DistributedException"/> explaining why the library cannot be used here.</summary>
    public static void EnsureLoaded()
    {
        if (LoadFailure.Value is { } failure) throw new DistributedException(failure.Message, inner: failure.InnerException);
    }

    private static Exception? TryLoad()
    {
        if (!OperatingSystem.IsLinux())
            return new DistributedException($"data-parallel training runs on Linux only (through Gloo); this is {RuntimeInformation.OSDescription}: train in one process");
        try
        {
            NativeLibrary.Load(Library, typeof(GlooNative).Assembly, null);
            return null;
        }
        catch (DllNotFoundException e)
        {
            return new DistributedException("data-parallel training needs libsimvae_gloo.so (built from native/ with libgloo-dev) and Gloo's " +
                                            $"runtime library (Debian/Ubuntu: apt-get install libgloo0): {e.Message}", inner: e);
        }
    }

    /// <summary>The reason of the last failure on this thread.</summary>
    public static string LastError() => Marshal.PtrToStringUTF8(sg_last_error()) ?? "unknown error";

    [LibraryImport(Library)]
    private static partial IntPtr sg_last_error();

    [LibraryImport(Library)]
    public static partial void sg_sink_assign(IntPtr sink, byte* data, long length);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int sg_group_create(int rank, int size, string? iface, string? host, long timeoutMs, IntPtr owner,
        delegate* unmanaged<IntPtr, byte*, byte*, long, byte*, int, int> set,
        delegate* unmanaged<IntPtr, byte*, IntPtr, byte*, int, int> get, out IntPtr group);

    [LibraryImport(Library)]
    public static partial void sg_group_free(IntPtr group);

    [LibraryImport(Library)]
    public static partial int sg_all_reduce(IntPtr group, void* data, long count, int dtype, int op, uint tag);

    [LibraryImport(Library)]
    public static partial int sg_broadcast(IntPtr group, void* data, long bytes, int root, uint tag);

    [LibraryImport(Library)]
    public static partial int sg_all_gather(IntPtr group, void* input, void* output, long bytes, uint tag);

    [LibraryImport(Library)]
    public static partial int sg_barrier(IntPtr group, uint tag);
}
