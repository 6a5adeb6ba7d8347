using System.Runtime.InteropServices;

namespace SimVae.Torch.Tests;

[TestClass]
public class RuntimeTests
{
    private delegate int GetThreads();

    [TestMethod]
    public void ReportsTheBlasLibraryLibtorchLoaded()
    {
        using var product = Tensor.Ones(4, 4).MatMul(Tensor.Ones(4, 4)); // make sure BLAS is loaded
        StringAssert.Contains(TorchRuntime.BlasLibrary, "blas");
    }

    [TestMethod]
    public void SetThreadsReachesOpenBlasEvenThoughItIsLoadedLocally()
    {
        if (!NativeLibrary.TryLoad("libopenblas.so.0", out var handle) || !TorchRuntime.BlasLibrary.Contains("openblas"))
            Assert.Inconclusive("skipped: libtorch does not use OpenBLAS here");
        var get = Marshal.GetDelegateForFunctionPointer<GetThreads>(NativeLibrary.GetExport(handle, "openblas_get_num_threads"));
        int intra = TorchRuntime.Threads;
        try
        {
            TorchRuntime.SetThreads(intra, 2);
            Assert.AreEqual(2, get());
            TorchRuntime.SetThreads(intra, 1);
            Assert.AreEqual(1, get());
        }
        finally
        {
            TorchRuntime.SetThreads(intra, 1);
        }
    }
}
