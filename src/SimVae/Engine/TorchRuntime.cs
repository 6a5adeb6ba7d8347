using System.Runtime.InteropServices;
using TorchSharp;

namespace SimVae.Engine;

/// <summary>Process-wide engine settings: loading TorchSharp's native libraries, seeds, threads, CUDA queries, version.</summary>
public static class TorchRuntime
{
    private static int threadsByUser;
    private static int defaultThreadsApplied;
    private static readonly Lazy<Exception?> LoadFailure = new(TryLoad);

    /// <summary>
    /// Loads TorchSharp's native libraries (a no-op after the first success), so that a missing or unloadable backend
    /// fails here with its real cause rather than inside the first tensor operation.
    /// </summary>
    /// <exception cref="EngineUnavailableException">The libraries cannot be loaded; the message says why and what to do.</exception>
    public static void EnsureLoaded()
    {
        if (LoadFailure.Value is { } failure) throw new EngineUnavailableException(failure.Message, failure.InnerException);
    }

    private static Exception? TryLoad()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            return null;
        }
        catch (Exception e)
        {
            return new EngineUnavailableException(Explain(e), e);
        }
    }

    // TorchSharp blames a missing backend package whatever went wrong; the loader's own error names the real cause.
    internal static string Explain(Exception failure)
    {
        string library = OperatingSystem.IsWindows() ? "LibTorchSharp.dll" : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";
        string? found = null, loaderError = null;
        foreach (var candidate in new[] { Path.Combine(AppContext.BaseDirectory, library), Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native", library) })
        {
            if (!File.Exists(candidate)) continue;
            found = candidate;
            try { NativeLibrary.Free(NativeLibrary.Load(candidate)); }
            catch (DllNotFoundException e) { loaderError = e.Message; }
            break;
        }
        string advice = (found, loaderError) switch
        {
            (null, _) => $"{library} is not next to the application: add TorchSharp and one libtorch backend package (libtorch-cpu-<rid>, e.g. " +
                         "libtorch-cpu-linux-x64, TorchSharp-cpu, or TorchSharp-cuda-windows / TorchSharp-cuda-linux)",
            (_, { } error) when error.Contains("GLIBCXX", StringComparison.Ordinal) =>
                $"the system's libstdc++ is older than the one TorchSharp was built with ({error}); the SimVae package's build step " +
                "weakens that one version need in the build output (docs/packaging.md): make sure SimVaeWeakenGlibcxx is not false and rebuild",
            (_, { } error) when error.Contains("libtorch", StringComparison.Ordinal) || error.Contains("libc10", StringComparison.Ordinal) =>
                $"libtorch itself is missing ({error}): add one libtorch backend package (libtorch-cpu-<rid>, TorchSharp-cpu or TorchSharp-cuda-*)",
            (_, { } error) => $"the loader refused {found}: {error}",
            _ => $"{found} loads, but TorchSharp could not initialise",
        };
        return $"TorchSharp's native library could not be loaded: {advice}. ({failure.GetType().Name}: {failure.Message})";
    }

    /// <summary>The libtorch version this library runs on (e.g. "2.10.0").</summary>
    public static string TorchVersion
    {
        get { EnsureLoaded(); return torch.__version__; }
    }

    /// <summary>Seeds libtorch's CPU generator and every CUDA generator.</summary>
    public static void ManualSeed(ulong seed)
    {
        EnsureLoaded();
        torch.manual_seed(unchecked((long)seed));
    }

    /// <summary>Sets libtorch's intra-op thread count (the OpenMP pool that runs the matrix products and elementwise kernels).</summary>
    public static void SetThreads(int intraOpThreads)
    {
        if (intraOpThreads < 1) throw new ArgumentOutOfRangeException(nameof(intraOpThreads), intraOpThreads, "must be at least 1");
        EnsureLoaded();
        torch.set_num_threads(intraOpThreads);
        Volatile.Write(ref threadsByUser, 1);
    }

    /// <summary>libtorch's intra-op thread count.</summary>
    public static int Threads
    {
        get { EnsureLoaded(); return torch.get_num_threads(); }
    }

    /// <summary>
    /// Applies <see cref="DefaultThreads"/> once per process, unless the user called <see cref="SetThreads"/>. libtorch 2.10
    /// runs float32 products (MKL) and bfloat16 products (oneDNN) on the same OpenMP pool, so one setting serves both.
    /// </summary>
    public static void EnsureDefaultThreads()
    {
        if (Volatile.Read(ref threadsByUser) == 1 || Interlocked.Exchange(ref defaultThreadsApplied, 1) == 1) return;
        EnsureLoaded();
        torch.set_num_threads(DefaultThreads(Environment.ProcessorCount));
    }

    /// <summary>The intra-op thread count <see cref="EnsureDefaultThreads"/> uses: one per core.</summary>
    public static int DefaultThreads(int cores) => Math.Max(cores, 1);

    /// <summary>How many CUDA devices libtorch sees (0 with a CPU backend).</summary>
    public static int CudaDeviceCount
    {
        get { EnsureLoaded(); return torch.cuda.is_available() ? torch.cuda.device_count() : 0; }
    }

    /// <summary>Whether at least one CUDA device is usable.</summary>
    public static bool CudaAvailable => CudaDeviceCount > 0;
}
