using SimVae.Data;
using SimVae.Featurization;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Tests.Featurization;

[TestClass]
public class FeaturizerTests
{
    [TestMethod]
    public void TransformIsDeterministicAndAgreesForDataSetsAndTensors()
    {
        var data = TinyModels.Data(40);
        using var model = TinyModels.Create("simvae");
        var featurizer = new Featurizer(model);
        var first = featurizer.Transform(data, batchSize: 16);
        Assert.AreEqual(40, first.Rows);
        Assert.AreEqual(4, first.Columns);
        Assert.IsTrue(first.Values.All(float.IsFinite));
        TinyModels.AssertBitEqual(first.Values, featurizer.Transform(data, batchSize: 16).Values, "second call");
        using var images = data.ToTensor();
        TinyModels.AssertBitEqual(first.Values, featurizer.Transform(images, batchSize: 16).Values, "tensor input");
        // Another batch size gives the same features up to rounding.
        var whole = featurizer.Transform(data, batchSize: 1000);
        for (int i = 0; i < whole.Values.Length; i++) Assert.AreEqual(first.Values[i], whole.Values[i], 1e-5f);
        // Rows are the images in order (a batch of one is another batch size: equal up to rounding, as above).
        using var one = data.ToTensor([7]);
        var single = featurizer.Transform(one).Row(0).ToArray();
        for (int j = 0; j < single.Length; j++) Assert.AreEqual(first.Row(7)[j], single[j], 1e-5f);
    }

    [TestMethod]
    [DataRow("simclr", 6)]
    [DataRow("vicreg", 6)]
    [DataRow("beta-vae", 5)]
    public void EveryMethodGivesItsFeatureDimension(string method, int dimension)
    {
        using var model = TinyModels.Create(method);
        var features = new Featurizer(model).Transform(TinyModels.Data(10));
        Assert.AreEqual(10, features.Rows);
        Assert.AreEqual(dimension, features.Columns);
        Assert.AreEqual(dimension, features.ToRows()[9].Length);
    }

