using System.Diagnostics;
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using SimVae.Methods;
using SimVae.Pipelines;
using SimVae.Torch;

namespace SimVae.MLNet.Tests;

[TestClass]
public class AdapterTests
{
    private const int Size = 16;

    public TestContext TestContext { get; set; } = null!;

    private static SimVaeFeaturizeOptions SimVae(long steps, int latent = 16) => new()
    {
        // A higher learning rate than the authors' 8e-5, so that a few dozen steps move the encoder.
        Method = new SimVaeOptions { Backbone = BackboneKind.Conv, Height = Size, Width = Size, LatentDim = latent, BatchImages = 32, LearningRate = 1e-3, AdamEpsilon = 1e-8 },
        MaxSteps = steps,
        Seed = 3,
        Device = Device.Cpu,
    };

    private static string TempFile(string name) => Path.Combine(Directory.CreateTempSubdirectory("simvae-mlnet-").FullName, name);

    private static IEstimator<ITransformer> Pipeline(MLContext ml, SslFeaturizingEstimator featurize) =>
        featurize
            .AppendCacheCheckpoint(ml)
            .Append(ml.Transforms.Conversion.MapValueToKey("Label"))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("Label", "Features", maximumNumberOfIterations: 30));

    [TestMethod]
    public void SimVaeFeaturizeThenSdcaLearnsTheContentTask()
    {
        var ml = new MLContext(seed: 1);
        var train = TestData.View(ml, TestData.Shapes(3000, Size, seed: 0));
        var test = TestData.View(ml, TestData.Shapes(500, Size, seed: 1));
        var options = SimVae(steps: 40, latent: 32);
        var log = new List<string>();
        options.Log = log.Add;
        var clock = Stopwatch.StartNew();
        var pipeline = ml.Transforms.SimVaeFeaturize("Features", "Pixels", options)
            .AppendCacheCheckpoint(ml)
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label"))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("Label", "Features"));
        var model = pipeline.Fit(train);
        var fitted = clock.Elapsed;
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        foreach (var line in log.TakeLast(2)) TestContext.WriteLine(line);
        TestContext.WriteLine($"SimVaeFeaturize -> SdcaMaximumEntropy on SyntheticShapes 16x16 (10 classes, 3000 train / 500 test, d = 32, 40 steps): test micro-accuracy {metrics.MicroAccuracy:F3}, macro {metrics.MacroAccuracy:F3}, fit {fitted.TotalSeconds:F1} s, total {clock.Elapsed.TotalSeconds:F1} s");
        // Chance is 0.1; this run measured 0.320 (deterministic on the CPU). For scale, SDCA on normalised raw pixels
        // reached 0.39 on a 1000/300 split: a 40-step encoder is a smoke test of the pipeline, not of SimVAE quality.
        Assert.IsTrue(metrics.MicroAccuracy >= 0.28, $"accuracy {metrics.MicroAccuracy:F3} (chance 0.1)");
    }

    [TestMethod]
    public void SaveAndLoadThroughTheModelZipGiveIdenticalOutputs()
    {
        var ml = new MLContext(seed: 1);
        var train = TestData.View(ml, TestData.Shapes(300, Size, seed: 0));
        var test = TestData.View(ml, TestData.Shapes(50, Size, seed: 1));
        var model = Pipeline(ml, ml.Transforms.SimVaeFeaturize("Features", "Pixels", SimVae(steps: 5))).Fit(train);
        var expected = model.Transform(test);
        var features = TestData.Column(expected, "Features");
        var scores = TestData.Column(expected, "Score");

        var path = TempFile("model.zip");
        ml.SaveWithSimVae(model, train.Schema, path);
        using (var zip = ZipFile.OpenRead(path))
        {
            var names = zip.Entries.Select(e => e.FullName).ToList();
            Assert.AreEqual(1, names.Count(n => n.StartsWith("SimVae/stages/", StringComparison.Ordinal)), string.Join(", ", names));
            Assert.AreEqual(1, names.Count(n => n.StartsWith("SimVae/bundles/", StringComparison.Ordinal)));
        }

        // A fresh context, as in another process: the SimVae-aware load restores the encoder.
        var other = new MLContext(seed: 2);
        var loaded = other.LoadWithSimVae(path, out var schema);
        Assert.AreEqual(train.Schema.Count, schema.Count);
        var actual = loaded.Transform(TestData.View(other, TestData.Shapes(50, Size, seed: 1)));
        Assert.AreEqual(16, ((VectorDataViewType)actual.Schema["Features"].Type).Size, "the loaded stage declares its vector size");
        AssertEqual(features, TestData.Column(actual, "Features"), "features");
        AssertEqual(scores, TestData.Column(actual, "Score"), "scores");

        // A loaded pipeline saves and loads again (its stages are found from their CustomMapping row types).
        var again = TempFile("again.zip");
        other.SaveWithSimVae(loaded, schema, again);
        var third = new MLContext().LoadWithSimVae(again, out _);
        AssertEqual(features, TestData.Column(third.Transform(test), "Features"), "features after a second round trip");

        // Prediction engines work on the loaded model.
        var engine = other.Model.CreatePredictionEngine<ShapeRow, Prediction>(loaded, inputSchemaDefinition: InputDefinition());
        var row = new ShapeRow { Pixels = TestData.Shapes(1, Size, seed: 1).Image(0).ToArray().Select(b => (float)b).ToArray(), Bytes = new byte[Size * Size] };
        CollectionAssert.AreEqual(features[0], engine.Predict(row).Features);
    }

    [TestMethod]
    public void PlainMLNetSaveAndLoadFailWithClearMessages()
    {
        var ml = new MLContext(seed: 1);
        var train = TestData.View(ml, TestData.Shapes(64, Size, seed: 0));
        var model = ml.Transforms.SimVaeFeaturize("Features", "Pixels", SimVae(steps: 1)).Fit(train);

        var save = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Model.Save(model, train.Schema, TempFile("plain.zip")));
        StringAssert.Contains(save.Message, "SaveWithSimVae");

        var path = TempFile("simvae.zip");
        ml.SaveWithSimVae(model, train.Schema, path);
        var load = Assert.Throws<Exception>(() => new MLContext().Model.Load(path, out _));
        var messages = new List<string>();
        for (Exception? e = load; e is not null; e = e.InnerException) messages.Add($"{e.GetType().Name}: {e.Message}");
        TestContext.WriteLine("plain Model.Load: " + string.Join(" --> ", messages));
        var chain = string.Join("\n", messages);
        StringAssert.Contains(chain, "LoadWithSimVae");
        StringAssert.Contains(chain, model.Stage.BundleSha256, "the contract pins the bundle hash");

        // After registering the stages, the plain load works.
        var context = new MLContext();
        Assert.AreEqual(1, context.RegisterSimVaeStages(path));
        var loaded = context.Model.Load(path, out _);
        Assert.AreEqual(16, TestData.Column(loaded.Transform(train), "Features")[0].Length);
    }

    [TestMethod]
    public void TamperedOrMissingEncodersAreRejected()
    {
        var ml = new MLContext(seed: 1);
        var train = TestData.View(ml, TestData.Shapes(64, Size, seed: 0));
        var model = ml.Transforms.SimVaeFeaturize("Features", "Pixels", SimVae(steps: 1, latent: 5)).Fit(train);
        var path = TempFile("model.zip");
        ml.SaveWithSimVae(model, train.Schema, path);
        var bundleName = $"SimVae/bundles/{model.Stage.BundleSha256}.simvae";

        var tampered = TempFile("tampered.zip");
        File.Copy(path, tampered);
        using (var zip = ZipFile.Open(tampered, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry(bundleName)!;
            byte[] bytes;
            using (var s = entry.Open()) { using var m = new MemoryStream(); s.CopyTo(m); bytes = m.ToArray(); }
            bytes[^10] ^= 0xFF;
            entry.Delete();
            using var w = zip.CreateEntry(bundleName).Open();
            w.Write(bytes);
        }
        var e = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().LoadWithSimVae(tampered, out _));
        StringAssert.Contains(e.Message, "SHA-256");

        var missing = TempFile("missing.zip");
        File.Copy(path, missing);
        using (var zip = ZipFile.Open(missing, ZipArchiveMode.Update)) zip.GetEntry(bundleName)!.Delete();
        e = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().LoadWithSimVae(missing, out _));
        StringAssert.Contains(e.Message, "is missing");
    }

    [TestMethod]
    public void WrongInputColumnsFailWithClearMessages()
    {
        var ml = new MLContext(seed: 1);
        var data = TestData.Shapes(64, Size, seed: 0);
        var train = TestData.View(ml, data);
        var estimator = ml.Transforms.SimVaeFeaturize("Features", "Pixels", SimVae(steps: 1));

        // Schema propagation without fitting.
        var shape = estimator.GetOutputSchema(TestData.Shape(ml, Size * Size, Size * Size));
        var output = shape.Single(c => c.Name == "Features");
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, output.Kind);
        Assert.AreEqual(NumberDataViewType.Single, output.ItemType);

        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SimVaeFeaturize("Features", "Image", SimVae(1)).Fit(train));
        StringAssert.Contains(missing.Message, "'Image' not found");
        StringAssert.Contains(missing.Message, "'Pixels'");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SimVaeFeaturize("Features", "Image", SimVae(1)).GetOutputSchema(TestData.Shape(ml, Size * Size, Size * Size)));

        var scalar = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SimVaeFeaturize("Features", "Label", SimVae(1)).Fit(train));
        StringAssert.Contains(scalar.Message, "must be a vector of 256 Single or Byte values (one 1x16x16 image");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SimVaeFeaturize("Features", "Label", SimVae(1)).GetOutputSchema(TestData.Shape(ml, Size * Size, Size * Size)));

        // SchemaShape carries no vector sizes: a wrong size shows at Fit and on the fitted stage.
        Assert.IsNotNull(estimator.GetOutputSchema(TestData.Shape(ml, 100, Size * Size)));
        var wrongSize = TestData.View(ml, data, pixelLength: 100);
        var size = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(wrongSize));
        StringAssert.Contains(size.Message, "256");
        StringAssert.Contains(size.Message, "100 values");

        var unscaled = new SimVaeFeaturizeOptions { Method = SimVae(1).Method, MaxSteps = 1, InputScale = 1, Device = Device.Cpu };
        var range = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SimVaeFeaturize("Features", "Pixels", unscaled).Fit(train));
        StringAssert.Contains(range.Message, "InputScale");

        // A fitted stage checks the data it is applied to.
        var model = estimator.Fit(train);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Transform(wrongSize));
        StringAssert.Contains(e.Message, "100 values");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.GetOutputSchema(wrongSize.Schema));
    }

    [TestMethod]
    public void ByteColumnsAndTheContrastiveMethodsWork()
    {
        var ml = new MLContext(seed: 1);
        var train = TestData.View(ml, TestData.Shapes(64, Size, seed: 0));
        var simclr = ml.Transforms.SimClrFeaturize("Features", "Bytes", new SimClrFeaturizeOptions
        {
            Method = new SimClrOptions { Backbone = BackboneKind.Conv, Height = Size, Width = Size, LatentDim = 6, BatchImages = 16, ProjectionHidden = 16, ProjectionDim = 8, Augmentation = "simclr" },
            MaxSteps = 2, Device = Device.Cpu,
        }).Fit(train);
        Assert.AreEqual(PixelType.Byte, simclr.Stage.InputType);
        Assert.AreEqual(6, TestData.Column(simclr.Transform(train), "Features")[0].Length);

        var vicreg = ml.Transforms.VicRegFeaturize("Features", "Pixels", new VicRegFeaturizeOptions
        {
            Method = new VicRegOptions { Backbone = BackboneKind.Conv, Height = Size, Width = Size, LatentDim = 7, BatchImages = 16, ExpanderDim = 12 },
            MaxSteps = 2, Device = Device.Cpu,
        }).Fit(train);
        var floats = TestData.Column(vicreg.Transform(train), "Features");
        Assert.AreEqual(7, floats[0].Length);

        // The same encoder on the byte column gives the same features as on the 0-255 float column.
        var bytes = TestData.Column(ml.Transforms.SslFeaturize("Features", "Bytes", vicreg.Featurizer).Fit(train).Transform(train), "Features");
        AssertEqual(floats, bytes, "byte vs float column", 1e-5f);
    }

    [TestMethod]
    public void APretrainedCoreFeaturizerIsAPipelineStage()
    {
        var data = TestData.Shapes(64, Size, seed: 0);
        var ssl = new SslContext(seed: 4, device: Device.Cpu);
        using var featurizer = ssl.Featurizers.SimVae(SimVae(1).Method, new FitOptions { MaxSteps = 2 }).Fit(data);
        var expected = featurizer.Transform(data);
        var ml = new MLContext(seed: 1);
        var model = ml.Transforms.SslFeaturize("Features", "Pixels", featurizer).Fit(TestData.View(ml, data));
        var actual = TestData.Column(model.Transform(TestData.View(ml, data)), "Features");
        // Equal up to float rounding: the pipeline scales 0-255 floats by 1/255, the core divides bytes by 255.
        AssertEqual(expected.ToRows(), actual, "core vs pipeline", 1e-5f);
    }

    private static SchemaDefinition InputDefinition()
    {
        var schema = SchemaDefinition.Create(typeof(ShapeRow));
        schema[nameof(ShapeRow.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Size * Size);
        schema[nameof(ShapeRow.Bytes)].ColumnType = new VectorDataViewType(NumberDataViewType.Byte, Size * Size);
        return schema;
    }

    private static void AssertEqual(float[][] expected, float[][] actual, string what, float tolerance = 0)
    {
        Assert.AreEqual(expected.Length, actual.Length, $"{what}: row counts");
        for (int i = 0; i < expected.Length; i++)
        {
            if (tolerance == 0)
            {
                CollectionAssert.AreEqual(expected[i], actual[i], $"{what}: row {i}");
                continue;
            }
            Assert.AreEqual(expected[i].Length, actual[i].Length, $"{what}: row {i} length");
            for (int j = 0; j < expected[i].Length; j++) Assert.AreEqual(expected[i][j], actual[i][j], tolerance, $"{what}: row {i}, element {j}");
        }
    }
}
