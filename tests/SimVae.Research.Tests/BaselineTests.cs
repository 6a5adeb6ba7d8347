using SimVae.Data;
using SimVae.Evaluation;
using SimVae.Research.Baselines;
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
    public void BaselinesRunInTheComparisonWithoutTrainingAndServeEveryBudget()
    {
        var folder = Path.Combine(Path.GetTempPath(), "simvae-baselines-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new ComparisonOptions
            {
                DataSet = "synthetic", SyntheticCount = 600, Methods = ["pixels", "vae"], Seeds = [1], MaxSteps = 2,
                Device = CPU, OutputFolder = folder, LogEvery = 1, ViewInvarianceImages = 20,
                Probes = new ProbeOptions { Mlp = false, Gmm = false, L2Grid = [1e-2], LinearMaxIterations = 20, KMax = 3 },
            };
            var trained = new List<string?>();
            var result = ComparisonRunner.Run(options, new Recorder(p => { if (p.Stage == "train") trained.Add(p.Method); }));
            CollectionAssert.AreEqual(new[] { "vae" }, trained.Distinct().ToArray(), "baselines are not trained");
            Assert.AreEqual(2, result.StepsPerRun, "the budget is the trained methods'");
            foreach (var baseline in BaselineFeatures.Names)
            {
                var run = result.Runs.Single(r => r.Method == baseline);
                Assert.AreEqual(0, run.Steps);
                Assert.IsTrue(run.FeaturizeRowsPerSecond > 0, baseline);
                Assert.IsTrue(run.Tasks["content"].Scores["linear"] > 1.0 / 10, $"{baseline} content above chance");
                Assert.IsTrue(File.Exists(Path.Combine(folder, "runs", $"{baseline}-seed1-{ComparisonCells.Untrained}.json")));
            }
            Assert.IsTrue(result.Runs.Single(r => r.Method == "vae").FeaturizeRowsPerSecond > 0);
            StringAssert.Contains(File.ReadAllText(Path.Combine(folder, "report.md")), "| pixels |");

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
