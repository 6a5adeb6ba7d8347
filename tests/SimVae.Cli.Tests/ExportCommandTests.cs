using Microsoft.ML.OnnxRuntime;
using SimVae.Data;
using SimVae.Featurization;

namespace SimVae.Cli.Tests;

/// <summary><c>simvae export</c>: the ONNX file it writes gives the bundle's features under ONNX Runtime; bad arguments fail in one line.</summary>
[TestClass]
public sealed class ExportCommandTests
{
    private static TempFolder folder = null!;
    private static string bundle = null!;

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        folder = new TempFolder();
        bundle = folder.File("conv.simvae");
        var run = Cli.Run("train", "--dataset", "synthetic", "--limit", "64", "--batch-size", "16", "--max-steps", "2", "--device", "cpu",
            "--backbone", "conv", "--method", "vae", "--output", bundle, "--quiet");
        Assert.AreEqual(0, run.ExitCode, run.ToString());
    }

    [ClassCleanup]
    public static void Cleanup() => folder?.Dispose();

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public void ToolWritesAnEncoderThatReproducesTheFeatures()
    {
        var toolDll = Path.Combine(Cli.RepoRoot, "src", "SimVae.Cli", "bin", Cli.Configuration, "net10.0", "SimVae.Cli.dll");
        Assert.IsTrue(File.Exists(toolDll), $"build the tool first: {toolDll}");
        var onnxPath = folder.File("encoder.onnx");
        var (code, stdout) = Processes.Run("dotnet", $"\"{toolDll}\" export --model \"{bundle}\" --output \"{onnxPath}\" --json", folder.Path, TimeSpan.FromSeconds(90));
        Assert.AreEqual(0, code, stdout);
        var json = new CliRun(code, stdout, "").Json();
        Assert.AreEqual("export", json.GetProperty("command").GetString());
        Assert.AreEqual(Path.GetFullPath(onnxPath), json.GetProperty("output").GetString());
        Assert.AreEqual(new FileInfo(onnxPath).Length, json.GetProperty("bytes").GetInt64());
        Assert.AreEqual("vae", json.GetProperty("method").GetString());
        Assert.AreEqual("conv", json.GetProperty("backbone").GetString());
        Assert.AreEqual(784, json.GetProperty("inputWidth").GetInt64());

        var data = DataSets.Load(DataSets.SyntheticName, DataSplit.Test, null, 12, (1, 28, 28));
        using var featurizer = Featurizer.Load(bundle);
        var expected = featurizer.Transform(data).Values;
        Assert.AreEqual(json.GetProperty("features").GetInt32() * data.Count, expected.Length);
        var floats = RunOnnx(onnxPath, data.Pixels.ToArray().Select(b => (float)b).ToArray(), data.Count);
        AssertClose(expected, floats, "float pixels");

        var bytePath = folder.File("encoder-byte.onnx");
        var run = Cli.Run("export", "-m", bundle, "-o", bytePath, "--pixel-type", "byte");
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Stdout, "uint8 / 255");
        AssertClose(expected, RunOnnx(bytePath, data.Pixels.ToArray(), data.Count), "byte pixels");

        var unitPath = folder.File("encoder-unit.onnx");
        run = Cli.Run("export", "-m", bundle, "-o", unitPath, "--input-scale", "1", "--quiet");
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Stdout, "--quiet prints nothing");
        AssertClose(expected, RunOnnx(unitPath, data.Pixels.ToArray().Select(b => b / 255f).ToArray(), data.Count), "pixels in [0, 1]");
    }

    [TestMethod]
    [DataRow(ExitCodes.Input, "--output", "same", "--model")]
    [DataRow(ExitCodes.Usage, "--pixel-type", "byte", "--input-scale", "0.5", "--input-scale")]
    [DataRow(ExitCodes.Usage, "--input-scale", "0", "--input-scale")]
    [DataRow(ExitCodes.Usage, "--input-scale", "NaN", "--input-scale")]
    [DataRow(ExitCodes.Usage, "--pixel-type", "int8", "int8")]
    [DataRow(ExitCodes.Usage, "--input-name", "x", "--output-name", "x", "must differ")]
    [DataRow(ExitCodes.Input, "--output", "no-such-folder/encoder.onnx", "no-such-folder")]
    [DataRow(ExitCodes.Input, "--model", "missing.simvae", "missing.simvae")]
    public void BadArgumentsFailInOneLineAndWriteNothing(int exitCode, params string[] argumentsThenMentioned)
    {
        var bundleBytes = File.ReadAllBytes(bundle);
        var filesBefore = Directory.GetFileSystemEntries(folder.Path).Order().ToArray();
        var extra = argumentsThenMentioned[..^1].Select(a => a switch
        {
            "same" => bundle,
            "no-such-folder/encoder.onnx" or "missing.simvae" => folder.File(a),
            _ => a,
        }).ToArray();
        string[] args = extra.Contains("--model") ? ["export", .. extra, "--output", folder.File("x.onnx")] : ["export", "--model", bundle, .. extra];
        if (!args.Contains("--output")) args = [.. args, "--output", folder.File("x.onnx")];

        var run = Cli.Run(args);
        Assert.AreEqual(exitCode, run.ExitCode, run.ToString());
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(1, lines.Length, run.Stderr);
        StringAssert.StartsWith(lines[0], "simvae: error: ");
        StringAssert.Contains(lines[0], argumentsThenMentioned[^1]);
        CollectionAssert.AreEqual(bundleBytes, File.ReadAllBytes(bundle), "the bundle is untouched");
        CollectionAssert.AreEqual(filesBefore, Directory.GetFileSystemEntries(folder.Path).Order().ToArray(), "no file written");
    }

    [TestMethod]
    public void HelpListsTheCommandAndItsDefaults()
    {
        StringAssert.Contains(Cli.Run("--help").Stdout, "export");
        var help = Cli.Run("export", "--help");
        Assert.AreEqual(0, help.ExitCode, help.ToString());
        StringAssert.Contains(help.Stdout, "[default: encoder.onnx]");
        StringAssert.Contains(help.Stdout, "[default: single]");
    }

    private static float[] RunOnnx<T>(string path, T[] pixels, int rows) where T : unmanaged
    {
        using var session = new InferenceSession(path);
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [rows, pixels.Length / rows]);
        using var options = new RunOptions();
        using var outputs = session.Run(options, [session.InputNames.Single()], [input], [session.OutputNames.Single()]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, what);
        float max = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.IsTrue(max <= 1e-4f, $"{what}: max |ONNX − libtorch| = {max:E2}");
    }
}
