using SimVae.Torch.Tests.TestSupport;

namespace SimVae.Torch.Tests.MixedPrecision;


/// <summary>Precision names and resolution, the CPU's bfloat16 detection, and the per-path thread defaults.</summary>
[TestClass]
public class PrecisionPolicyTests
{
    [TestMethod]
    public void NamesRoundTripAndBadNamesSayWhatIsAllowed()
    {
        foreach (var p in Enum.GetValues<Precision>())
            Assert.AreEqual(p, PrecisionPolicy.Parse(PrecisionPolicy.Name(p)));
        Assert.AreEqual(Precision.BFloat16, PrecisionPolicy.Parse("BF16"));
        var e = Assert.ThrowsExactly<ArgumentException>(() => PrecisionPolicy.Parse("fp16"));
        StringAssert.Contains(e.Message, "auto, fp32, bf16, bf16-emulated");
    }

    [TestMethod]
    public void AutoResolvesToAConcreteChoiceAndTheRestAsGiven()
    {
        var auto = PrecisionPolicy.Resolve(Precision.Auto, Device.Cpu);
        bool bf16 = CpuFeatures.NativeBFloat16 && PrecisionPolicy.AutoUsesBFloat16OnNativeCpus;
        Assert.AreEqual(bf16 ? Precision.BFloat16 : Precision.Float32, auto);
        Assert.AreEqual(Precision.Float32, PrecisionPolicy.Resolve(Precision.Auto, Device.Cuda()), "GPUs: float32 until measured");
        foreach (var p in new[] { Precision.Float32, Precision.BFloat16, Precision.BFloat16Emulated })
            Assert.AreEqual(p, PrecisionPolicy.Resolve(p, Device.Cpu));
        StringAssert.StartsWith(PrecisionPolicy.ExplainAuto(Device.Cpu), PrecisionPolicy.Name(auto));
        Assert.ThrowsExactly<ArgumentException>(() => PrecisionPolicy.Open(Precision.Auto, DeviceType.Cpu));
        Assert.IsNull(PrecisionPolicy.Open(Precision.Float32, DeviceType.Cpu));
    }

    [TestMethod]
    public void CpuDetectionAgreesWithTheKernelsFlags()
    {
        if (!File.Exists("/proc/cpuinfo")) Assert.Inconclusive("no /proc/cpuinfo to compare with");
        var flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(' ') ?? [];
        Assert.AreEqual(flags.Contains("avx512_bf16"), CpuFeatures.Avx512Bf16, CpuFeatures.Describe());
        Assert.AreEqual(flags.Contains("amx_bf16") && flags.Contains("amx_tile"), CpuFeatures.AmxBf16, CpuFeatures.Describe());
        StringAssert.Contains(CpuFeatures.Describe(), "AVX512_BF16");
    }

    [TestMethod]
    public void ThreadDefaultsPerPath()
    {
        Assert.AreEqual((1, 2), TorchRuntime.DefaultThreads(2));
        Assert.AreEqual((1, 1), TorchRuntime.DefaultThreads(1));
        Assert.AreEqual((8, 1), TorchRuntime.DefaultThreads(8));
        Assert.AreEqual((2, 1), TorchRuntime.DefaultThreads(2, bfloat16Kernels: true));
        Assert.AreEqual((1, 1), TorchRuntime.DefaultThreads(0, bfloat16Kernels: true));
    }
}

/// <summary>bfloat16 emulation: the layers round exactly where autocast's bfloat16 kernels do.</summary>
[TestClass]
public class BFloat16EmulationTests
{
    private static Tensor RoundTrip(Tensor t)
    {
        using var b = t.To(ScalarType.BFloat16);
        return b.To(ScalarType.Float32);
    }

