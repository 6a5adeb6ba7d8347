using SimVae.Backbones;
using SimVae.Data;
using SimVae.Losses;
using SimVae.Methods;
using SimVae.Engine;
using TorchSharp;
using SimVae.Training;

namespace SimVae.Tests.Featurization;

/// <summary>Small, fast models and data for featurizer and bundle tests (convolutional backbone on 8×8 images).</summary>
internal static class TinyModels
{
    public const int Size = 8;

    public static ImageDataset Data(int count = 48, int seed = 0) =>
        SyntheticShapes.Generate(new SyntheticShapesOptions { Count = count, Size = Size, Seed = seed });

    /// <summary>Options of every method with some non-default values, by a short name.</summary>
    public static SslOptions Options(string method) => method switch
    {
        "simvae" => new SimVaeOptions
        {
            Backbone = BackboneKind.Conv, Height = Size, Width = Size, LatentDim = 4, BatchImages = 8, Views = 3,
            Loss = new SimVaeLossOptions { VarZGivenY = 0.2, LogVarX = -3, EntropyWeight = 2 * Math.PI },
        },
        "vae" => SimVaeOptions.Vae() with { Backbone = BackboneKind.Conv, Height = Size, Width = Size, LatentDim = 4, BatchImages = 8 },
        "beta-vae" => SimVaeOptions.BetaVae(3) with
        {
            Backbone = BackboneKind.Conv, Height = Size, Width = Size, LatentDim = 5, BatchImages = 8, WeightDecay = 1e-5,
        },
        "simvae-gaussian" => new SimVaeOptions
        {
            Backbone = BackboneKind.Conv, Height = Size, Width = Size, LatentDim = 4, BatchImages = 8, Augmentation = "none",
            Loss = new SimVaeLossOptions { Likelihood = Likelihood.Gaussian, Prior = ContentPrior.Uniform },
        },
        "simclr" => new SimClrOptions
        {
            Backbone = BackboneKind.Conv, Height = Size, Width = Size, LatentDim = 6, BatchImages = 8,
            Temperature = 0.3, ProjectionHidden = 16, ProjectionDim = 8, Augmentation = "simclr",
        },
        "vicreg" => new VicRegOptions
        {
            Backbone = BackboneKind.Conv, Height = Size, Width = Size, LatentDim = 6, BatchImages = 8, ExpanderDim = 12,
            Loss = new VicRegLossOptions { InvarianceWeight = 20, Gamma = 0.5 },
        },
        "cr-vae" => new CrVaeOptions { Backbone = BackboneKind.Conv, Height = Size, Width = Size, LatentDim = 4, BatchImages = 8, ConsistencyWeight = 2 },
        "moco" => new MoCoOptions { Backbone = BackboneKind.Conv, Height = Size, Width = Size, LatentDim = 6, BatchImages = 8, QueueSize = 24, ProjectionHidden = 16, ProjectionDim = 8, Temperature = 0.3 },
        "byol" => new ByolOptions { Backbone = BackboneKind.Conv, Height = Size, Width = Size, LatentDim = 6, BatchImages = 8, ProjectionHidden = 16, ProjectionDim = 8, TeacherMomentum = 0.99 },
        "barlow-twins" => new BarlowTwinsOptions { Backbone = BackboneKind.Conv, Height = Size, Width = Size, LatentDim = 6, BatchImages = 8, ProjectionDim = 16, Lambda = 0.01 },
        "dino" => new DinoOptions { Backbone = BackboneKind.Conv, Height = Size, Width = Size, LatentDim = 6, BatchImages = 8, HeadHidden = 16, HeadBottleneck = 8, OutputDim = 32, Views = 3 },
        _ => throw new ArgumentException(method),
    };

    /// <summary>A freshly initialised model (seeded, so the same seed gives the same weights), in eval mode.</summary>
    public static SslModel Create(string method, int seed = 7)
    {
        TorchRuntime.ManualSeed((ulong)seed);
        var model = SslModel.Create(Options(method));
        model.eval();
        return model;
    }

    /// <summary>A model trained for a few steps on <paramref name="data"/>.</summary>
    public static SslModel Trained(string method, ImageDataset data, int steps) => Trained(Options(method), data, steps);

    /// <summary>A model with <paramref name="options"/> trained for a few steps on <paramref name="data"/>.</summary>
    public static SslModel Trained(SslOptions options, ImageDataset data, int steps)
    {
        var trainer = new Trainer(new TrainerOptions { MaxSteps = steps, Device = torch.CPU, LogEvery = steps, Prefetch = 0, Seed = 3 });
        var model = trainer.CreateModel(options);
        trainer.Train(model, data);
        return model;
    }

    public static void AssertBitEqual(float[] expected, float[] actual, string what = "values")
    {
        Assert.AreEqual(expected.Length, actual.Length, $"{what}: lengths differ");
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} differs: {expected[i]:R} vs {actual[i]:R}");
    }
}
