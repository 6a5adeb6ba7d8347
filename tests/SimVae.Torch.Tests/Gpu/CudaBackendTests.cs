using SimVae.Torch.Nn;
using SimVae.Torch.Optim;

namespace SimVae.Torch.Tests.Gpu;

[TestClass]
public class CudaBackendTests
{
    [TestMethod]
    public void CudnnBenchmarkFlagRoundTrips()
    {
        bool before = CudaBackend.CudnnBenchmark;
        try
        {
            CudaBackend.CudnnBenchmark = true;
            Assert.IsTrue(CudaBackend.CudnnBenchmark);
            CudaBackend.CudnnBenchmark = false;
            Assert.IsFalse(CudaBackend.CudnnBenchmark);
        }
        finally
        {
            CudaBackend.CudnnBenchmark = before;
        }
    }

    [TestMethod]
    public void MatmulPrecisionAcceptsPyTorchsValuesOnly()
    {
        CudaBackend.SetFloat32MatmulPrecision("high");
        CudaBackend.SetFloat32MatmulPrecision("highest");
        var e = Assert.ThrowsExactly<TorchException>(() => CudaBackend.SetFloat32MatmulPrecision("tf32"));
        StringAssert.Contains(e.Message, "highest");
    }

    [TestMethod]
    public void BuildInfoNamesTheVersionAndCuda()
    {
        var info = CudaBackend.BuildInfo;
        StringAssert.StartsWith(info, "libtorch " + TorchRuntime.TorchVersion);
        StringAssert.Contains(info, TorchRuntime.CudaAvailable ? "CUDA available" : "no CUDA");
    }

    /// <summary>
    /// The multi-tensor (foreach) Adam that runs for CUDA parameters, forced on for CPU tensors, against the fused
    /// per-parameter CPU kernel: Adam with L2 decay and AdamW, several steps, parameters of different shapes.
    /// </summary>
    [TestMethod]
    public void MultiTensorAdamMatchesThePerParameterKernel()
    {
        foreach (bool decoupled in new[] { false, true })
        {
            var fused = Run(decoupled, multiTensor: false);
            var foreachResult = Run(decoupled, multiTensor: true);
            Assert.AreEqual(fused.Length, foreachResult.Length);
            for (int k = 0; k < fused.Length; k++)
                Assert.AreEqual(fused[k], foreachResult[k], 1e-6 * Math.Max(1, Math.Abs(fused[k])), $"decoupled={decoupled} element {k}");
        }
    }

    private static double[] Run(bool decoupled, bool multiTensor)
    {
        TorchRuntime.ManualSeed(11);
        using var model = new Sequential(new Linear(6, 5), new ReLU(), new Linear(5, 3));
        using Adam opt = decoupled
            ? new AdamW(model.Parameters(), lr: 0.05, weightDecay: 0.1)
            : new Adam(model.Parameters(), lr: 0.05, weightDecay: 0.01);
        CudaBackend.SetMultiTensorAdam(multiTensor);
        try
        {
            for (int step = 0; step < 4; step++)
            {
                using var scope = DisposeScope.Open();
                TorchRuntime.ManualSeed((ulong)(100 + step));
                var x = Tensor.Randn([7, 6]);
                var loss = model.Forward(x).Square().Sum();
                opt.ZeroGrad();
                loss.Backward();
                opt.Step();
            }
        }
        finally
        {
            CudaBackend.SetMultiTensorAdam(null);
        }
        var values = new List<double>();
        foreach (var p in model.Parameters())
        {
            using var d = p.To(ScalarType.Float64);
            values.AddRange(d.ToArray<double>());
        }
        return values.ToArray();
    }
}

[TestClass]
public class CudaSyncDebugTests
{
    [TestMethod]
    public void SyncDebugModeNeedsACudaBuild()
    {
        if (TorchRuntime.CudaAvailable) Assert.Inconclusive("a CUDA build; bench/gpu's step-no-sync check uses it");
        var e = Assert.ThrowsExactly<TorchException>(() => CudaBackend.SetSyncDebugMode(CudaSyncDebugMode.Error));
        StringAssert.Contains(e.Message, "CUDA");
        Assert.ThrowsExactly<TorchException>(() => CudaBackend.SetSyncDebugMode((CudaSyncDebugMode)7));
    }
}
