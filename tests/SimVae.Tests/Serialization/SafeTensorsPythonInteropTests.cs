using System.Diagnostics;
using System.Text.Json;
using SimVae.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Tests.Serialization;

/// <summary>
/// Files written here must read in PyTorch and files written by PyTorch must read here. Uses
/// bench/python/check_safetensors.py (json + struct + torch only) under /usr/bin/python3; inconclusive when
/// Python or torch is missing.
/// </summary>
[TestClass]
public class SafeTensorsPythonInteropTests
{
    private const string Python = "/usr/bin/python3";

    private static string Script()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "bench", "python", "check_safetensors.py");
            if (File.Exists(candidate)) return candidate;
        }
        Assert.Inconclusive("skipped: bench/python/check_safetensors.py not found above the test folder");
        return "";
    }

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["OMP_NUM_THREADS"] = "1";
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"python {string.Join(' ', args)} timed out");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string RequirePythonWithTorch()
    {
        if (!File.Exists(Python)) Assert.Inconclusive($"skipped: {Python} not found");
        var (exit, _, err) = Run("-c", "import torch");
        if (exit != 0) Assert.Inconclusive($"skipped: {Python} cannot import torch ({err.Trim().Split('\n').LastOrDefault()})");
        return Script();
    }

    /// <summary>The sum of a tensor's elements: exact (Int64) for integer and bool tensors, a double otherwise.</summary>
    private static object Sum(Tensor t)
    {
        if (t.is_floating_point())
        {
            using var d = t.to(ScalarType.Float64);
            return TensorData.ToArray<double>(d).Sum();
        }
        using var l = t.to(ScalarType.Int64);
        return TensorData.ToArray<long>(l).Sum();
    }

    private static void AssertSum(object expected, JsonElement actual, string name)
    {
        if (expected is long exact) Assert.AreEqual(exact, actual.GetInt64(), name);
        else
        {
            double e = (double)expected, a = actual.GetDouble();
            Assert.AreEqual(e, a, Math.Abs(e) * 1e-12, name);
        }
    }

    private static void AssertMatchesSummary(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata, JsonElement summary)
    {
        var described = summary.GetProperty("tensors");
        CollectionAssert.AreEquivalent(tensors.Keys.ToArray(), described.EnumerateObject().Select(p => p.Name).ToArray());
        foreach (var (name, t) in tensors)
        {
            var info = described.GetProperty(name);
            Assert.AreEqual(SafeTensorsDType.ToName(t.dtype), info.GetProperty("dtype").GetString(), name);
            CollectionAssert.AreEqual(t.shape, info.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray(), name);
            AssertSum(Sum(t), info.GetProperty("sum"), name);
        }
        var meta = summary.GetProperty("metadata").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        CollectionAssert.AreEquivalent(metadata.ToArray(), meta.ToArray());
    }

    [TestMethod]
    public void PyTorchReadsAFileWrittenHere()
    {
        string script = RequirePythonWithTorch();
        using var bf = TensorData.Of<float>([1f, -2.5f, 3.0e38f, 0.0078125f], 2, 2);
        var tensors = new Dictionary<string, Tensor>
        {
            ["f32"] = TensorData.Of<float>([1.5f, -0.25f, 3e7f, 1e-7f, -8f, 0f], 2, 3),
            ["f64"] = TensorData.Of<double>([Math.PI, -1e300, 1e-300, 2.5], 4),
            ["f16"] = TensorData.Of<Half>([Half.MaxValue, (Half)(-0.5f), Half.Epsilon], 3),
            ["bf16"] = bf.to(ScalarType.BFloat16),
            ["i64"] = TensorData.Of<long>([1L << 62, -5, 7], 3, 1),
            ["i32"] = TensorData.Of<int>([int.MinValue, int.MaxValue, 7], 3),
            ["i16"] = TensorData.Of<short>([short.MinValue, short.MaxValue, -2], 3),
            ["i8"] = TensorData.Of<sbyte>([sbyte.MinValue, sbyte.MaxValue, 3], 3),
            ["u8"] = TensorData.Of<byte>([0, 255, 17, 1], 2, 1, 2),
            ["bool"] = TensorData.Of<bool>([true, false, true], 3),
            ["layer.0/weight ✓"] = torch.tensor(-3.25f),
            ["empty"] = torch.empty(new long[] { 0, 3 }, ScalarType.Int32),
        };
        var metadata = new Dictionary<string, string> { ["writer"] = "SimVae", ["note"] = "ünïcødé \"q\"" };
        string path = Path.Combine(Path.GetTempPath(), $"cs-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensors.Save(path, tensors, metadata);
            var (exit, stdout, stderr) = Run(script, "read", path, "--json");
            Assert.AreEqual(0, exit, $"python failed: {stderr}");
            using var doc = JsonDocument.Parse(stdout);
            AssertMatchesSummary(tensors, metadata, doc.RootElement);
        }
        finally
        {
            File.Delete(path);
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    [TestMethod]
    public void AFileWrittenByPyTorchReadsHere()
    {
        string script = RequirePythonWithTorch();
        string path = Path.Combine(Path.GetTempPath(), $"py-{Guid.NewGuid():N}.safetensors");
        try
        {
            var (exit, stdout, stderr) = Run(script, "write", path);
            Assert.AreEqual(0, exit, $"python failed: {stderr}");
            using var doc = JsonDocument.Parse(stdout);
            using var file = SafeTensors.Load(path);
            AssertMatchesSummary(file.Tensors, file.Metadata, doc.RootElement);
            // Spot checks of exact values (the sums could hide compensating errors).
            Assert.AreEqual(1L << 62, TensorData.ToArray<long>(file.Tensors["i64"])[0]);
            CollectionAssert.AreEqual(new[] { true, false, true, true }, TensorData.ToArray<bool>(file.Tensors["bool"]));
            Assert.AreEqual((Half)65504f, TensorData.ToArray<Half>(file.Tensors["f16"])[2]);
            CollectionAssert.AreEqual(new float[] { -1f, -0.5f, 0f, 0.5f, 1f, 1.5f }, TensorData.ToArray<float>(file.Tensors["f32"]));
            Assert.AreEqual(0, file.Tensors["scalar"].dim());
            Assert.AreEqual(42.5f, file.Tensors["scalar"].item<float>());
            CollectionAssert.AreEqual(new long[] { 0, 3 }, file.Tensors["empty"].shape);
        }
        finally { File.Delete(path); }
    }
}
