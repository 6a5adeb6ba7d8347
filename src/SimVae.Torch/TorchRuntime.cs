using System.Runtime.InteropServices;
using SimVae.Torch.Native;

namespace SimVae.Torch;

/// <summary>Process-wide libtorch settings: seeds, threads, CUDA queries, version, live-tensor count.</summary>
public static unsafe class TorchRuntime
{
    private const int ThreadsUnset = 0, ThreadsByUser = 1, ThreadsFloat32Default = 2, ThreadsBFloat16Default = 3;
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
        Volatile.Write(ref threadsConfigured, ThreadsByUser);
    }

    /// <summary>libtorch's intra-op thread count.</summary>
    public static int Threads => NativeMethods.GetNumThreads();

    /// <summary>
    /// Applies the default thread setting for the kernels about to run, unless the user called <see cref="SetThreads"/>:
    /// once per process and path (a later call for the other path switches the setting). See <see cref="DefaultThreads"/>.
    /// </summary>
    /// <param name="bfloat16Kernels">True when matrix products will run in bfloat16 (<see cref="Precision.BFloat16"/>).</param>
    public static void EnsureDefaultThreads(bool bfloat16Kernels = false)
    {
        int wanted = bfloat16Kernels ? ThreadsBFloat16Default : ThreadsFloat32Default;
        int current;
        do
        {
            current = Volatile.Read(ref threadsConfigured);
            if (current == ThreadsByUser || current == wanted) return;
        } while (Interlocked.CompareExchange(ref threadsConfigured, wanted, current) != current);
        var (intraOp, blas) = DefaultThreads(Environment.ProcessorCount, bfloat16Kernels);
        NativeMethods.Check(NativeMethods.SetNumThreads(intraOp, blas));
    }

    /// <summary>
    /// The (libtorch, OpenBLAS) thread counts <see cref="EnsureDefaultThreads"/> uses for a core count and path.
    /// float32 (OpenBLAS does the matrix products): up to 2 cores, 1 libtorch thread and all cores for OpenBLAS (measured
    /// on a 2-vCPU machine: an MLP training step took 33 ms at 1/2, 53 ms at 1/1 and 2/1, 110+ ms at 2/2, where both pools
    /// spin against each other); more cores, all of them for libtorch and 1 for OpenBLAS. libtorch itself defaults to 1
    /// thread in Debian's build.
    /// bfloat16: oneDNN runs the products on libtorch's own (OpenMP) pool and OpenBLAS is idle, so all cores go to
    /// libtorch and 1 to OpenBLAS. Measured with PyTorch 1.13 on 2 vCPUs with AVX512_BF16 (issue 14): bfloat16 linear
    /// layers of this project's MLP ran at 183–372 GFLOP/s on 1 thread and 500–528 GFLOP/s on 2.
    /// </summary>
    public static (int IntraOp, int Blas) DefaultThreads(int cores, bool bfloat16Kernels = false)
    {
        cores = Math.Max(cores, 1);
        if (bfloat16Kernels) return (cores, 1);
        return cores <= 2 ? (1, cores) : (cores, 1);
    }

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
