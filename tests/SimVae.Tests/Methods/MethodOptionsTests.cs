using SimVae.Backbones;
using SimVae.Methods;
using SimVae.Optim;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

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
        var (weights, biases) = (setup.ParamGroups[0], setup.ParamGroups[1]);
        Assert.IsTrue(biases.Parameters.All(p => p.dim() == 1) && weights.Parameters.All(p => p.dim() > 1));
        Assert.AreEqual(model.TrainableParameters().Count(), setup.ParameterCount);
        setup.BeginStep(0);   // warm-up: 1/10 of the peak
        Assert.AreEqual(0.05 / 10, weights.LearningRate, 1e-12);
        Assert.AreEqual(0.05 * 0.0048 / 0.2 / 10, biases.LearningRate, 1e-12, "Barlow Twins' bias rate keeps its ratio");
        setup.BeginStep(55);  // halfway through the cosine
        Assert.AreEqual(0.05 / 2, weights.LearningRate, 1e-12);

        using var adam = SslModel.Create(new SimVaeOptions { Backbone = Backbones.BackboneKind.Conv, Height = 8, Width = 8 });
        using var constant = adam.ConfigureOptimizers(100);
        Assert.IsInstanceOfType<Adam>(constant.Optimizer);
        constant.BeginStep(99);
        Assert.AreEqual(8e-5, constant.LearningRate, 1e-15);

        using var moco = SslModel.Create(new MoCoOptions { Backbone = BackboneKind.Conv, Height = 8, Width = 8, ProjectionHidden = 8, ProjectionDim = 4 });
        using var sgd = moco.ConfigureOptimizers(10);
        Assert.IsInstanceOfType<SGD>(sgd.Optimizer);
        Assert.AreEqual(moco.TrainableParameters().Count(), sgd.ParameterCount, "the teacher is not optimised");
        using var dino = SslModel.Create(new DinoOptions { Backbone = BackboneKind.Conv, Height = 8, Width = 8, HeadHidden = 8, HeadBottleneck = 4, OutputDim = 8 });
        using var adamW = dino.ConfigureOptimizers(10);
        Assert.IsInstanceOfType<AdamW>(adamW.Optimizer);
    }

    /// <summary>
    /// Per-method rules live in the options' Validate (not in the CLI): with one view per image, every method either
    /// refuses the options naming <c>Views</c> or computes its loss.
    /// </summary>
    [TestMethod]
    public void EveryMethodValidatesItsViewCount()
    {
        foreach (var name in SslMethods.Names)
        {
            var options = MethodTrainingTests.Small(name) with { Views = 1 };
            try
            {
                options.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                Assert.AreEqual(nameof(SslOptions.Views), e.ParamName, name);
                continue;
            }
            using var model = SslModel.Create(options);
            using var scope = NewDisposeScope();
            Assert.IsTrue(double.IsFinite(model.Loss(MethodTrainingTests.Views(options, seed: 1)).Total.ToDouble()), name);
        }
    }
}
