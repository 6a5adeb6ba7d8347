using SimVae.Engine;
using SimVae.Losses;
using SimVae.Methods;
using SimVae.Tests.Featurization;
using SimVae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Tests.Gpu;

/// <summary>
/// The methods under mixed precision, on the CPU (the bf16 region is the same code on CUDA): the networks run in
/// bfloat16, the loss and its terms come out float32, gradients reach the float32 parameters, and without a region
/// nothing changes.
/// </summary>
[TestClass]
public class MixedPrecisionMethodTests
{
    public static IEnumerable<object[]> Methods => [["simvae"], ["vae"], ["simvae-gaussian"], ["simclr"], ["vicreg"]];

    private static Tensor Views(SslOptions o, int seed)
    {
        TorchRuntime.ManualSeed((ulong)seed);
        return rand((long)o.Views * o.BatchImages, o.Channels, o.Height, o.Width);
    }

    [TestMethod]
    [DynamicData(nameof(Methods))]
    public void LossIsFloat32InABFloat16RegionAndCloseToTheFloat32Loss(string method)
    {
        using var model = TinyModels.Create(method);
        model.train();
        using var views = Views(model.Options, 3);
        double reference, mixed;
        using (NewDisposeScope())
        {
            TorchRuntime.ManualSeed(9);
            var loss = model.Loss(views);
            Assert.AreEqual(ScalarType.Float32, loss.Total.dtype);
            reference = loss.Total.ToDouble();
        }
        using (NewDisposeScope())
        {
            TorchRuntime.ManualSeed(9);
            LossTerms loss;
            using (MixedPrecision.Enable(Precision.BFloat16)) loss = model.Loss(views);
            Assert.AreEqual(ScalarType.Float32, loss.Total.dtype, "the loss is computed in float32");
            foreach (var (name, term) in loss.Terms) Assert.AreEqual(ScalarType.Float32, term.dtype, name);
            mixed = loss.Total.ToDouble();
        }
        Assert.IsTrue(double.IsFinite(mixed));
        Assert.AreEqual(reference, mixed, 0.05 * Math.Max(1, Math.Abs(reference)), $"{method}: bf16 networks, float32 loss");
        Assert.IsFalse(MixedPrecision.IsActive);
    }

    [TestMethod]
    public void NetworksRunInBFloat16InsideTheRegion()
    {
        using var model = (SimVaeModel)TinyModels.Create("simvae");
        using var images = Views(model.Options, 4);
        using var scope = NewDisposeScope();
        using (MixedPrecision.Enable(Precision.BFloat16))
            Assert.AreEqual(ScalarType.BFloat16, model.Posterior(images).Mean.dtype);
        Assert.AreEqual(ScalarType.Float32, model.Posterior(images).Mean.dtype, "outside the region");
    }

    [TestMethod]
    [DynamicData(nameof(Methods))]
    public void TrainingStepsInABFloat16RegionKeepParametersAndGradientsFloat32(string method)
    {
        using var model = TinyModels.Create(method);
        model.train();
        using var optimizer = model.ConfigureOptimizers(3);
        for (int step = 0; step < 3; step++)
        {
            using var scope = NewDisposeScope();
            var views = Views(model.Options, 10 + step);
            LossTerms loss;
            using (MixedPrecision.Enable(Precision.BFloat16)) loss = model.Loss(views);
            optimizer.ZeroGrad();
            loss.Total.backward();
            foreach (var p in model.parameters())
            {
                if (p.grad is not { } g) continue;
                Assert.AreEqual(ScalarType.Float32, g.dtype);
                Assert.IsTrue(double.IsFinite(g.abs().sum().ToDouble()), "finite gradients");
            }
            optimizer.Step();
        }
        foreach (var p in model.parameters()) Assert.AreEqual(ScalarType.Float32, p.dtype);
    }
}

