using System.Runtime.InteropServices;
using SimVae.Torch.Native;

namespace SimVae.Torch;

/// <summary>Process-wide libtorch settings: seeds, threads, CUDA queries, version, live-tensor count.</summary>
public static unsafe class TorchRuntime
{
    private static int threadsConfigured;

    /// <summary>The libtorch version this library runs on (e.g. "1.13.0").</summary>
    public static string TorchVersion => Marshal.PtrToStringUTF8((IntPtr)NativeMethods.TorchVersion()) ?? "unknown";

    /// <summary>Seeds libtorch's CPU generator and every CUDA generator.</summary>
    public static void ManualSeed(ulong seed) => NativeMethods.Check(NativeMethods.ManualSeed(seed));

    /// <summary>
    /// Sets libtorch's intra-op thread count and pins OpenBLAS to <paramref name="blasThreads"/>
    /// (both pools busy at once oversubscribe the cores and make steps slower).
    /// </summary>
    public static void SetThreads(int intraOpThreads, int blasThreads = 1)
    {
        if (intraOpThreads < 1) throw new ArgumentOutOfRangeException(nameof(intraOpThreads), intraOpThreads, "must be at least 1");
        NativeMethods.Check(NativeMethods.SetNumThreads(intraOpThreads, blasThreads));
        Volatile.Write(ref threadsConfigured, 1);
    }

    /// <summary>libtorch's intra-op thread count.</summary>
    public static int Threads => NativeMethods.GetNumThreads();

    /// <summary>
    /// Applies the default thread setting once per process, unless the user already called <see cref="SetThreads"/>.
    /// Up to 2 cores: 1 libtorch thread and all cores for OpenBLAS (measured on a 2-vCPU machine: an MLP training
    /// step took 33 ms at 1/2, 53 ms at 1/1 and 2/1, 110+ ms at 2/2, where both pools spin against each other);
    /// more cores: all of them for libtorch and 1 for OpenBLAS. libtorch itself defaults to 1 thread in Debian's build.
    /// </summary>
    public static void EnsureDefaultThreads()
    {
        if (Interlocked.CompareExchange(ref threadsConfigured, 1, 0) != 0) return;
        var (intraOp, blas) = DefaultThreads(Environment.ProcessorCount);
        NativeMethods.Check(NativeMethods.SetNumThreads(intraOp, blas));
    }

    /// <summary>The (libtorch, OpenBLAS) thread counts <see cref="EnsureDefaultThreads"/> uses for a core count.</summary>
    public static (int IntraOp, int Blas) DefaultThreads(int cores) => cores <= 2 ? (1, Math.Max(cores, 1)) : (cores, 1);

    /// <summary>
    /// Path of the BLAS library libtorch uses for matrix multiplies ("" when none was found). Debian's
    /// libtorch takes whatever <c>libblas.so.3</c> points to: the reference BLAS is ~20× slower than OpenBLAS
    /// (<c>apt-get install libopenblas0-pthread</c>); see <see cref="UsesReferenceBlas"/>.
    /// </summary>
    public static string BlasLibrary => Marshal.PtrToStringUTF8((IntPtr)NativeMethods.BlasLibrary()) ?? "";

    /// <summary>Whether libtorch runs on the slow reference (netlib) BLAS rather than an optimised one.</summary>
    public static bool UsesReferenceBlas
    {
        get
        {
            var path = BlasLibrary;
            return path.Length > 0 && !path.Contains("openblas", StringComparison.OrdinalIgnoreCase)
                && !path.Contains("mkl", StringComparison.OrdinalIgnoreCase) && !path.Contains("blis", StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>How many CUDA devices libtorch sees (0 for a CPU-only build).</summary>
    public static int CudaDeviceCount => NativeMethods.CudaDeviceCount();

    /// <summary>Whether at least one CUDA device is usable.</summary>
    public static bool CudaAvailable => CudaDeviceCount > 0;

    /// <summary>Waits for all queued work on a CUDA device (for timing).</summary>
    public static void CudaSynchronize(int device = 0) => NativeMethods.Check(NativeMethods.CudaSynchronize(device));

    /// <summary>Native tensor handles currently alive in this process (for leak checks).</summary>
    public static long LiveTensorCount => NativeMethods.LiveTensors();
}
