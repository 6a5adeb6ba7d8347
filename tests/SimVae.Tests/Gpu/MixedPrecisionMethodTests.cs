using SimVae.Losses;
using SimVae.Methods;
using SimVae.Tests.Featurization;
using SimVae.Torch;
using SimVae.Torch.Optim;
using SimVae.Training;

namespace SimVae.Tests.Gpu;

/// <summary>
/// The methods under mixed precision, on the CPU (bfloat16 CPU autocast goes through the same dispatcher path as
/// CUDA autocast): the networks run in bfloat16, the loss and its terms come out float32, gradients reach the
/// float32 parameters, and without autocast nothing changes.
/// </summary>
[TestClass]
public class MixedPrecisionMethodTests
{
    public static IEnumerable<object[]> Methods => [["simvae"], ["vae"], ["simvae-gaussian"], ["simclr"], ["vicreg"]];

    private static Tensor Views(SslOptions o, int seed)
    {
        TorchRuntime.ManualSeed((ulong)seed);
        return Tensor.Rand([(long)o.Views * o.BatchImages, o.Channels, o.Height, o.Width]);
    }

    [TestMethod]
    [DynamicData(nameof(Methods))]
    public void LossIsFloat32UnderAutocastAndCloseToTheFloat32Loss(string method)
    {
        using var model = TinyModels.Create(method);
        model.Train();
        using var views = Views(model.Options, 3);
        double reference, mixed;
        using (DisposeScope.Open())
        {
            TorchRuntime.ManualSeed(9);
            var loss = model.Loss(views);
            Assert.AreEqual(ScalarType.Float32, loss.Total.DType);
            reference = loss.Total.ToDouble();
        }
        using (DisposeScope.Open())
        {
            TorchRuntime.ManualSeed(9);
            LossTerms loss;
            using (Autocast.Enable(ScalarType.BFloat16, DeviceType.Cpu)) loss = model.Loss(views);
            Assert.AreEqual(ScalarType.Float32, loss.Total.DType, "the loss is computed in float32");
            foreach (var (name, term) in loss.Terms) Assert.AreEqual(ScalarType.Float32, term.DType, name);
            mixed = loss.Total.ToDouble();
        }
        Assert.IsTrue(double.IsFinite(mixed));
        Assert.AreEqual(reference, mixed, 0.05 * Math.Max(1, Math.Abs(reference)), $"{method}: bf16 networks, float32 loss");
        Assert.IsFalse(Autocast.IsAnyEnabled);
    }

    [TestMethod]
    public void NetworksRunInBFloat16InsideTheRegion()
    {
        using var model = (SimVaeModel)TinyModels.Create("simvae");
        using var images = Views(model.Options, 4);
        using (Autocast.Enable(ScalarType.BFloat16, DeviceType.Cpu))
        {
            var (mean, logVar) = model.Posterior(images);
            using (mean)
            using (logVar)
                Assert.AreEqual(ScalarType.BFloat16, mean.DType);
        }
    }

    [TestMethod]
    [DynamicData(nameof(Methods))]
    public void TrainingStepsUnderAutocastKeepParametersAndGradientsFloat32(string method)
    {
        using var model = TinyModels.Create(method);
        model.Train();
        using var opt = new Adam(model.Parameters(), 1e-3);
        for (int step = 0; step < 3; step++)
        {
            using var scope = DisposeScope.Open();
            var views = Views(model.Options, 10 + step);
            LossTerms loss;
            using (Autocast.Enable(ScalarType.BFloat16, DeviceType.Cpu)) loss = model.Loss(views);
            opt.ZeroGrad();
            loss.Total.Backward();
            foreach (var p in model.Parameters())
            {
                using var g = p.Grad;
                if (g is null) continue;
                Assert.AreEqual(ScalarType.Float32, g.DType);
                Assert.IsTrue(double.IsFinite(g.Abs().Sum().ToDouble()), "finite gradients");
            }
            opt.Step();
        }
        foreach (var p in model.Parameters()) Assert.AreEqual(ScalarType.Float32, p.DType);
    }
}

/// <summary>The trainer's mixed-precision switch (CPU bfloat16 here; the same code path opens a CUDA region on a GPU).</summary>
[TestClass]
public class MixedPrecisionTrainerTests
{
    [TestMethod]
    public void TrainerTrainsUnderBFloat16AndLeavesAutocastOff()
    {
        var data = TinyModels.Data(64);
        var losses = new List<double>();
        var trainer = new Trainer(new TrainerOptions
        {
            MaxSteps = 12, Device = Device.Cpu, LogEvery = 4, Prefetch = 0, Seed = 3, MixedPrecision = ScalarType.BFloat16,
        });
        trainer.Progress += p => losses.Add(p.Losses["loss"]);
        using var model = trainer.CreateModel(TinyModels.Options("simvae"));
        trainer.Train(model, data);
        Assert.AreEqual(3, losses.Count);
        Assert.IsTrue(losses.All(double.IsFinite), string.Join(", ", losses));
        foreach (var p in model.Parameters()) Assert.AreEqual(ScalarType.Float32, p.DType);
        Assert.IsFalse(Autocast.IsAnyEnabled);
    }

    [TestMethod]
    public void OnlyReducedTypesAreAccepted()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Trainer(new TrainerOptions { MixedPrecision = ScalarType.Float32 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Trainer(new TrainerOptions { MixedPrecision = ScalarType.Int64 }));
        _ = new Trainer(new TrainerOptions { MixedPrecision = ScalarType.Float16, Device = Device.Cpu });
    }
}
