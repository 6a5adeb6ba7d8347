using SimVae.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Tests.Engine;

/// <summary>Precision names and resolution, and the CPU's bfloat16 detection.</summary>
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
        var auto = PrecisionPolicy.Resolve(Precision.Auto, CPU);
        bool bf16 = CpuFeatures.NativeBFloat16 && PrecisionPolicy.AutoUsesBFloat16OnNativeCpus;
        Assert.AreEqual(bf16 ? Precision.BFloat16 : Precision.Float32, auto);
        Assert.AreEqual(Precision.Float32, PrecisionPolicy.Resolve(Precision.Auto, new Device(DeviceType.CUDA, 0)), "GPUs: float32 until measured");
        foreach (var p in new[] { Precision.Float32, Precision.BFloat16, Precision.BFloat16Emulated })
            Assert.AreEqual(p, PrecisionPolicy.Resolve(p, CPU));
        StringAssert.StartsWith(PrecisionPolicy.ExplainAuto(CPU), PrecisionPolicy.Name(auto));
        Assert.ThrowsExactly<ArgumentException>(() => PrecisionPolicy.Open(Precision.Auto));
        Assert.IsNull(PrecisionPolicy.Open(Precision.Float32));
    }

    [TestMethod]
    public void CpuDetectionAgreesWithTheKernelsFlags()
    {
        if (!File.Exists("/proc/cpuinfo")) Assert.Inconclusive("skipped: no /proc/cpuinfo to compare with");
        var flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(' ') ?? [];
        Assert.AreEqual(flags.Contains("avx512_bf16"), CpuFeatures.Avx512Bf16, CpuFeatures.Describe());
        Assert.AreEqual(flags.Contains("amx_bf16") && flags.Contains("amx_tile"), CpuFeatures.AmxBf16, CpuFeatures.Describe());
        StringAssert.Contains(CpuFeatures.Describe(), "AVX512_BF16");
    }

    [TestMethod]
    public void ALoadFailureIsExplainedWithoutBlamingAPresentBackend()
    {
        TorchRuntime.EnsureLoaded();
        // Here the library is present and loads: the explanation must not send the user after a backend package.
        var message = TorchRuntime.Explain(new NotSupportedException("add a libtorch package"));
        StringAssert.Contains(message, "loads, but TorchSharp could not initialise");
        StringAssert.Contains(message, "add a libtorch package", "TorchSharp's own words are kept at the end");
        Assert.IsFalse(message.Contains("add TorchSharp and one libtorch backend", StringComparison.Ordinal), message);
    }

    [TestMethod]
    public void OneThreadPerCoreByDefault()
    {
        Assert.AreEqual(2, TorchRuntime.DefaultThreads(2));
        Assert.AreEqual(1, TorchRuntime.DefaultThreads(0));
        Assert.AreEqual(8, TorchRuntime.DefaultThreads(8));
    }
}

/// <summary>
/// The precision-aware layers: in float32 they equal TorchSharp's functional operators; in a bfloat16 region they
/// multiply bfloat16 casts and hand float32 gradients to float32 parameters (autocast's scheme); emulation rounds
/// exactly where the bfloat16 kernels do.
/// </summary>
[TestClass]
public class MixedPrecisionLayerTests
{
    private static Tensor RoundTrip(Tensor t) => t.to(ScalarType.BFloat16).to(ScalarType.Float32);

    private static float MaxAbs(Tensor a, Tensor b) => (a.to(ScalarType.Float32) - b.to(ScalarType.Float32)).abs().max().item<float>();

