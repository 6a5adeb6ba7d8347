using SimVae.Backbones;
using SimVae.Bundles;
using SimVae.Data;
using SimVae.Methods;
using SimVae.Pipelines;
using SimVae.Tests.Featurization;
using SimVae.Torch;

namespace SimVae.Tests.Pipelines;

[TestClass]
public class PipelineTests
{
    private static ImageDataset Data(int count = 48, int seed = 0) => TinyModels.Data(count, seed);

    private static FitOptions Steps(int steps) => new() { MaxSteps = steps, LogEvery = 1, TransformBatchSize = 16 };

    [TestMethod]
    public void FitTransformSaveLoadGivesIdenticalFeatures()
    {
        var train = Data(48);
        var test = Data(20, seed: 1);
        var ssl = new SslContext(seed: 1, device: Device.Cpu);
        var messages = new List<SslLogEventArgs>();
        ssl.Log += (_, e) => messages.Add(e);
        var estimator = ssl.Featurizers.SimVae((SimVaeOptions)TinyModels.Options("simvae"), Steps(3));
        Assert.AreEqual(new FeatureSchema(4, "simvae"), estimator.GetOutputSchema(new ModelInput(1, 8, 8)));

        using var featurizer = estimator.Fit(train);
        Assert.AreEqual(new ModelInput(1, 8, 8), featurizer.InputSchema);
        Assert.AreEqual(4, featurizer.OutputSchema.Length);
        Assert.AreEqual("float32", featurizer.OutputSchema.ElementType);
        Assert.AreEqual(Device.Cpu, featurizer.Device);
        Assert.AreEqual(DataFingerprint.Of(train), featurizer.TrainingData);
        Assert.AreEqual(3, messages.Count(m => m.Progress is not null), "one progress message per step");
        Assert.IsTrue(messages.Any(m => m.Message.StartsWith("training on", StringComparison.Ordinal)));

        var features = featurizer.Transform(test);
        Assert.AreEqual(20, features.Rows);
        Assert.AreEqual(4, features.Columns);
        Assert.IsTrue(features.Values.All(float.IsFinite));

        using var folder = new TempFolder();
        var path = folder.File("shapes.simvae");
        featurizer.Save(path);
        using var loaded = ssl.Model.Load(path, batchSize: 16);
        Assert.AreEqual(featurizer.InputSchema, loaded.InputSchema);
        Assert.AreEqual(featurizer.OutputSchema, loaded.OutputSchema);
        Assert.AreEqual(featurizer.Options, loaded.Options);
        Assert.AreEqual(featurizer.TrainingData, loaded.TrainingData);
        TinyModels.AssertBitEqual(features.Values, loaded.Transform(test).Values, "features after load");

        // Through a stream too.
        using var buffer = new MemoryStream();
        featurizer.Save(buffer);
        buffer.Position = 0;
        using var fromStream = ssl.Model.Load(buffer, batchSize: 16);
        TinyModels.AssertBitEqual(features.Values, fromStream.Transform(test).Values, "features after a stream round trip");
    }

    [TestMethod]
    public void FloatInputsAgreeWithImageDatasets()
    {
        var train = Data(32);
        var ssl = new SslContext(seed: 5, device: Device.Cpu);
        var options = (SimClrOptions)TinyModels.Options("simclr");
        var shape = new ModelInput(1, 8, 8);
        float[][] Floats(ImageDataset d) => Enumerable.Range(0, d.Count).Select(i => d.Image(i).ToArray().Select(b => b / 255f).ToArray()).ToArray();

        using var fromBytes = ssl.Featurizers.SimClr(options, Steps(2)).Fit(train);
        using var fromFloats = ssl.Featurizers.SimClr(options, Steps(2)).Fit(Floats(train), shape);
        var expected = fromBytes.Transform(train);
        // Same seed and the same pixels give the same model, whichever way the images came in.
        TinyModels.AssertBitEqual(expected.Values, fromFloats.Transform(train).Values, "model fitted on floats");
        TinyModels.AssertBitEqual(expected.Values, fromBytes.Transform(Floats(train)).Values, "float[] input");
    }