    [TestMethod]
    public void LinearRoundsOperandsAndResultAndStaysFloat32()
    {
        TorchRuntime.ManualSeed(7);
        using var scope = DisposeScope.Open();
        var x = Tensor.Randn([4, 33]);
        var w = Tensor.Randn([5, 33]);
        var b = Tensor.Randn([5]);
        Tensor emulated;
        using (BFloat16Emulation.Enable()) emulated = Functional.Linear(x, w, b);
        Assert.IsFalse(BFloat16Emulation.IsActive);
        Assert.AreEqual(ScalarType.Float32, emulated.DType);
        var expected = RoundTrip(Functional.Linear(RoundTrip(x), RoundTrip(w), RoundTrip(b)));
        TensorAssert.Close(emulated, expected.ToArray<float>().Select(v => (double)v).ToArray(), [4, 5], 0);
        var plain = Functional.Linear(x, w, b);
        Assert.IsTrue((plain - emulated).Abs().Max().Item<float>() > 0, "rounding must show");
        // Every output is a bfloat16 value: rounding it again changes nothing.
        TensorAssert.Close(RoundTrip(emulated), emulated.ToArray<float>().Select(v => (double)v).ToArray(), [4, 5], 0);
    }

    [TestMethod]
    public void GradientsAreRoundedLikeAutocastsCasts()
    {
        TorchRuntime.ManualSeed(8);
        using var scope = DisposeScope.Open();
        var w = Tensor.Randn([3, 17]).RequiresGrad_();
        var x = Tensor.Randn([6, 17]);
        using (BFloat16Emulation.Enable()) Functional.Linear(x, w).Sum().Backward();
        var grad = w.Grad!;
        TensorAssert.Close(RoundTrip(grad), grad.ToArray<float>().Select(v => (double)v).ToArray(), [3, 17], 0);
    }

    [TestMethod]
    public void AutocastDisableSuspendsEmulationForTheLoss()
    {
        using (BFloat16Emulation.Enable())
        {
            Assert.IsTrue(BFloat16Emulation.IsActive);
            using (Autocast.Disable()) Assert.IsFalse(BFloat16Emulation.IsActive);
            Assert.IsTrue(BFloat16Emulation.IsActive);
            using (var region = PrecisionPolicy.Open(Precision.BFloat16Emulated, DeviceType.Cpu)) Assert.IsInstanceOfType<BFloat16Emulation>(region);
            Assert.IsTrue(BFloat16Emulation.IsActive, "a nested region restores what it found");
        }
        Assert.IsFalse(BFloat16Emulation.IsActive);
    }
}

/// <summary>The operator profiler records libtorch's operators and its summary attributes self time.</summary>
[TestClass]
public class OperatorProfilerTests
{
    [TestMethod]
    public void RecordsOperatorsWithSelfTimes()
    {
        string path = Path.Combine(Path.GetTempPath(), $"simvae-profiler-{Guid.NewGuid():N}.json");
        try
        {
            using (var scope = DisposeScope.Open())
            using (OperatorProfiler.Start(path))
            {
                var a = Tensor.Randn([64, 64]).RequiresGrad_();
                for (int k = 0; k < 3; k++) Functional.Relu(a.Mm(a)).Sum().Backward();
            }
            var entries = OperatorProfiler.Summarize(path);
            var mm = entries.Single(e => e.Name == "aten::mm");
            Assert.IsTrue(mm.Calls >= 3, $"aten::mm ran {mm.Calls} times");
            Assert.IsTrue(mm.SelfMs > 0 && mm.SelfMs <= mm.TotalMs + 1e-9);
            Assert.IsTrue(entries.Any(e => e.Name.Contains("Backward", StringComparison.Ordinal)), "backward is recorded");
            Assert.IsTrue(entries.Zip(entries.Skip(1)).All(p => p.First.SelfMs >= p.Second.SelfMs), "largest self time first");
        }
        finally
        {
            File.Delete(path);
        }
        File.WriteAllText(path, "{\"nothing\": 1}");
        try { Assert.ThrowsExactly<InvalidDataException>(() => OperatorProfiler.Summarize(path)); }
        finally { File.Delete(path); }
        Assert.ThrowsExactly<ArgumentException>(() => OperatorProfiler.Start(""));
    }
}