    [TestMethod]
    public void IsThreadSafe()
    {
        var data = TinyModels.Data(48);
        using var model = TinyModels.Create("simvae");
        var featurizer = new Featurizer(model);
        var single = featurizer.Transform(data, batchSize: 16).Values;
        var content = featurizer.ContentFeatures(data, views: 4, seed: 5, batchSize: 32).Values;
        var variance = featurizer.PosteriorVariance(data, batchSize: 16).Values;
        var scores = featurizer.AnomalyScores(data, seed: 9, batchSize: 16);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            try
            {
                for (int call = 0; call < 10; call++)
                {
                    // Each thread mixes the kinds of call, so different ones overlap in time.
                    switch ((t + call) % 4)
                    {
                        case 0: TinyModels.AssertBitEqual(single, featurizer.Transform(data, batchSize: 16).Values, "features"); break;
                        case 1: TinyModels.AssertBitEqual(content, featurizer.ContentFeatures(data, views: 4, seed: 5, batchSize: 32).Values, "content"); break;
                        case 2: TinyModels.AssertBitEqual(variance, featurizer.PosteriorVariance(data, batchSize: 16).Values, "variance"); break;
                        default: TinyModels.AssertBitEqual(scores, featurizer.AnomalyScores(data, seed: 9, batchSize: 16), "anomaly"); break;
                    }
                }
            }
            catch (Exception e)
            {
                failures.Add($"thread {t}: {e.Message}");
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.IsTrue(failures.IsEmpty, string.Join("\n", failures));
    }

    [TestMethod]
    public void LeavesGradModeAsItWasAndFreesItsTensors()
    {
        var data = TinyModels.Data(20);
        using var model = TinyModels.Create("vae");
        var featurizer = new Featurizer(model);
        featurizer.Transform(data); // warm up
        long live = Tensor.TotalCount;
        Assert.IsTrue(torch.is_grad_enabled());
        featurizer.Transform(data, batchSize: 8);
        featurizer.ContentFeatures(data, views: 3);
        featurizer.PosteriorVariance(data);
        featurizer.AnomalyScores(data, samples: 2);
        Assert.IsTrue(torch.is_grad_enabled(), "grad mode must be restored");
        Assert.IsTrue(Tensor.TotalCount <= live, "no tensor may outlive a call");
    }

    [TestMethod]
    public void ContentFeaturesAverageAugmentedViews()
    {
        var data = TinyModels.Data(24);
        using var model = TinyModels.Create("simvae");
        var featurizer = new Featurizer(model);
        var single = featurizer.Transform(data);
        var k1 = featurizer.ContentFeatures(data, views: 1, seed: 1);
        var k8 = featurizer.ContentFeatures(data, views: 8, seed: 1);
        Assert.AreEqual((24, 4), (k1.Rows, k1.Columns));
        Assert.AreEqual((24, 4), (k8.Rows, k8.Columns));
        Assert.IsTrue(k8.Values.All(float.IsFinite));
        Assert.IsTrue(MaxAbsDifference(single.Values, k8.Values) > 1e-4, "K = 8 augmented views must differ from the plain image's features");
        TinyModels.AssertBitEqual(k8.Values, featurizer.ContentFeatures(data, views: 8, seed: 1).Values, "same seed");
        Assert.IsTrue(MaxAbsDifference(k8.Values, featurizer.ContentFeatures(data, views: 8, seed: 2).Values) > 0, "another seed draws other views");
        // Averaging over more views moves the estimate less from seed to seed than a single view does.
        double spread1 = MaxAbsDifference(k1.Values, featurizer.ContentFeatures(data, views: 1, seed: 2).Values);
        double spread8 = MaxAbsDifference(k8.Values, featurizer.ContentFeatures(data, views: 8, seed: 2).Values);
        Assert.IsTrue(spread8 < spread1, $"K = 8 spread {spread8} should be below K = 1 spread {spread1}");
        // The views of a pass are augmented separately, with any batch size.
        var small = featurizer.ContentFeatures(data, views: 8, seed: 1, batchSize: 8);
        Assert.AreEqual(k8.Values.Length, small.Values.Length);
    }

    [TestMethod]
    public void ContentFeaturesWorkForDiscriminativeMethodsAndWithoutAugmentation()
    {
        var data = TinyModels.Data(12);
        using var simclr = TinyModels.Create("simclr");
        var content = new Featurizer(simclr).ContentFeatures(data, views: 4);
        Assert.AreEqual((12, 6), (content.Rows, content.Columns));
        Assert.IsTrue(MaxAbsDifference(content.Values, new Featurizer(simclr).Transform(data).Values) > 1e-5);

        using var plain = TinyModels.Create("simvae-gaussian"); // augmentation "none": every view is the image
        var f = new Featurizer(plain);
        TinyModels.AssertBitEqual(f.Transform(data).Values, f.ContentFeatures(data, views: 5).Values, "no augmentation");
    }

    [TestMethod]
    public void PosteriorVarianceIsPositiveAndOnlyForTheVaeFamily()
    {
        var data = TinyModels.Data(16);
        using var model = TinyModels.Create("simvae");
        var variance = new Featurizer(model).PosteriorVariance(data);
        Assert.AreEqual((16, 4), (variance.Rows, variance.Columns));
        Assert.IsTrue(variance.Values.All(v => v > 0 && float.IsFinite(v)));

        using var vicreg = TinyModels.Create("vicreg");
        var featurizer = new Featurizer(vicreg);
        Assert.IsFalse(featurizer.IsGenerative);
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => featurizer.PosteriorVariance(data)).Message, "vicreg");
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => featurizer.AnomalyScores(data)).Message, "VAE-family");
    }

    [TestMethod]
    public void AnomalyScoresAreDeterministicAndHigherForNoiseAfterTraining()
    {
        var train = TinyModels.Data(64);
        // A high learning rate so that 30 steps teach the decoder what the images look like.
        var options = TinyModels.Options("vae") with { LearningRate = 3e-3 };
        using var model = TinyModels.Trained(options, train, steps: 30);
        var featurizer = new Featurizer(model);
        var held = TinyModels.Data(32, seed: 99); // unseen images of the same kind
        var random = new Random(4);
        var noisePixels = new byte[32 * TinyModels.Size * TinyModels.Size];
        random.NextBytes(noisePixels);
        var noise = new ImageDataset(noisePixels, 32, 1, TinyModels.Size, TinyModels.Size, name: "noise");

        var heldScores = featurizer.AnomalyScores(held, seed: 1);
        var noiseScores = featurizer.AnomalyScores(noise, seed: 1);
        Assert.IsTrue(heldScores.Concat(noiseScores).All(float.IsFinite));
        TinyModels.AssertBitEqual(heldScores, featurizer.AnomalyScores(held, seed: 1), "same seed");
        Assert.IsTrue(MaxAbsDifference(heldScores, featurizer.AnomalyScores(held, seed: 2)) > 0, "another seed draws another z");
        double heldMean = heldScores.Average(), noiseMean = noiseScores.Average();
        Console.WriteLine($"mean negative ELBO: held-out shapes {heldMean:F1} (min {heldScores.Min():F1}, max {heldScores.Max():F1}), noise {noiseMean:F1} (min {noiseScores.Min():F1})");
        Assert.IsTrue(noiseMean > heldMean, $"noise should look less like the training data: noise {noiseMean}, held-out shapes {heldMean}");
        // Most noise images score above the typical shape image.
        double median = heldScores.Order().ElementAt(heldScores.Length / 2);
        Assert.IsTrue(noiseScores.Count(s => s > median) >= noiseScores.Length * 3 / 4, "most noise scores above the shapes' median");
        // More samples: the same kind of number, averaged.
        var averaged = featurizer.AnomalyScores(held, samples: 4, seed: 1);
        Assert.AreEqual(heldMean, averaged.Average(), Math.Abs(heldMean) * 0.2 + 1);
    }

    [TestMethod]
    public void RejectsWrongInputsAndATrainingModeModel()
    {
        using var model = TinyModels.Create("simvae");
        var featurizer = new Featurizer(model);
        var wrongSize = SyntheticShapes.Generate(new SyntheticShapesOptions { Count = 2, Size = 12 });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => featurizer.Transform(wrongSize)).Message, "12x12");
        using (var doubles = torch.zeros(new long[] { 2, 1, 8, 8 }, ScalarType.Float64))
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => featurizer.Transform(doubles)).Message, "float32");
        using (var flat = torch.zeros(2, 64))
            Assert.ThrowsExactly<ArgumentException>(() => featurizer.Transform(flat));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => featurizer.Transform(TinyModels.Data(2), batchSize: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => featurizer.ContentFeatures(TinyModels.Data(2), views: 0));
        var empty = featurizer.Transform(TinyModels.Data(0));
        Assert.AreEqual((0, 4), (empty.Rows, empty.Columns));
        model.train();
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => featurizer.Transform(TinyModels.Data(2))).Message, "training mode");
    }

    private static double MaxAbsDifference(float[] a, float[] b)
    {
        Assert.AreEqual(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
