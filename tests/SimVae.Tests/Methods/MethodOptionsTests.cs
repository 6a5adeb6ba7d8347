using SimVae.Backbones;
using SimVae.Methods;
using SimVae.Torch.Optim;

namespace SimVae.Tests.Methods;

/// <summary>Out-of-range options fail at validation naming the option; the papers' defaults are what the options hold.</summary>
[TestClass]
public class MethodOptionsTests
{
    public static IEnumerable<object[]> BadOptions() =>
    [
        [new MoCoOptions { Temperature = 0 }, "Temperature"],
        [new MoCoOptions { Temperature = -0.2 }, "Temperature"],
        [new MoCoOptions { QueueSize = 32 }, "QueueSize"],                 // smaller than a batch of 64
        [new MoCoOptions { TeacherMomentum = 1.5 }, "TeacherMomentum"],
        [new ByolOptions { TeacherMomentum = -0.1 }, "TeacherMomentum"],
        [new ByolOptions { TeacherMomentumEnd = 1.01 }, "TeacherMomentumEnd"],
        [new ByolOptions { OptimizerMomentum = 2 }, "OptimizerMomentum"],
        [new BarlowTwinsOptions { Lambda = -1 }, "Lambda"],
        [new BarlowTwinsOptions { Views = 3 }, "Views"],
        [new DinoOptions { StudentTemperature = 0 }, "StudentTemperature"],
        [new DinoOptions { TeacherTemperature = -1 }, "TeacherTemperature"],
        [new DinoOptions { TeacherTemperatureStart = 0 }, "TeacherTemperatureStart"],
        [new DinoOptions { CenterMomentum = 1.1 }, "CenterMomentum"],
        [new DinoOptions { LocalCropMinScale = 0.5, LocalCropMaxScale = 0.4 }, "LocalCropMinScale"],
        [new CrVaeOptions { ConsistencyWeight = -1 }, "ConsistencyWeight"],
        [new CrVaeOptions { Views = 3 }, "Views"],
        [new SimClrOptions { WarmupFraction = 1 }, "WarmupFraction"],
    ];

    [TestMethod]
    [DynamicData(nameof(BadOptions))]
    public void OutOfRangeOptionsFailNamingTheOption(SslOptions options, string name)
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(options.Validate);
        Assert.AreEqual(name, e.ParamName);
        StringAssert.Contains(e.Message, name);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SslModel.Create(options), "models validate their options");
    }

    [TestMethod]
    public void DefaultsAreThePapers()
    {
        var moco = new MoCoOptions();
        Assert.AreEqual((0.2, 0.999, 0.999, OptimizerKind.Sgd, 0.03 * 64 / 256), (moco.Temperature, moco.TeacherMomentum, moco.TeacherMomentumEnd, moco.Optimizer, moco.LearningRate));
        var byol = new ByolOptions();
        Assert.AreEqual((0.996, 1.0, OptimizerKind.Lars, 1.5e-6), (byol.TeacherMomentum, byol.TeacherMomentumEnd, byol.Optimizer, byol.WeightDecay));
        var barlow = new BarlowTwinsOptions();
        Assert.AreEqual(5e-3 * 8192 / 512, barlow.EffectiveLambda, 1e-12, "λ scaled from the paper's 8,192 dimensions");
        Assert.AreEqual(5e-3, (barlow with { ProjectionDim = 8192 }).EffectiveLambda, 1e-12);
        var dino = new DinoOptions();
        Assert.AreEqual((0.1, 0.04, 0.07, 0.9, 4, OptimizerKind.AdamW), (dino.StudentTemperature, dino.TeacherTemperatureStart, dino.TeacherTemperature, dino.CenterMomentum, dino.Views, dino.Optimizer));
        var crVae = new CrVaeOptions();
        Assert.AreEqual((2, 8e-5, "cr-vae"), (crVae.Views, crVae.LearningRate, crVae.MethodName));
    }

    [TestMethod]
    public void TheOptimiserAndScheduleFollowTheOptions()
    {
        using var model = SslModel.Create(new BarlowTwinsOptions { Backbone = Backbones.BackboneKind.Conv, Height = 8, Width = 8, ProjectionDim = 8, WarmupFraction = 0.1 });
        using var setup = model.ConfigureOptimizers(100);
        Assert.IsInstanceOfType<Lars>(setup.Optimizer);
        var (weights, biases) = (setup.Optimizer.ParamGroups[0], setup.Optimizer.ParamGroups[1]);
        Assert.IsTrue(biases.Parameters.All(p => p.Dim == 1) && weights.Parameters.All(p => p.Dim > 1));
        setup.BeginStep(0);   // warm-up: 1/10 of the peak
        Assert.AreEqual(0.05 / 10, weights.LearningRate, 1e-12);
        Assert.AreEqual(0.05 * 0.0048 / 0.2 / 10, biases.LearningRate, 1e-12, "Barlow Twins' bias rate keeps its ratio");
        setup.BeginStep(55);  // halfway through the cosine
        Assert.AreEqual(0.05 / 2, weights.LearningRate, 1e-12);

        using var adam = SslModel.Create(new SimVaeOptions { Backbone = Backbones.BackboneKind.Conv, Height = 8, Width = 8 });
        using var constant = adam.ConfigureOptimizers(100);
        Assert.IsInstanceOfType<Adam>(constant.Optimizer);
        constant.BeginStep(99);
        Assert.AreEqual(8e-5, constant.Optimizer.LearningRate, 1e-15);
    }
}
