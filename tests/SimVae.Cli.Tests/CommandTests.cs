using System.Globalization;
using System.Text.Json;
using SimVae.Data;
using SimVae.Engine;
using TorchSharp;

namespace SimVae.Cli.Tests;

/// <summary>The commands run in-process on tiny synthetic-shapes work: exit codes, files, JSON output, errors.</summary>
[TestClass]
public sealed class CommandTests
{
    private static TempFolder folder = null!;
    private static string bundle = null!;

    /// <summary>Arguments that train the paper's configuration (MLP, d = 10) for two steps on 128 generated images.</summary>
    private static string[] TinyTrain(string output, params string[] extra) =>
        ["train", "--preset", "paper", "--dataset", "synthetic", "--limit", "128", "--batch-size", "32", "--max-steps", "2", "--device", "cpu", "--output", output, .. extra];

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        folder = new TempFolder();
        bundle = folder.File("tiny.simvae");
        var run = Cli.Run(TinyTrain(bundle, "--quiet"));
        Assert.AreEqual(0, run.ExitCode, run.ToString());
    }

    [ClassCleanup]
    public static void Cleanup() => folder?.Dispose();

    [TestMethod]
    public void TrainWritesBundleAndCheckpointAndReportsJson()
    {
        var path = folder.File("json.simvae");
        var run = Cli.Run(TinyTrain(path, "--json", "--method", "vae"));
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var json = run.Json();
        Assert.AreEqual("train", json.GetProperty("command").GetString());
        Assert.AreEqual("vae", json.GetProperty("method").GetString());
        Assert.AreEqual(2, json.GetProperty("steps").GetInt64());
        Assert.IsTrue(double.IsFinite(json.GetProperty("losses").GetProperty("loss").GetDouble()));
        Assert.IsTrue(File.Exists(path), "bundle");
        Assert.IsTrue(File.Exists(path + ".ckpt"), "checkpoint");
        Assert.IsFalse(run.Stderr.Contains("error", StringComparison.Ordinal), run.Stderr);
    }

    [TestMethod]
    public void TrainHumanOutputNamesTheBundle()
    {
        var path = folder.File("human.simvae");
        var run = Cli.Run(TinyTrain(path, "--method", "simclr"));
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Stdout, "Training simclr");
        StringAssert.Contains(run.Stdout, "Saved human.simvae".Replace("human.simvae", path));
    }

    [TestMethod]
    public void ResumeContinuesFromTheCheckpoint()
    {
        var path = folder.File("resume.simvae");
        Assert.AreEqual(0, Cli.Run(TinyTrain(path, "--quiet")).ExitCode);
        var run = Cli.Run(["train", "--preset", "paper", "--dataset", "synthetic", "--limit", "128", "--batch-size", "32", "--max-steps", "3", "--device", "cpu",
            "--output", path, "--resume", "--json", "--log-every", "1"]);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual(3, run.Json().GetProperty("steps").GetInt64());
    }

    [TestMethod]
    public void ResumingWithOtherSettingsIsAnInputError()
    {
        var path = folder.File("mismatch.simvae");
        Assert.AreEqual(0, Cli.Run(TinyTrain(path, "--quiet")).ExitCode);
        var run = Cli.Run(TinyTrain(path, "--quiet", "--resume", "--latent-dim", "4"));
        Assert.AreEqual(ExitCodes.Input, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Stderr, "cannot resume");
        var seed = Cli.Run(TinyTrain(path, "--quiet", "--resume", "--seed", "7"));
        Assert.AreEqual(ExitCodes.Input, seed.ExitCode, seed.ToString());
    }

    [TestMethod]
    public void CancelledTrainingWritesACheckpointAndExits130()
    {
        var path = folder.File("cancelled.simvae");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var run = Cli.Run(cancelled.Token, TinyTrain(path, "--quiet"));
        Assert.AreEqual(ExitCodes.Cancelled, run.ExitCode, run.ToString());
        Assert.IsTrue(File.Exists(path + ".ckpt"), "a checkpoint is written on cancellation");
        Assert.IsFalse(File.Exists(path), "no bundle for an interrupted run");
        StringAssert.Contains(run.Stderr, "--resume");
    }

    [TestMethod]
    public void FeaturizeWritesCsvWithIndexLabelAndFeatures()
    {
        var csv = folder.File("features.csv");
        var run = Cli.Run("featurize", "--model", bundle, "--dataset", "synthetic", "--limit", "20", "--output", csv, "--quiet");
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Stdout);
        var lines = File.ReadAllLines(csv);
        Assert.AreEqual(21, lines.Length);
        Assert.AreEqual("index,label," + string.Join(",", Enumerable.Range(0, 10).Select(j => $"f{j}")), lines[0]);
        var first = lines[1].Split(',');
        Assert.AreEqual("0", first[0]);
        Assert.AreEqual(12, first.Length);
        foreach (var v in first.Skip(2)) Assert.IsTrue(float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _), v);
        Assert.AreEqual("19", lines[20].Split(',')[0]);
    }

    [TestMethod]
    public void FeaturizeBinaryMatchesCsv()
    {
        var csv = folder.File("same.csv");
        var bin = folder.File("same.bin");
        Assert.AreEqual(0, Cli.Run("featurize", "-m", bundle, "--dataset", "synthetic", "--limit", "16", "-o", csv, "-q").ExitCode);
        var run = Cli.Run("featurize", "-m", bundle, "--dataset", "synthetic", "--limit", "16", "-o", bin, "--json");
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("binary", run.Json().GetProperty("format").GetString());
        var (features, labels) = FeatureFile.ReadBinary(bin);
        Assert.AreEqual(16, features.Rows);
        Assert.AreEqual(10, features.Columns);
        Assert.IsNotNull(labels);
        Assert.AreEqual(24 + 16 * 4 + 16 * 10 * 4, new FileInfo(bin).Length);
        var rows = File.ReadAllLines(csv).Skip(1).Select(l => l.Split(',')).ToArray();
        for (int i = 0; i < 16; i++)
        {
            Assert.AreEqual(int.Parse(rows[i][1], CultureInfo.InvariantCulture), labels![i]);
            for (int j = 0; j < 10; j++) Assert.AreEqual(float.Parse(rows[i][2 + j], CultureInfo.InvariantCulture), features[i, j]);
        }
    }

    [TestMethod]
    public void EvaluateRunsTheProbeSuiteOnContentAndStyleTasksAsJson()
    {
        var run = Cli.Run("evaluate", "-m", bundle, "--dataset", "synthetic", "--train-limit", "200", "--test-limit", "100", "--k", "5", "--json");
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var result = run.Json().GetProperty("result");
        Assert.AreEqual("simvae", result.GetProperty("method").GetString());
        var scores = result.GetProperty("scores").EnumerateArray().ToList();
        var tasks = scores.Select(s => s.GetProperty("task").GetString()).Distinct().ToList();
        CollectionAssert.Contains(tasks, "content");
        CollectionAssert.Contains(tasks, "style_position_x");
        CollectionAssert.DoesNotContain(tasks, "style_vflip", "the synthetic shapes' style tasks are their label columns");
        var probes = scores.Where(s => s.GetProperty("task").GetString() == "content").Select(s => s.GetProperty("probe").GetString()).ToList();
        CollectionAssert.AreEqual(new[] { "linear", "mlp", "knn_euclidean", "knn_cosine", "gmm_acc", "gmm_nmi", "gmm_ari" }, probes);
        foreach (var s in scores)
        {
            double score = s.GetProperty("score").GetDouble();
            Assert.IsTrue(score is >= -1 and <= 1, $"{score}");
            Assert.AreEqual(s.GetProperty("task").GetString() == "content" ? "content" : "style", s.GetProperty("kind").GetString());
        }
        var knn = scores.First(s => s.GetProperty("probe").GetString() == "knn_cosine");
        StringAssert.StartsWith(knn.GetProperty("chosen").GetString(), "k = ");
        int k = int.Parse(knn.GetProperty("chosen").GetString()![4..], CultureInfo.InvariantCulture);
        Assert.IsTrue(k is >= 1 and <= 5, $"k = {k} (--k 5)");
    }

    [TestMethod]
    public void EvaluateSelectsTasksAndProbesAndPrintsATable()
    {
        var run = Cli.Run("evaluate", "-m", bundle, "--dataset", "synthetic", "--train-limit", "150", "--test-limit", "50", "--tasks", "content,scale", "--probes", "linear,knn");
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Stdout, "style_scale");
        StringAssert.Contains(run.Stdout, "knn_euclidean");
        Assert.IsFalse(run.Stdout.Contains("gmm_acc", StringComparison.Ordinal), run.Stdout);
        Assert.IsFalse(run.Stdout.Contains("style_rotation", StringComparison.Ordinal), run.Stdout);
    }

    [TestMethod]
    public void EvaluateUsesTheTransformedStyleTasksForDataSetsWithoutLabelColumns()
    {
        if (!FashionMnist.IsAvailable(DataSplit.Train) || !FashionMnist.IsAvailable(DataSplit.Test))
            Assert.Inconclusive("FashionMNIST is not installed (apt-get install dataset-fashion-mnist)");
        var run = Cli.Run("evaluate", "-m", bundle, "--dataset", "fashion-mnist", "--train-limit", "150", "--test-limit", "60", "--probes", "knn", "--json");
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var tasks = run.Json().GetProperty("result").GetProperty("scores").EnumerateArray().Select(s => s.GetProperty("task").GetString()).Distinct().ToList();
        CollectionAssert.AreEqual(new[] { "content", "style_vflip", "style_crop_scale", "style_crop_position" }, tasks);
    }

    [TestMethod]
    public void EvaluateWithValidationScoresOnTheLastTrainingImagesAndRefusesOverlaps()
    {
        if (!FashionMnist.IsAvailable(DataSplit.Train))
            Assert.Inconclusive("FashionMNIST is not installed (apt-get install dataset-fashion-mnist)");
        var run = Cli.Run("evaluate", "-m", bundle, "--dataset", "fashion-mnist", "--train-limit", "150", "--validation", "70", "--tasks", "content", "--probes", "knn", "--json");
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var result = run.Json().GetProperty("result");
        Assert.AreEqual(150, result.GetProperty("trainImages").GetInt32());
        Assert.AreEqual(70, result.GetProperty("testImages").GetInt32());
        var overlap = Cli.Run("evaluate", "-m", bundle, "--dataset", "fashion-mnist", "--train-limit", "59990", "--validation", "20");
        Assert.AreEqual(ExitCodes.Usage, overlap.ExitCode, overlap.ToString());
        StringAssert.Contains(overlap.Stderr, "more than the 60000 training images");
        var both = Cli.Run("evaluate", "-m", bundle, "--dataset", "fashion-mnist", "--validation", "20", "--test-limit", "20");
        Assert.AreEqual(ExitCodes.Usage, both.ExitCode, both.ToString());
        StringAssert.Contains(both.Stderr, "--test-limit does not apply");
    }

    [TestMethod]
    [DataRow(new[] { "--tasks", "nope" }, "nope")]
    [DataRow(new[] { "--probes", "svm" }, "svm")]
    public void EvaluateRejectsUnknownTasksAndProbes(string[] extra, string mentioned)
    {
        var run = Cli.Run(["evaluate", "-m", bundle, "--dataset", "synthetic", "--train-limit", "100", "--test-limit", "20", .. extra]);
        Assert.AreEqual(ExitCodes.Usage, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Stderr, mentioned);
    }

    [TestMethod]
    public void CompareTrainsEveryMethodAndWritesTheReportFolder()
    {
        var report = folder.File("comparison");
        var run = Cli.Run("compare", "--dataset", "synthetic", "--synthetic-count", "600", "--seeds", "1",
            "--max-steps", "3", "--train-images", "200", "--test-images", "60", "--style-train-images", "100", "--mlp-epochs", "2", "--gmm-inits", "1",
            "--device", "cpu", "--output", report, "--json");
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var json = run.Json();
        Assert.AreEqual("compare", json.GetProperty("command").GetString());
        // Every registered method by default: the registry is the CLI's list.
        CollectionAssert.AreEqual(SimVae.Methods.SslMethods.Names.ToArray(), json.GetProperty("methods").EnumerateArray().Select(m => m.GetString()).ToArray());
        Assert.AreEqual(SimVae.Methods.SslMethods.Names.Count, json.GetProperty("runs").GetInt32());
        Assert.IsTrue(json.GetProperty("linearAccuracy").GetProperty("dino").TryGetProperty("content", out _));
        Assert.AreEqual(3, json.GetProperty("stepsPerRun").GetInt64());
        Assert.IsTrue(json.GetProperty("linearAccuracy").GetProperty("simclr").TryGetProperty("content", out _));
        foreach (var file in new[] { "report.md", "report.json", "accuracy.svg", "losses.svg", "simvae-reconstructions.png" })
            Assert.IsTrue(File.Exists(Path.Combine(report, file)), file);
        Assert.AreEqual(Path.Combine(Path.GetFullPath(report), "report.md"), json.GetProperty("report").GetString());
        using var reportJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "report.json")));
        Assert.AreEqual(JsonValueKind.Object, reportJson.RootElement.ValueKind);
        StringAssert.Contains(File.ReadAllText(Path.Combine(report, "report.md")), "simclr");
    }

    [TestMethod]
    public void CompareHumanOutputShowsATableAndQuietPrintsNothing()
    {
        string[] tiny = ["compare", "--dataset", "synthetic", "--synthetic-count", "600", "--methods", "vicreg", "--seeds", "2", "--max-steps", "2",
            "--train-images", "120", "--test-images", "40", "--mlp-epochs", "1", "--gmm-inits", "1", "--device", "cpu"];
        var human = Cli.Run([.. tiny, "--output", folder.File("compare-human")]);
        Assert.AreEqual(0, human.ExitCode, human.ToString());
        StringAssert.Contains(human.Stdout, "Comparing vicreg");
        StringAssert.Contains(human.Stdout, "Report written to");
        StringAssert.Contains(human.Stdout, "style_position_x");
        var quiet = Cli.Run([.. tiny, "--output", folder.File("compare-quiet"), "--quiet"]);
        Assert.AreEqual(0, quiet.ExitCode, quiet.ToString());
        Assert.AreEqual("", quiet.Stdout);
        Assert.IsTrue(File.Exists(Path.Combine(folder.File("compare-quiet"), "report.md")));
    }

    [TestMethod]
    public void CompareResumesFinishedRunsAndRefusesOtherSettings()
    {
        string[] Tiny(string seeds, string mlpEpochs) => ["compare", "--dataset", "synthetic", "--synthetic-count", "600", "--methods", "vae", "--seeds", seeds,
            "--max-steps", "2", "--train-images", "120", "--test-images", "40", "--mlp-epochs", mlpEpochs, "--gmm-inits", "1", "--device", "cpu",
            "--output", folder.File("compare-resume"), "--json"];
        Assert.AreEqual(0, Cli.Run(Tiny("1", "1")).ExitCode);
        var resumed = Cli.Run(Tiny("1,3", "1"));
        Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
        Assert.AreEqual(2, resumed.Json().GetProperty("runs").GetInt32());
        Assert.IsTrue(File.Exists(Path.Combine(folder.File("compare-resume"), "runs", "vae-seed3-steps2.json")));
        var refused = Cli.Run(Tiny("1", "2"));
        Assert.AreEqual(ExitCodes.Usage, refused.ExitCode, refused.ToString());
        StringAssert.Contains(refused.Stderr, "other settings (probes)");
    }

    [TestMethod]
    public void InfoPrintsTheLibtorchVersionAndBundleContents()
    {
        var run = Cli.Run("info");
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Stdout, TorchRuntime.TorchVersion);
        StringAssert.Contains(run.Stdout, "CUDA devices");

        var json = Cli.Run("info", bundle, "--json");
        Assert.AreEqual(0, json.ExitCode, json.ToString());
        var root = json.Json();
        Assert.AreEqual(TorchRuntime.TorchVersion, root.GetProperty("runtime").GetProperty("libtorch").GetString());
        Assert.AreEqual(TorchRuntime.CudaDeviceCount, root.GetProperty("runtime").GetProperty("cudaDevices").GetInt32());
        Assert.IsTrue(root.GetProperty("runtime").GetProperty("torchThreads").GetInt32() >= 1);
        var b = root.GetProperty("bundle");
        Assert.AreEqual("simvae", b.GetProperty("method").GetString());
        Assert.AreEqual(10, b.GetProperty("featureDimension").GetInt32());
        Assert.AreEqual("1x28x28", b.GetProperty("input").GetString());
        Assert.AreEqual("simvae", b.GetProperty("options").GetProperty("method").GetString());

        var bf16 = root.GetProperty("runtime").GetProperty("bf16");
        Assert.AreEqual(CpuFeatures.NativeBFloat16, bf16.GetProperty("native").GetBoolean());
        Assert.AreEqual(PrecisionPolicy.Name(PrecisionPolicy.Resolve(Precision.Auto, Devices.Auto)), bf16.GetProperty("auto").GetString());
        StringAssert.Contains(run.Stdout, "precision auto");
    }

    [TestMethod]
    public void TrainRunsTheRequestedPrecisionAndReportsIt()
    {
        var path = folder.File("emulated.simvae");
        var run = Cli.Run(TinyTrain(path, "--json", "--precision", "bf16-emulated"));
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("bf16-emulated", run.Json().GetProperty("precision").GetString());
        Assert.IsTrue(double.IsFinite(run.Json().GetProperty("losses").GetProperty("loss").GetDouble()));
        var auto = Cli.Run(TinyTrain(folder.File("auto.simvae"), "--json"));
        Assert.AreEqual(0, auto.ExitCode, auto.ToString());
        Assert.AreEqual(PrecisionPolicy.Name(PrecisionPolicy.Resolve(Precision.Auto, torch.CPU)), auto.Json().GetProperty("precision").GetString());
    }

    [TestMethod]
    [DataRow(new string[0], "Conv", 64, 3e-4, 15)]
    [DataRow(new[] { "--preset", "paper" }, "Mlp", 10, 8e-5, 5)]
    [DataRow(new[] { "--latent-dim", "32", "--epochs", "7" }, "Conv", 32, 3e-4, 7)]
    [DataRow(new[] { "--method", "simclr" }, "Conv", 64, 1e-3, 15)]
    public void ThePresetSetsTheDefaultsAndOptionsOverrideThem(string[] extra, string backbone, int latentDim, double learningRate, int epochs)
    {
        var output = folder.File($"preset-{string.Join("", extra)}.simvae");
        var run = Cli.Run(["train", "--dataset", "synthetic", "--limit", "64", "--batch-size", "32", "--max-steps", "1", "--device", "cpu", "--output", output, "--json", .. extra]);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var result = run.Json();
        Assert.AreEqual(backbone, result.GetProperty("backbone").GetString());
        Assert.AreEqual(latentDim, result.GetProperty("latentDim").GetInt32());
        Assert.AreEqual(learningRate, result.GetProperty("learningRate").GetDouble(), 1e-12);
        Assert.AreEqual(epochs, result.GetProperty("epochs").GetInt32());
    }

    [TestMethod]
    public void HelpShowsDefaults()
    {
        foreach (var command in new[] { "train", "featurize", "evaluate", "compare", "info" })
        {
            var run = Cli.Run(command, "--help");
            Assert.AreEqual(0, run.ExitCode, run.ToString());
            StringAssert.Contains(run.Stdout, $"simvae {command}");
        }
        var train = Cli.Run("train", "--help").Stdout;
        StringAssert.Contains(train, "[default: recommended]");
        StringAssert.Contains(train, "[default: fashion-mnist]");
        StringAssert.Contains(train, "[default: auto]");
        StringAssert.Contains(Cli.Run("featurize", "--help").Stdout, "[default: test]");
        StringAssert.Contains(Cli.Run("--help").Stdout, "Exit codes");
    }

    [TestMethod]
    [DataRow(new[] { "train", "--epochs", "0" }, "--epochs")]
    [DataRow(new[] { "train", "--method", "swav" }, "swav")]
    [DataRow(new[] { "train", "--dataset", "mnist" }, "mnist")]
    [DataRow(new[] { "train", "--device", "tpu" }, "tpu")]
    [DataRow(new[] { "train", "--no-such-option" }, "--no-such-option")]
    [DataRow(new[] { "train", "--precision", "fp16" }, "fp16")]
    [DataRow(new[] { "compare", "--precision", "half" }, "half")]
    [DataRow(new[] { "featurize", "--output", "x.csv" }, "--model")]
    [DataRow(new[] { "frobnicate" }, "frobnicate")]
    [DataRow(new string[0], "command")]
    [DataRow(new[] { "train", "--dataset", "cifar10" }, "--data-path")]
    [DataRow(new[] { "train", "--method", "vae", "--views", "2", "--dataset", "synthetic", "--limit", "64" }, "--views")]
    [DataRow(new[] { "compare", "--methods", "simvae,swav" }, "swav")]
    [DataRow(new[] { "compare", "--seeds", "1,x" }, "--seeds")]
    [DataRow(new[] { "compare", "--seeds", "1,1" }, "distinct")]
    [DataRow(new[] { "compare", "--dataset", "cifar10" }, "cifar10")]
    [DataRow(new[] { "compare", "--train-images", "10" }, "--train-images")]
    [DataRow(new[] { "compare", "--epochs", "0" }, "--epochs")]
    [DataRow(new[] { "compare", "model.simvae" }, "model.simvae")]
    public void BadArgumentsExitWith2AndOneLine(string[] args, string mentioned)
    {
        var run = Cli.Run(args);
        Assert.AreEqual(ExitCodes.Usage, run.ExitCode, run.ToString());
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(1, lines.Length, run.Stderr);
        StringAssert.StartsWith(lines[0], "simvae: error: ");
        StringAssert.Contains(lines[0], mentioned);
    }

    [TestMethod]
    public void JsonModeReportsErrorsAsJson()
    {
        var run = Cli.Run("train", "--epochs", "0", "--json");
        Assert.AreEqual(ExitCodes.Usage, run.ExitCode);
        Assert.AreEqual(2, run.Json().GetProperty("error").GetProperty("exitCode").GetInt32());

        var missing = Cli.Run("featurize", "-m", folder.File("nope.simvae"), "--json");
        Assert.AreEqual(ExitCodes.Input, missing.ExitCode);
        StringAssert.Contains(missing.Json().GetProperty("error").GetProperty("message").GetString(), "nope.simvae");
    }

    [TestMethod]
    public void CorruptBundleIsAnInputErrorWithoutStackTraceUnlessVerbose()
    {
        var corrupt = folder.File("corrupt.simvae");
        File.WriteAllText(corrupt, "this is not a zip archive");
        var run = Cli.Run("featurize", "-m", corrupt, "--dataset", "synthetic", "--limit", "4", "-o", folder.File("x.csv"));
        Assert.AreEqual(ExitCodes.Input, run.ExitCode, run.ToString());
        Assert.AreEqual(1, run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, run.Stderr);
        StringAssert.Contains(run.Stderr, "corrupt.simvae");
        Assert.IsFalse(run.Stderr.Contains("   at ", StringComparison.Ordinal), run.Stderr);

        var verbose = Cli.Run("featurize", "-m", corrupt, "--dataset", "synthetic", "--limit", "4", "-o", folder.File("x.csv"), "--verbose");
        Assert.AreEqual(ExitCodes.Input, verbose.ExitCode);
        StringAssert.Contains(verbose.Stderr, "   at ");
    }

    [TestMethod]
    public void MissingDataSetFolderIsAnInputError()
    {
        var run = Cli.Run("train", "--dataset", "fashion-mnist", "--data-path", folder.File("no-such-folder"), "--quiet");
        Assert.AreEqual(ExitCodes.Input, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Stderr, "no-such-folder");
    }

    [TestMethod]
    public void OutputFolderMustExist()
    {
        var run = Cli.Run(TinyTrain(Path.Combine(folder.File("missing-dir"), "m.simvae"), "--quiet"));
        Assert.AreEqual(ExitCodes.Input, run.ExitCode, run.ToString());
    }

    [TestMethod]
    public void CudaOnAMachineWithoutItIsADeviceError()
    {
        if (TorchRuntime.CudaDeviceCount > 0) Assert.Inconclusive("this machine has CUDA");
        var run = Cli.Run(["train", "--dataset", "synthetic", "--limit", "64", "--device", "cuda", "--quiet"]);
        Assert.AreEqual(ExitCodes.Device, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Stderr, "CUDA");
    }

    [TestMethod]
    public void DataSetSmallerThanABatchIsAUsageError()
    {
        var run = Cli.Run(["train", "--dataset", "synthetic", "--limit", "10", "--batch-size", "32", "--quiet"]);
        Assert.AreEqual(ExitCodes.Usage, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Stderr, "fewer than one batch");
    }

    [TestMethod]
    public void MismatchedImageShapeIsAnInputError()
    {
        var run = Cli.Run("train", "--dataset", "synthetic", "--limit", "64", "--batch-size", "32", "--max-steps", "1", "--image-size", "16",
            "--output", folder.File("small.simvae"), "--quiet");
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var featurize = Cli.Run("featurize", "-m", folder.File("small.simvae"), "--dataset", "fashion-mnist", "--limit", "4", "-o", folder.File("s.csv"));
        // FashionMNIST is 28x28, the model takes 16x16 (or the data set is absent on this machine): an input error either way.
        Assert.AreEqual(ExitCodes.Input, featurize.ExitCode, featurize.ToString());
    }
}