    [TestMethod]
    [DataRow("simclr", 6)]
    [DataRow("vicreg", 5)]
    [DataRow("vae", 3)]
    [DataRow("beta-vae", 3)]
    [DataRow("simvae", 4)]
    public void FlatOverloadsTakeTheShapeFromTheData(string method, int latent)
    {
        var ssl = new SslContext(seed: 2, device: Device.Cpu);
        var catalog = ssl.Featurizers;
        var estimator = method switch
        {
            "simclr" => catalog.SimClr(latentDimension: latent, maxSteps: 1, backbone: BackboneKind.Conv, batchImages: 8),
            "vicreg" => catalog.VicReg(latentDimension: latent, maxSteps: 1, backbone: BackboneKind.Conv, batchImages: 8),
            "vae" => catalog.Vae(latentDimension: latent, maxSteps: 1, backbone: BackboneKind.Conv, batchImages: 8),
            "beta-vae" => catalog.BetaVae(beta: 2, latentDimension: latent, maxSteps: 1, backbone: BackboneKind.Conv),
            _ => catalog.SimVae(latentDimension: latent, maxSteps: 1, backbone: BackboneKind.Conv, batchImages: 8),
        };
        var data = method == "beta-vae" ? Data(64) : Data(16);
        Assert.AreEqual(new FeatureSchema(latent, method), estimator.GetOutputSchema(new ModelInput(1, 8, 8)));
        using var featurizer = estimator.Fit(data);
        Assert.AreEqual(method, featurizer.Options.MethodName);
        Assert.AreEqual(new ModelInput(1, 8, 8), featurizer.InputSchema);
        Assert.AreEqual(latent, featurizer.Transform(data).Columns);
    }

