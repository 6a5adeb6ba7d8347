using System.Text.Json.Nodes;
using SimVae.Evaluation;
using static TorchSharp.torch;

namespace SimVae.Research.Tests;

[TestClass]
public class ComparisonRunnerTests
{
    [TestMethod]
    public void WritesTheReportFolderForATinySyntheticComparison()
    {
        using var folder = new TemporaryFolder();
        var stages = new List<string>();
        var result = ComparisonRunner.Run(Tiny(folder.Path, ["simvae", "simclr"], [1, 2]), new Recorder(p => stages.Add(p.Stage)));
        Assert.AreEqual(4, result.Runs.Count);
        CollectionAssert.IsSubsetOf(new[] { "data", "train", "features", "probe", "diagnostics", "pictures", "report", "done" }, stages.Distinct().ToArray());
        foreach (var file in new[] { "report.md", "report.json", "accuracy.png", "accuracy.svg", "losses.png", "losses.svg", "simvae-reconstructions.png", "simvae-samples.png" })
            Assert.IsTrue(File.Exists(Path.Combine(folder.Path, file)), file);
        Assert.IsFalse(File.Exists(Path.Combine(folder.Path, "simclr-reconstructions.png")), "no pictures for a discriminative method");
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder.Path, "report.json")))!;
        Assert.IsTrue((bool)json["complete"]!);
        var content = json["methods"]!["simvae"]!["tasks"]!["content"]!["linear"]!;
        Assert.AreEqual(2, content["values"]!.AsArray().Count);
        Assert.IsTrue((double)content["mean"]! is > 0 and <= 1);
        Assert.IsNotNull(json["methods"]!["simclr"]!["tasks"]!["style_scale"]);
        Assert.AreEqual(4, json["runs"]!.AsArray().Count);
        Assert.AreEqual("simvae", (string?)json["runs"]![0]!["method"]);
        StringAssert.Contains(File.ReadAllText(Path.Combine(folder.Path, "report.md")), "| simvae |");
        StringAssert.Contains(File.ReadAllText(Path.Combine(folder.Path, "report.md")), "> simclr");
        var alone = ComparisonReport.Expectations(result with { Runs = result.Runs.Where(r => r.Method == "simvae").ToList() });
        StringAssert.Contains(alone.Single(), "None of the methods the paper compares SimVAE with", "SimVAE alone: the section says why it is empty");
    }

    [TestMethod]
    public void ARerunKeepsTheFinishedCellsAndRunsOnlyTheNewOnes()
    {
        using var folder = new TemporaryFolder();
        var first = ComparisonRunner.Run(Tiny(folder.Path, ["vae"], [1]));
        var cell = Path.Combine(folder.Path, "runs", "vae-seed1-steps2.json");
        Assert.IsTrue(File.Exists(cell), "the finished cell is saved under its method, seed and budget");
        var written = File.GetLastWriteTimeUtc(cell);

        var trained = new List<(string?, int?)>();
        var second = ComparisonRunner.Run(Tiny(folder.Path, ["vae"], [1, 2]), new Recorder(p => { if (p.Stage == "train") trained.Add((p.Method, p.Seed)); }));
        CollectionAssert.AreEquivalent(new (string?, int?)[] { ("vae", 2) }, trained.Distinct().ToArray(), "only the new seed is trained");
        Assert.AreEqual(written, File.GetLastWriteTimeUtc(cell), "the kept cell is not rewritten");
        Assert.AreEqual(2, second.Runs.Count);
        var kept = second.Runs.Single(r => r.Seed == 1);
        var original = first.Runs.Single();
        Assert.AreEqual(original.Tasks["content"].Scores["linear"], kept.Tasks["content"].Scores["linear"], "the kept cell's scores are read back exactly");
        Assert.AreEqual(original.Diagnostics.EffectiveRank, kept.Diagnostics.EffectiveRank);
        CollectionAssert.AreEqual(original.LossCurve.ToArray(), kept.LossCurve.ToArray());

        var otherBudget = ComparisonRunner.Run(Tiny(folder.Path, ["vae"], [1]) with { MaxSteps = 3 });
        Assert.AreEqual(3, otherBudget.Runs.Single().Steps, "another budget is another cell");
        Assert.IsTrue(File.Exists(Path.Combine(folder.Path, "runs", "vae-seed1-steps3.json")));
    }

    [TestMethod]
    public void ACellThatRanWithOtherSettingsIsRefusedBeforeAnythingRuns()
    {
        using var folder = new TemporaryFolder();
        ComparisonRunner.Run(Tiny(folder.Path, ["vicreg"], [1]));
        var changed = Tiny(folder.Path, ["vicreg"], [1]);
        changed = changed with { Probes = changed.Probes with { KMax = 5 }, ViewInvarianceImages = 40 };
        var stages = new List<string>();
        var e = Assert.ThrowsExactly<ComparisonSettingsException>(() => ComparisonRunner.Run(changed, new Recorder(p => stages.Add(p.Stage))));
        CollectionAssert.AreEquivalent(new[] { "probes", "view_invariance_images" }, e.Settings.ToArray());
        StringAssert.Contains(e.Message, "vicreg-seed1-steps2.json");
        Assert.AreEqual(0, stages.Count, "refused before loading data or training");
    }

    [TestMethod]
    public void ChartsArePngAndSvgImagesWithContent()
    {
        using var folder = new TemporaryFolder();
        ComparisonRunner.Run(Tiny(folder.Path, ["simvae", "vicreg"], [1, 2]));
        foreach (var chart in ComparisonCharts.Names)
        {
            var png = File.ReadAllBytes(Path.Combine(folder.Path, chart + ".png"));
            CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png.Take(4).ToArray(), chart);
            Assert.IsTrue(png.Length > 10_000, $"{chart}.png has {png.Length} bytes");
            var svg = File.ReadAllText(Path.Combine(folder.Path, chart + ".svg"));
            StringAssert.Contains(svg, "<svg", chart);
            Assert.IsTrue(svg.Length > 10_000, $"{chart}.svg has {svg.Length} characters");
        }
        var accuracy = File.ReadAllText(Path.Combine(folder.Path, "accuracy.svg"));
        StringAssert.Contains(accuracy, "vicreg", "the methods label the bars");
        StringAssert.Contains(File.ReadAllText(Path.Combine(folder.Path, "losses.svg")), "simvae", "one titled panel per method");
    }

    [TestMethod]
    public void RejectsUnknownMethodsAndDataSets()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new ComparisonOptions { Methods = ["swav"] }.Validate());
        Assert.ThrowsExactly<ArgumentException>(() => new ComparisonOptions { DataSet = "cifar" }.Validate());
        Assert.AreEqual("beta-vae", new ComparisonOptions().CreateMethod("beta-vae").MethodName);
    }

    /// <summary>Two optimiser steps on 600 synthetic shapes with the cheapest probes.</summary>
    private static ComparisonOptions Tiny(string folder, string[] methods, int[] seeds) => new()
    {
        DataSet = "synthetic", SyntheticCount = 600, Methods = methods, Seeds = seeds, MaxSteps = 2,
        Device = CPU, OutputFolder = folder, LogEvery = 1, ViewInvarianceImages = 50,
        Probes = new ProbeOptions { MlpOptions = new MlpProbeOptions { Epochs = 1 }, GmmInitializations = 1, GmmMaxIterations = 5, L2Grid = [1e-2], LinearMaxIterations = 10, KMax = 3 },
    };

    private sealed class Recorder(Action<ComparisonProgress> action) : IProgress<ComparisonProgress>
    {
        public void Report(ComparisonProgress value) => action(value);
    }

    private sealed class TemporaryFolder : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "simvae-compare-" + Guid.NewGuid().ToString("N"));

        public void Dispose()
        {
            if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
        }
    }
}
