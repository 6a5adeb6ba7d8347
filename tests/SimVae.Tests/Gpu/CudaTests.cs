using SimVae.Engine;
using SimVae.Featurization;
using SimVae.Losses;
using SimVae.Methods;
using SimVae.Tests.Featurization;
using SimVae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Tests.Gpu;

/// <summary>
/// CUDA against the CPU, for machines with a CUDA backend (TorchSharp-cuda-*) and a GPU; elsewhere each test reports
/// "skipped: no CUDA device" (inconclusive). bench/gpu runs the larger versions of these checks (docs/gpu.md).
/// </summary>
[TestClass]
public class CudaTests
{
    private static Device RequireCuda()
    {
        if (!TorchRuntime.CudaAvailable) Assert.Inconclusive("skipped: no CUDA device");
        return new Device(DeviceType.CUDA, 0);
    }

    private static double RelativeError(Tensor reference, Tensor actual)
    {
        using var scope = NewDisposeScope();
        var a = reference.detach().cpu().to_type(ScalarType.Float64);
        var b = actual.detach().cpu().to_type(ScalarType.Float64);
        return (a - b).abs().max().ToDouble() / Math.Max(1e-6, a.abs().max().ToDouble());
    }

    [TestMethod]
    public void LossesOnCudaEqualTheCpu()
    {
        var cuda = RequireCuda();
        using var scope = NewDisposeScope();
        manual_seed(1);
        var (x, decoded, z, logVar) = (rand(8, 2, 64), randn(8, 2, 64), randn(8, 2, 4), randn(8, 2, 4));
        var (a, b) = (randn(32, 16), randn(32, 16));
        var pairs = new (string Name, Func<Device, Tensor> Loss)[]
        {
            ("simvae", d => SimVaeLoss.Compute(x.to(d), decoded.to(d), z.to(d), logVar.to(d), new SimVaeLossOptions()).Total),
            ("nt-xent", d => NtXentLoss.Compute(a.to(d), b.to(d), 0.5).Total),
            ("vicreg", d => VicRegLoss.Compute(a.to(d), b.to(d)).Total),
        };
        foreach (var (name, loss) in pairs)
        {
            var onCuda = loss(cuda);
            Assert.AreEqual(DeviceType.CUDA, onCuda.device_type, name);
            Assert.IsTrue(RelativeError(loss(CPU), onCuda) < 1e-4, name);
        }
    }

    [TestMethod]
    [DataRow(Precision.Float32)]
    [DataRow(Precision.BFloat16)]
    public void SimVaeTrainsOnCudaAndItsParametersStayThere(Precision precision)
    {
        var cuda = RequireCuda();
        var losses = new List<double>();
        var trainer = new Trainer(new TrainerOptions { MaxSteps = 20, Device = cuda, LogEvery = 5, Prefetch = 1, Seed = 2, Precision = precision });
        trainer.Progress += p => losses.Add(p.Losses["loss"]);
        using var model = trainer.CreateModel(TinyModels.Options("simvae"));
        trainer.Train(model, TinyModels.Data(64));
        Assert.AreEqual(4, losses.Count);
        Assert.IsTrue(losses.All(double.IsFinite), string.Join(", ", losses));
        foreach (var (name, p) in model.named_parameters())
        {
            Assert.AreEqual(DeviceType.CUDA, p.device_type, name);
            Assert.AreEqual(ScalarType.Float32, p.dtype, name);
        }
    }

    [TestMethod]
    public void FeaturesOnCudaEqualTheCpu()
    {
        var cuda = RequireCuda();
        using var model = TinyModels.Create("simvae");
        using var featurizer = new Featurizer(model);
        var data = TinyModels.Data(40);
        var onCpu = featurizer.Transform(data);
        model.to(cuda);
        var onCuda = featurizer.Transform(data);
        double scale = onCpu.Values.Max(v => Math.Abs(v));
        for (int k = 0; k < onCpu.Values.Length; k++)
            Assert.AreEqual(onCpu.Values[k], onCuda.Values[k], 1e-4 * scale, $"feature {k}");
    }
}
