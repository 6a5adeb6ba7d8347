using SimVae.Data;

namespace SimVae.Cli.Tests;

/// <summary>The Model-Builder-style samples run end to end on a tiny budget; helpers behave.</summary>
[TestClass]
public sealed class SampleTests
{
    private static string Dll(string sample, string project) =>
        Path.Combine(Cli.RepoRoot, "samples", sample, project, "bin", Cli.Configuration, "net10.0", project + ".dll");

    [TestMethod]
    [Timeout(180_000, CooperativeCancellation = true)]
    [DataRow("ClothingClassifier", "ClothingModel.zip", "predicted '")]
    [DataRow("FlipDetector", "FlipModel.zip", "upside down: predicted")]
    public void SampleTrainsSavesAndConsumes(string sample, string modelFile, string prediction)
    {
        if (!FashionMnist.IsAvailable(DataSplit.Train) || !FashionMnist.IsAvailable(DataSplit.Test))
            Assert.Inconclusive("FashionMNIST is not installed (apt-get install dataset-fashion-mnist)");
        using var folder = new TempFolder();
        var (code, output) = Processes.Run("dotnet", $"\"{Dll(sample, sample + ".Train")}\" 1 256", folder.Path, TimeSpan.FromSeconds(120));
        Assert.AreEqual(0, code, output);
        StringAssert.Contains(output, "Accuracy on 2000 test images");
        Assert.IsTrue(File.Exists(folder.File(modelFile)), output);
        (code, output) = Processes.Run("dotnet", $"\"{Dll(sample, sample + ".Consume")}\" 3", folder.Path, TimeSpan.FromSeconds(60));
        Assert.AreEqual(0, code, output);
        StringAssert.Contains(output, prediction);
    }

    /// <summary>The README's main job (samples/QuickStart), on one epoch instead of two: it trains and prints kNN accuracies beside the raw pixels'.</summary>
    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void TheReadmesMainJobTrainsAndPrintsKnnAccuracies()
    {
        if (!FashionMnist.IsAvailable(DataSplit.Train) || !FashionMnist.IsAvailable(DataSplit.Test))
            Assert.Inconclusive("FashionMNIST is not installed (apt-get install dataset-fashion-mnist)");
        using var folder = new TempFolder();
        var (code, output) = Processes.Run("dotnet", $"\"{Dll("", "QuickStart")}\" 1 simvae", folder.Path, TimeSpan.FromSeconds(540));
        Assert.AreEqual(0, code, output);
        var line = output.Split('\n').Single(l => l.StartsWith("kNN (k = 20) content accuracy on the test set: ", StringComparison.Ordinal));
        var match = System.Text.RegularExpressions.Regex.Match(line, @": ([0-9.]+)% \(raw pixels: ([0-9.]+)%\)");
        Assert.IsTrue(match.Success, line);
        double accuracy = double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        double pixels = double.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        // One epoch of the recommended preset reaches about 80%, the raw pixels about 85% (k = 20); chance is 10%.
        Assert.IsTrue(accuracy > 60, line);
        Assert.IsTrue(pixels > 80, line);
    }

    [TestMethod]
    public void BinaryFeatureFilesAreValidatedOnRead()
    {
        using var folder = new TempFolder();
        var path = folder.File("f.bin");
        FeatureFile.Write(path, FeatureFormat.Binary, new Featurization.FeatureMatrix([1, 2, 3, 4, 5, 6], 2, 3), [0, 1]);
        var (features, labels) = FeatureFile.ReadBinary(path);
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4, 5, 6 }, features.Values);
        CollectionAssert.AreEqual(new[] { 0, 1 }, labels);

        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^1]);
        Assert.ThrowsExactly<InvalidDataException>(() => FeatureFile.ReadBinary(path));
        bytes[0] = (byte)'X';
        File.WriteAllBytes(path, bytes);
        Assert.ThrowsExactly<InvalidDataException>(() => FeatureFile.ReadBinary(path));
        Assert.AreEqual(FeatureFormat.Csv, FeatureFile.Resolve("auto", "x.CSV"));
        Assert.AreEqual(FeatureFormat.Binary, FeatureFile.Resolve("auto", "x.f32"));
    }
}