    [TestMethod]
    public void SchemaMismatchesFailWithClearMessages()
    {
        var ssl = new SslContext(seed: 1, device: Device.Cpu);
        var estimator = ssl.Featurizers.SimVae((SimVaeOptions)TinyModels.Options("simvae"), Steps(1));
        var wrongShape = Assert.ThrowsExactly<ArgumentException>(() => estimator.GetOutputSchema(new ModelInput(3, 8, 8)));
        StringAssert.Contains(wrongShape.Message, "3x8x8");
        StringAssert.Contains(wrongShape.Message, "1x8x8");
        var wrongNorm = Assert.ThrowsExactly<ArgumentException>(() => estimator.GetOutputSchema(new ModelInput(1, 8, 8, Normalization: "ImageNet mean/std")));
        StringAssert.Contains(wrongNorm.Message, "normalisation");
        var wrongData = Assert.ThrowsExactly<ArgumentException>(() => estimator.Fit(SyntheticShapes.Generate(new SyntheticShapesOptions { Count = 16, Size = 10 })));
        StringAssert.Contains(wrongData.Message, "1x10x10");
        // The flat overloads accept any size the backbone supports, but not an unsupported channel count.
        var flat = ssl.Featurizers.SimVae(maxSteps: 1);
        Assert.AreEqual(10, flat.GetOutputSchema(new ModelInput(1, 16, 16)).Length);
        var channels = Assert.ThrowsExactly<ArgumentException>(() => flat.GetOutputSchema(new ModelInput(2, 16, 16)));
        StringAssert.Contains(channels.Message, "Channels");

        using var featurizer = estimator.Fit(Data(16));
        Assert.ThrowsExactly<ArgumentException>(() => featurizer.GetOutputSchema(new ModelInput(1, 28, 28)));
        Assert.AreEqual(4, featurizer.GetOutputSchema(new ModelInput(1, 8, 8)).Length);
        var length = Assert.ThrowsExactly<ArgumentException>(() => featurizer.Transform([new float[10]]));
        StringAssert.Contains(length.Message, "64");
        var range = Assert.ThrowsExactly<ArgumentException>(() => estimator.Fit(Enumerable.Repeat(new float[64], 8).Append(Enumerable.Repeat(2f, 64).ToArray()), new ModelInput(1, 8, 8)));
        StringAssert.Contains(range.Message, "[0, 1]");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ssl.Featurizers.SimVae(views: 1));
        Assert.ThrowsExactly<ArgumentException>(() => ssl.Featurizers.Vae(new SimVaeOptions()));
    }

    [TestMethod]
    public void LoadingSomethingElseFailsClearly()
    {
        using var folder = new TempFolder();
        var path = folder.File("not-a-model.simvae");
        File.WriteAllText(path, "hello");
        var ssl = new SslContext(device: Device.Cpu);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ssl.Model.Load(path));
        StringAssert.Contains(e.Message, "not-a-model.simvae");
        Assert.AreEqual(Defaults.Seed, ssl.Seed);
    }

    [TestMethod]
    [DataRow("cr-vae")]
    [DataRow("moco")]
    [DataRow("byol")]
    [DataRow("barlow-twins")]
    [DataRow("dino")]
    public void EveryRegisteredMethodFitsSavesAndLoads(string method)
    {
        var train = Data(48);
        var test = Data(12, seed: 1);
        var ssl = new SslContext(seed: 2, device: Device.Cpu);
        using var featurizer = ssl.Featurizers.For(TinyModels.Options(method), Steps(2)).Fit(train);
        Assert.AreEqual(method, featurizer.OutputSchema.Method);
        var features = featurizer.Transform(test);
        Assert.AreEqual(TinyModels.Options(method).LatentDim, features.Columns);
        using var buffer = new MemoryStream();
        featurizer.Save(buffer);
        buffer.Position = 0;
        using var loaded = ssl.Model.Load(buffer, batchSize: 16);
        Assert.AreEqual(featurizer.Options, loaded.Options);
        TinyModels.AssertBitEqual(features.Values, loaded.Transform(test).Values, $"{method} features after load");
    }

    [TestMethod]
    public void AnyMethodByNameTakesItsShapeFromTheData()
    {
        var ssl = new SslContext(seed: 3, device: Device.Cpu);
        using var featurizer = ssl.Featurizers.For("barlow-twins", maxSteps: 1).Fit(Data(64));
        Assert.AreEqual(new ModelInput(1, 8, 8), featurizer.InputSchema);
        Assert.IsInstanceOfType<BarlowTwinsOptions>(featurizer.Options);
        var e = Assert.ThrowsExactly<ArgumentException>(() => ssl.Featurizers.For("swav"));
        StringAssert.Contains(e.Message, "byol");
    }

    [TestMethod]
    public void DefaultsAgreeWithTheOptionsRecords()
    {
        var simvae = new SimVaeOptions();
        Assert.AreEqual(simvae.LatentDim, Defaults.LatentDimension);
        Assert.AreEqual(simvae.Views, Defaults.SimVaeViews);
        Assert.AreEqual(simvae.BatchImages, Defaults.BatchImages);
        Assert.AreEqual(simvae.Backbone, Defaults.Backbone);
        Assert.AreEqual(simvae.LearningRate, Defaults.SimVaeLearningRate);
        Assert.AreEqual(SimVaeOptions.BetaVae().Loss.Beta, Defaults.Beta);
        Assert.AreEqual(new SimClrOptions().LearningRate, Defaults.ContrastiveLearningRate);
        Assert.AreEqual(new VicRegOptions().LearningRate, Defaults.ContrastiveLearningRate);
        Assert.AreEqual(new SimClrOptions().Temperature, Defaults.Temperature);
        Assert.AreEqual(new SimVae.Training.TrainerOptions().Seed, Defaults.Seed);
        Assert.AreEqual(new SimVae.Training.TrainerOptions().Epochs, Defaults.Epochs);
        Assert.AreEqual(new SimVae.Training.TrainerOptions().LogEvery, Defaults.LogEvery);
        var fit = new FitOptions();
        Assert.AreEqual(Defaults.Epochs, fit.Epochs);
        Assert.IsNull(fit.MaxSteps);
    }
}
