using SimVae.Backbones;
using SimVae.Data;
using SimVae.Evaluation;
using SimVae.Research.Baselines;
using SkiaSharp;
using static TorchSharp.torch;

namespace SimVae.Research.Tests;

[TestClass]
public class BaselineTests
{
    [TestMethod]
    public void PixelFeaturesAreTheScaledPixels()
    {
        var images = SyntheticShapes.Generate(new SyntheticShapesOptions { Count = 3, Seed = 1 });
        using var pixels = BaselineFeatures.Create("pixels");
        var features = pixels.Transform(images);
        Assert.AreEqual(3, features.Rows);
        Assert.AreEqual(images.Channels * images.Height * images.Width, features.Columns);
        CollectionAssert.AreEqual(images.Image(2).ToArray().Select(b => b / 255f).ToArray(), features.Values.Skip(2 * features.Columns).ToArray());
    }

    [TestMethod]
    public void MitchellResizeDrawsAsSkiaSharpDoesForMLNet()
    {
        // The reference: what ML.NET's MLImage does for ResizeImages' default (IsoCrop, centre): SkiaSharp draws the
        // whole image into the scaled, centred destination rectangle with the Mitchell cubic.
        var random = new Random(3);
        foreach (var (height, width) in new[] { (28, 28), (20, 32) })
        {
            var grey = new byte[height * width];
            random.NextBytes(grey);
            using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
            grey.CopyTo(bitmap.GetPixelSpan());
            using var drawn = new SKBitmap(new SKImageInfo(ResNet18Features.InputSize, ResNet18Features.InputSize, SKColorType.Rgba8888, SKAlphaType.Opaque));
            float scale = Math.Max(224f / height, 224f / width);
            int x = (int)((224 - width * scale) / 2), y = (int)((224 - height * scale) / 2);
            using (var canvas = new SKCanvas(drawn))
            using (var image = SKImage.FromBitmap(bitmap))
                canvas.DrawImage(image, new SKRect(0, 0, width, height), new SKRect(x, y, x + (int)(width * scale), y + (int)(height * scale)), new SKSamplingOptions(SKCubicResampler.Mitchell));
            var expected = drawn.Pixels.Select(p => (float)p.Red).ToArray();

            using var input = tensor(grey.Select(b => b / 255f).ToArray(), [1, 1, height, width]);
            using var resized = MitchellResize.Apply(input, 224, 224);
            var actual = resized.mul(255).round().clamp(0, 255).data<float>().ToArray();
            float worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            Assert.IsTrue(worst <= 2, $"{height}x{width}: largest difference from SkiaSharp {worst} (8-bit levels)");
        }
    }

    [TestMethod]
    public void ResNet18GivesDeterministic512DimensionalFeaturesThatTellImagesApart()
    {
        var images = SyntheticShapes.Generate(new SyntheticShapesOptions { Count = 3, Seed = 2 });
        using var resnet = BaselineFeatures.Create("resnet18");
        var features = resnet.Transform(images);
        Assert.AreEqual(3, features.Rows);
        Assert.AreEqual(512, features.Columns);
        Assert.IsTrue(features.Values.All(float.IsFinite));
        var first = features.Row(0).ToArray();
        Assert.IsTrue(first.Any(v => v != 0));
        Assert.IsFalse(first.SequenceEqual(features.Row(1).ToArray()), "different images, different features");
        using var alone = images.ToTensor([0]);
        CollectionAssert.AreEqual(first, resnet.Transform(alone).Values, "the same features alone or in a batch");
    }

    [TestMethod]
    public void BaselinesRunInTheComparisonWithoutTrainingAndServeEveryBudget()
    {
        var folder = Path.Combine(Path.GetTempPath(), "simvae-baselines-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new ComparisonOptions
            {
                DataSet = "synthetic", SyntheticCount = 600, Methods = ["pixels", "resnet18", "vae"], Seeds = [1, 2], MaxSteps = 2, ProbeTrainImages = 200,
                Backbone = BackboneKind.Conv, LatentDim = 6,
                Device = CPU, OutputFolder = folder, LogEvery = 1, ViewInvarianceImages = 20,
                Probes = new ProbeOptions { Mlp = false, Gmm = false, L2Grid = [1e-2], LinearMaxIterations = 20, KMax = 3 },
            };
            var trained = new List<string?>();
            var result = ComparisonRunner.Run(options, new Recorder(p => { if (p.Stage == "train") trained.Add(p.Method); }));
            CollectionAssert.AreEqual(new[] { "vae" }, trained.Distinct().ToArray(), "baselines are not trained");
            Assert.AreEqual(2, result.StepsPerRun, "the budget is the trained methods'");
            Assert.AreEqual(500, result.TrainImages, "the methods train on every training image");
            Assert.IsTrue(result.Tasks.All(t => t.TrainRows == 200), "the probes fit on the first 200");
            RunResult Run(string method, int seed = 1) => result.Runs.Single(r => r.Method == method && r.Seed == seed);
            Assert.AreEqual(6, Run("vae").Diagnostics.Dimensions, "--latent-dim reaches the trained methods");
            Assert.AreEqual(512, Run("resnet18").Diagnostics.Dimensions, "and not the baselines");
            foreach (var baseline in BaselineFeatures.Names)
            {
                var run = Run(baseline);
                Assert.AreEqual(run.FeaturizeRowsPerSecond, Run(baseline, seed: 2).FeaturizeRowsPerSecond, $"{baseline}: featurized once for both seeds");
                Assert.AreEqual(0, run.Steps);
                Assert.IsTrue(run.FeaturizeRowsPerSecond > 0, baseline);
                Assert.IsTrue(run.Tasks["content"].Scores["linear"] > 1.0 / 10, $"{baseline} content above chance");
                Assert.IsTrue(File.Exists(Path.Combine(folder, "runs", $"{baseline}-seed1-{ComparisonCells.Untrained}.json")));
            }
            Assert.IsTrue(Run("vae").FeaturizeRowsPerSecond > 0);
            StringAssert.Contains(File.ReadAllText(Path.Combine(folder, "report.md")), "| pixels |");
            StringAssert.Contains(File.ReadAllText(Path.Combine(folder, "report.md")), "| resnet18 |");

            trained.Clear();
            var longer = ComparisonRunner.Run(options with { MaxSteps = 3 }, new Recorder(p => { if (p.Stage == "train") trained.Add(p.Method); }));
            CollectionAssert.AreEqual(new[] { "vae" }, trained.Distinct().ToArray(), "the baselines' cells serve the new budget");
            Assert.AreEqual(3, longer.StepsPerRun);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class Recorder(Action<ComparisonProgress> action) : IProgress<ComparisonProgress>
    {
        public void Report(ComparisonProgress value) => action(value);
    }
}