    [TestMethod]
    public void Float32LayersEqualTorchSharpsOperatorsAndKeepPyTorchsNames()
    {
        manual_seed(3);
        using var scope = NewDisposeScope();
        var linear = new SimVae.Engine.Linear(7, 5);
        var conv = new SimVae.Engine.Conv2d(3, 4, 3, stride: 2, padding: 1);
        var deconv = new SimVae.Engine.ConvTranspose2d(4, 2, 4, stride: 2, padding: 1);
        CollectionAssert.AreEquivalent(new[] { "weight", "bias" }, linear.state_dict().Keys.ToArray());
        CollectionAssert.AreEqual(new long[] { 4, 2, 4, 4 }, deconv.weight.shape, "transposed kernels are [in, out, k, k]");
        var x = randn(2, 7);
        Assert.AreEqual(0f, MaxAbs(linear.forward(x), nn.functional.linear(x, linear.weight, linear.bias)));
        var image = randn(2, 3, 8, 8);
        var features = conv.forward(image);
        CollectionAssert.AreEqual(new long[] { 2, 4, 4, 4 }, features.shape);
        CollectionAssert.AreEqual(new long[] { 2, 2, 8, 8 }, deconv.forward(features).shape);
        Assert.IsNull(new SimVae.Engine.Linear(3, 2, hasBias: false).bias);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SimVae.Engine.Linear(0, 2));
    }

    [TestMethod]
    public void ParametersOutliveTheScopeTheLayerWasBuiltIn()
    {
        SimVae.Engine.Linear linear;
        SimVae.Engine.ConvTranspose2d deconv;
        using (NewDisposeScope())
        {
            linear = new SimVae.Engine.Linear(4, 3);
            deconv = new SimVae.Engine.ConvTranspose2d(2, 2, 3);
        }
        Assert.IsFalse(linear.weight.IsInvalid || linear.bias!.IsInvalid || deconv.weight.IsInvalid, "a scope closed over the layer's parameters");
        Assert.AreEqual(2, linear.state_dict().Count);
        using var y = linear.forward(ones(1, 4));
        CollectionAssert.AreEqual(new long[] { 1, 3 }, y.shape);
    }

    [TestMethod]
    public void InitialisationFollowsPyTorchsBounds()
    {
        manual_seed(4);
        using var scope = NewDisposeScope();
        var linear = new SimVae.Engine.Linear(400, 300);
        // Kaiming-uniform with a = √5 gives U(±1/√fan_in) for the weight too.
        double bound = 1 / Math.Sqrt(400);
        Assert.IsTrue(linear.weight.abs().max().item<float>() <= bound + 1e-7);
        Assert.IsTrue(linear.weight.abs().max().item<float>() > 0.95 * bound, "the draw fills the interval");
        Assert.IsTrue(linear.bias!.abs().max().item<float>() <= bound + 1e-7);
    }

    [TestMethod]
    public void BFloat16RegionMultipliesInBFloat16AndReturnsFloat32Gradients()
    {
        manual_seed(5);
        using var scope = NewDisposeScope();
        var linear = new SimVae.Engine.Linear(33, 5);
        var x = randn(4, 33);
        Tensor y;
        using (MixedPrecision.Enable(Precision.BFloat16))
        {
            Assert.IsTrue(MixedPrecision.IsActive);
            y = linear.forward(x);
            Assert.AreEqual(ScalarType.BFloat16, y.dtype, "autocast keeps the product's type");
            using (MixedPrecision.Disable()) Assert.IsFalse(MixedPrecision.IsActive);
            Assert.IsTrue(MixedPrecision.IsActive, "a nested region restores what it found");
        }
        Assert.IsFalse(MixedPrecision.IsActive);
        var reference = nn.functional.linear(x.to(ScalarType.BFloat16), linear.weight.to(ScalarType.BFloat16), linear.bias!.to(ScalarType.BFloat16));
        Assert.AreEqual(0f, MaxAbs(y, reference));
        Assert.IsTrue(MaxAbs(y, nn.functional.linear(x, linear.weight, linear.bias)) > 0, "bfloat16 rounding must show");
        MixedPrecision.ToFloat32(y).sum().backward();
        Assert.AreEqual(ScalarType.Float32, linear.weight.dtype, "master weights stay float32");
        Assert.AreEqual(ScalarType.Float32, linear.weight.grad!.dtype, "gradients reach the masters in float32");
        Assert.ThrowsExactly<ArgumentException>(() => MixedPrecision.Enable(Precision.Float32));
    }

    [TestMethod]
    public void EmulationRoundsOperandsResultAndGradients()
    {
        manual_seed(7);
        using var scope = NewDisposeScope();
        var linear = new SimVae.Engine.Linear(33, 5);
        var x = randn(4, 33);
        Tensor emulated;
        using (PrecisionPolicy.Open(Precision.BFloat16Emulated)) emulated = linear.forward(x);
        Assert.AreEqual(ScalarType.Float32, emulated.dtype);
        var expected = RoundTrip(nn.functional.linear(RoundTrip(x), RoundTrip(linear.weight), RoundTrip(linear.bias!)));
        Assert.AreEqual(0f, MaxAbs(emulated, expected));
        Assert.AreEqual(0f, MaxAbs(RoundTrip(emulated), emulated), "every output is a bfloat16 value");
        emulated.sum().backward();
        var grad = linear.weight.grad!;
        Assert.AreEqual(0f, MaxAbs(RoundTrip(grad), grad), "the gradient is rounded like autocast's casts round it");
    }

    [TestMethod]
    public void ARegionClosesOnlyOnItsThread()
    {
        var region = MixedPrecision.Enable(Precision.BFloat16);
        var e = Task.Run(() => Assert.ThrowsExactly<InvalidOperationException>(region.Dispose)).Result;
        StringAssert.Contains(e.Message, "thread");
        region.Dispose();
        Assert.IsFalse(MixedPrecision.IsActive);
    }
}
