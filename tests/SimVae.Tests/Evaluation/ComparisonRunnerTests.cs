using System.Text.Json.Nodes;
using SimVae.Evaluation;
using SimVae.Evaluation.Comparison;
using static TorchSharp.torch;

namespace SimVae.Tests.Evaluation;

[TestClass]
public class ComparisonRunnerTests
{
    [TestMethod]
    public void WritesTheReportFolderForATinySyntheticComparison()
    {
        var folder = Path.Combine(Path.GetTempPath(), "simvae-compare-" + Guid.NewGuid().ToString("N"));
        try
        {
            var stages = new List<string>();
            var options = new ComparisonOptions
            {
                DataSet = "synthetic", SyntheticCount = 600, Methods = ["simvae", "simclr"], Seeds = [1, 2], MaxSteps = 2,
                Device = CPU, OutputFolder = folder, LogEvery = 1, ViewInvarianceImages = 50,
                Probes = new ProbeOptions { MlpOptions = new MlpProbeOptions { Epochs = 1 }, GmmInitializations = 1, GmmMaxIterations = 5, L2Grid = [1e-2], LinearMaxIterations = 10, KMax = 3 },
            };
            var result = ComparisonRunner.Run(options, new Recorder(p => stages.Add(p.Stage)));
            Assert.AreEqual(4, result.Runs.Count);
            CollectionAssert.IsSubsetOf(new[] { "data", "train", "features", "probe", "diagnostics", "pictures", "report", "done" }, stages.Distinct().ToArray());
            foreach (var file in new[] { "report.md", "report.json", "accuracy.svg", "losses.svg", "simvae-reconstructions.png", "simvae-samples.png" })
                Assert.IsTrue(File.Exists(Path.Combine(folder, file)), file);
            Assert.IsFalse(File.Exists(Path.Combine(folder, "simclr-reconstructions.png")), "no pictures for a discriminative method");
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "report.json")))!;
            Assert.IsTrue((bool)json["complete"]!);
            var content = json["methods"]!["simvae"]!["tasks"]!["content"]!["linear"]!;
            Assert.AreEqual(2, content["values"]!.AsArray().Count);
            Assert.IsTrue((double)content["mean"]! is > 0 and <= 1);
            Assert.IsNotNull(json["methods"]!["simclr"]!["tasks"]!["style_scale"]);
            Assert.IsTrue(File.ReadAllText(Path.Combine(folder, "accuracy.svg")).StartsWith("<svg", StringComparison.Ordinal));
            StringAssert.Contains(File.ReadAllText(Path.Combine(folder, "report.md")), "| simvae |");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void RejectsUnknownMethodsAndDataSets()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new ComparisonOptions { Methods = ["swav"] }.Validate());
        Assert.ThrowsExactly<ArgumentException>(() => new ComparisonOptions { DataSet = "cifar" }.Validate());
        Assert.AreEqual("beta-vae", new ComparisonOptions().CreateMethod("beta-vae").MethodName);
    }

    private sealed class Recorder(Action<ComparisonProgress> action) : IProgress<ComparisonProgress>
    {
        public void Report(ComparisonProgress value) => action(value);
    }
}