/// <summary>The trainer's precision switch (CPU bfloat16 here; the same code opens the region on a GPU).</summary>
[TestClass]
public class MixedPrecisionTrainerTests
{
    [TestMethod]
    public void TrainerTrainsInBFloat16AndLeavesTheRegionClosed()
    {
        var data = TinyModels.Data(64);
        var losses = new List<double>();
        var trainer = new Trainer(new TrainerOptions
        {
            MaxSteps = 12, Device = CPU, LogEvery = 4, Prefetch = 0, Seed = 3, Precision = Precision.BFloat16,
        });
        trainer.Progress += p => losses.Add(p.Losses["loss"]);
        using var model = trainer.CreateModel(TinyModels.Options("simvae"));
        trainer.Train(model, data);
        Assert.AreEqual(3, losses.Count);
        Assert.IsTrue(losses.All(double.IsFinite), string.Join(", ", losses));
        foreach (var p in model.parameters()) Assert.AreEqual(ScalarType.Float32, p.dtype);
        Assert.IsFalse(MixedPrecision.IsActive);
    }

    [TestMethod]
    public void UnknownPrecisionIsRejectedAndAutoResolves()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Trainer(new TrainerOptions { Precision = (Precision)42 }));
        StringAssert.Contains(e.Message, "Precision must be one of");
        var trainer = new Trainer(new TrainerOptions { Device = CPU });
        Assert.AreEqual(PrecisionPolicy.Resolve(Precision.Auto, CPU), trainer.Precision);
        Assert.AreNotEqual(Precision.Auto, trainer.Precision);
    }

    [TestMethod]
    public void ACheckpointResumesOnlyInItsOwnPrecision()
    {
        var data = TinyModels.Data(64);
        string path = Path.Combine(Path.GetTempPath(), $"simvae-precision-{Guid.NewGuid():N}.ckpt");
        try
        {
            Trainer Make(Precision precision, long steps) => new(new TrainerOptions
            {
                MaxSteps = steps, Device = CPU, LogEvery = 1, Prefetch = 0, Seed = 4, CheckpointPath = path, Precision = precision,
            });
            using (var model = Make(Precision.BFloat16Emulated, 2).CreateModel(TinyModels.Options("simvae")))
                Make(Precision.BFloat16Emulated, 2).Train(model, data);
            using (var model = Make(Precision.Float32, 3).CreateModel(TinyModels.Options("simvae")))
            {
                var e = Assert.ThrowsExactly<InvalidDataException>(() => Make(Precision.Float32, 3).Train(model, data, resume: true));
                StringAssert.Contains(e.Message, "mixedPrecision");
            }
            using (var model = Make(Precision.BFloat16Emulated, 3).CreateModel(TinyModels.Options("simvae")))
                Assert.IsTrue(double.IsFinite(Make(Precision.BFloat16Emulated, 3).Train(model, data, resume: true)["loss"]));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void EmulatedBFloat16TrainsCloseToBFloat16AndDiffersFromFloat32()
    {
        var data = TinyModels.Data(64);
        double LastLoss(Precision precision)
        {
            var trainer = new Trainer(new TrainerOptions { MaxSteps = 8, Device = CPU, LogEvery = 8, Prefetch = 0, Seed = 5, Precision = precision });
            using var model = trainer.CreateModel(TinyModels.Options("simvae"));
            var loss = trainer.Train(model, data)["loss"];
            Assert.IsFalse(MixedPrecision.IsActive);
            return loss;
        }
        double fp32 = LastLoss(Precision.Float32), bf16 = LastLoss(Precision.BFloat16), emulated = LastLoss(Precision.BFloat16Emulated);
        Assert.AreNotEqual(fp32, emulated, "emulation must change the numerics");
        // bfloat16 keeps 8 significant bits (relative rounding 2^-9): the summed losses agree to a fraction of a percent.
        Assert.AreEqual(bf16, emulated, Math.Abs(bf16) * 5e-3, $"fp32 {fp32}, bf16 {bf16}, emulated {emulated}");
    }
}
