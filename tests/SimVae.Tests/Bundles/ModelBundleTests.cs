using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using SimVae.Bundles;
using SimVae.Featurization;
using SimVae.Methods;
using SimVae.Tests.Featurization;
using SimVae.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Tests.Bundles;

[TestClass]
public class ModelBundleTests
{
    private static string directory = "";

    [ClassInitialize]
    public static void CreateDirectory(TestContext _)
    {
        directory = Path.Combine(Path.GetTempPath(), "simvae-bundle-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
    }

    [ClassCleanup]
    public static void DeleteDirectory()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    private static string NewPath(string name) => Path.Combine(directory, $"{name}-{Guid.NewGuid():N}.simvae");

    [TestMethod]
    public void RoundTripGivesBitIdenticalFeaturesAndMetadata()
    {
        var data = TinyModels.Data();
        using var model = TinyModels.Trained("simvae", data, steps: 3);
        var fingerprint = DataFingerprint.Of(data);
        var path = NewPath("roundtrip");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        ModelBundle.Save(path, model, fingerprint);

        using var bundle = ModelBundle.Load(path);
        Assert.IsFalse(bundle.Model.training, "loaded model must be in eval mode");
        Assert.IsInstanceOfType<SimVaeModel>(bundle.Model);
        Assert.AreEqual(model.Options, bundle.Options);
        Assert.AreEqual(fingerprint, bundle.TrainingData);
        Assert.AreEqual(new ModelInput(1, TinyModels.Size, TinyModels.Size), bundle.Input);
        Assert.AreEqual(ModelBundle.CurrentFormatVersion, bundle.FormatVersion);
        Assert.AreEqual(ModelBundle.CurrentLibraryVersion, bundle.LibraryVersion);
        Assert.AreEqual(TorchRuntime.TorchVersion, bundle.TorchVersion);
        Assert.IsTrue(bundle.CreatedUtc >= before && bundle.CreatedUtc <= DateTimeOffset.UtcNow.AddSeconds(1), $"created {bundle.CreatedUtc}");
        Assert.AreEqual(64, bundle.WeightsSha256.Length);

        var expected = new Featurizer(model).Transform(data);
        var actual = new Featurizer(bundle).Transform(data);
        TinyModels.AssertBitEqual(expected.Values, actual.Values, "features after reload");
        using var loaded = Featurizer.Load(path);
        TinyModels.AssertBitEqual(expected.Values, loaded.Transform(data).Values, "features via Featurizer.Load");
    }

    [TestMethod]
    [DataRow("simvae")]
    [DataRow("vae")]
    [DataRow("beta-vae")]
    [DataRow("simvae-gaussian")]
    [DataRow("simclr")]
    [DataRow("vicreg")]
    [DataRow("cr-vae")]
    [DataRow("moco")]
    [DataRow("byol")]
    [DataRow("barlow-twins")]
    [DataRow("dino")]
    public void OptionsOfEveryMethodRoundTrip(string method)
    {
        using var model = TinyModels.Create(method);
        using var stream = new MemoryStream();
        ModelBundle.Save(stream, model, DataFingerprint.Of(TinyModels.Data(8)));
        stream.Position = 0;
        using var bundle = ModelBundle.Load(stream);
        Assert.AreEqual(model.Options.GetType(), bundle.Options.GetType());
        Assert.AreEqual(model.Options, bundle.Options, "options must survive the JSON round trip exactly");
        Assert.AreEqual(model.Options.MethodName, bundle.Options.MethodName);
        Assert.AreEqual(model.GetType(), bundle.Model.GetType());
        Assert.AreEqual(model.FeatureDimension, bundle.Model.FeatureDimension);
    }

    [TestMethod]
    public void BundleJsonIsReadableWithEnumsAsStrings()
    {
        using var model = TinyModels.Create("simvae-gaussian");
        var entries = Entries(SaveToBytes(model));
        var json = Encoding.UTF8.GetString(entries[ModelBundle.ManifestEntry]);
        var root = JsonNode.Parse(json)!;
        Assert.AreEqual("simvae", (string?)root["options"]!["method"]);
        Assert.AreEqual("Conv", (string?)root["options"]!["backbone"]);
        Assert.AreEqual("Gaussian", (string?)root["options"]!["loss"]!["likelihood"]);
        Assert.AreEqual("Uniform", (string?)root["options"]!["loss"]!["prior"]);
        Assert.AreEqual(ModelInput.UnitRange, (string?)root["input"]!["normalization"]);
        Assert.AreEqual(ModelBundle.CurrentFormatVersion, (int?)root["formatVersion"]);
    }

    [TestMethod]
    public void LoadsFromTheMiddleOfAStreamAndOnTheGivenDevice()
    {
        using var model = TinyModels.Create("vicreg");
        var bytes = SaveToBytes(model);
        using var outer = new MemoryStream();
        outer.Write(new byte[100]);
        outer.Write(bytes);
        outer.Position = 100;
        using var bundle = ModelBundle.Load(outer, torch.CPU, "embedded bundle");
        Assert.AreEqual(model.Options, bundle.Options);
        Assert.AreEqual(DeviceType.CPU, new Featurizer(bundle).Device.type);
    }

    [TestMethod]
    public void SaveIsAtomicAndOverwrites()
    {
        var data = TinyModels.Data(8);
        using var first = TinyModels.Create("vae", seed: 1);
        using var second = TinyModels.Create("vae", seed: 2);
        var folder = Path.Combine(directory, "atomic-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "model.simvae");
        ModelBundle.Save(path, first, DataFingerprint.Of(data));
        ModelBundle.Save(path, second, DataFingerprint.Of(data));
        CollectionAssert.AreEqual(new[] { "model.simvae" }, Directory.GetFiles(folder).Select(Path.GetFileName).ToArray(), "no temporary file may be left behind");
        using var bundle = ModelBundle.Load(path);
        TinyModels.AssertBitEqual(new Featurizer(second).Transform(data).Values, new Featurizer(bundle).Transform(data).Values, "overwritten bundle");
    }

    [TestMethod]
    public void SaveRejectsAFingerprintOfDifferentlyShapedData()
    {
        using var model = TinyModels.Create("vae");
        var other = DataFingerprint.Of(SimVae.Data.SyntheticShapes.Generate(new() { Count = 4, Size = 12 }));
        var e = Assert.ThrowsExactly<ArgumentException>(() => ModelBundle.Save(NewPath("mismatch"), model, other));
        StringAssert.Contains(e.Message, "12x12");
    }

    [TestMethod]
    public void FingerprintDependsOnPixelsAndShapeOnly()
    {
        var a = DataFingerprint.Of(TinyModels.Data(16, seed: 1));
        Assert.AreEqual(a, DataFingerprint.Of(TinyModels.Data(16, seed: 1)));
        Assert.AreNotEqual(a.Sha256, DataFingerprint.Of(TinyModels.Data(16, seed: 2)).Sha256);
        Assert.AreNotEqual(a.Sha256, DataFingerprint.Of(TinyModels.Data(15, seed: 1)).Sha256);
        var data = TinyModels.Data(16, seed: 1);
        var renamed = new SimVae.Data.ImageDataset(data.Pixels.ToArray(), data.Count, 1, data.Height, data.Width, name: "renamed");
        Assert.AreEqual(a.Sha256, DataFingerprint.Of(renamed).Sha256);
        Assert.IsTrue(a.Matches(renamed));
        // Same bytes viewed as a different shape: different fingerprint.
        var reshaped = new SimVae.Data.ImageDataset(data.Pixels.ToArray(), data.Count * 4, 1, data.Height / 2, data.Width / 2);
        Assert.AreNotEqual(a.Sha256, DataFingerprint.Of(reshaped).Sha256);
        Assert.AreEqual(64, a.Sha256.Length);
    }

    // ---- corrupt and mismatched bundles ----

    [TestMethod]
    public void RejectsATruncatedArchive()
    {
        var bytes = ValidBundle();
        var path = WriteFile("truncated", bytes.AsSpan(0, bytes.Length / 2).ToArray());
        AssertRejected(path, "not a readable zip archive");
    }

    [TestMethod]
    public void RejectsAFileThatIsNotAZip()
    {
        var path = WriteFile("text", Encoding.UTF8.GetBytes("this is not a model bundle"));
        AssertRejected(path, "not a readable zip archive");
    }

    [TestMethod]
    public void RejectsAnEmptyFile() => AssertRejected(WriteFile("empty", []), "not a readable zip archive");

    [TestMethod]
    public void RejectsMissingWeights()
    {
        var entries = Entries(ValidBundle());
        entries.Remove(ModelBundle.WeightsEntry);
        AssertRejected(WriteFile("noweights", Zip(entries)), "entry 'weights.safetensors' is missing");
    }

    [TestMethod]
    public void RejectsMissingManifest()
    {
        var entries = Entries(ValidBundle());
        entries.Remove(ModelBundle.ManifestEntry);
        AssertRejected(WriteFile("nomanifest", Zip(entries)), "entry 'bundle.json' is missing");
    }

    [TestMethod]
    public void RejectsTamperedWeights()
    {
        var entries = Entries(ValidBundle());
        var weights = entries[ModelBundle.WeightsEntry];
        weights[^3] ^= 0x40; // one bit of one float
        AssertRejected(WriteFile("tampered", Zip(entries)), "SHA-256 of entry 'weights.safetensors'", "corrupt or were modified");
    }

    [TestMethod]
    public void RejectsWeightsOfTheWrongShapeForTheOptions()
    {
        // The options say d = 5 but the weights (with a correct hash) are of a d = 4 model.
        var path = WriteFile("shapes", Rewrite(ValidBundle(), root => root["options"]!["latentDim"] = 5));
        AssertRejected(path, "do not fit the simvae model", "where the options need");
    }

    [TestMethod]
    public void RejectsWeightsOfAnotherMethod()
    {
        using var simclr = TinyModels.Create("simclr");
        var simclrWeights = Entries(SaveToBytes(simclr))[ModelBundle.WeightsEntry];
        var entries = Entries(ValidBundle());
        entries[ModelBundle.WeightsEntry] = simclrWeights;
        var patched = Rewrite(Zip(entries), root =>
        {
            root["weights"]!["sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(simclrWeights));
            root["weights"]!["bytes"] = simclrWeights.Length;
        });
        AssertRejected(WriteFile("othermethod", patched), "do not fit", "is missing", "is unexpected");
    }

    [TestMethod]
    public void RejectsAnEditedManifestWhoseHashWasNotUpdated()
    {
        var path = WriteFile("edited", Rewrite(ValidBundle(), root => root["options"]!["latentDim"] = 150000, rehash: false));
        AssertRejected(path, "SHA-256 of entry 'bundle.json'", "corrupt or was modified");
    }

    [TestMethod]
    public void RejectsAHugeDeclaredSizeBeforeBuildingAnything()
    {
        // A re-hashed manifest declaring a huge latent dimension or image: refused by the limits, nothing allocated.
        long before = GC.GetTotalAllocatedBytes();
        AssertRejected(WriteFile("latent", Rewrite(ValidBundle(), root => root["options"]!["latentDim"] = 150000)), "LatentDim must be in 1..4096");
        AssertRejected(WriteFile("height", Rewrite(ValidBundle(), root => root["options"]!["height"] = 50000)), "Height must be in 1..1024");
        AssertRejected(WriteFile("beta", Rewrite(ValidBundle(), root => root["options"]!["loss"]!["beta"] = -1)), "Beta");
        Assert.IsTrue(GC.GetTotalAllocatedBytes() - before < 50_000_000, "bounded allocation");
    }

    [TestMethod]
    public void ComparesOptionsWithTheWeightsOnTheMetaDeviceBeforeBuilding()
    {
        // Within the limits but far from the weights: a 1024x1024 MLP model would take gigabytes to build.
        var path = WriteFile("meta", Rewrite(ValidBundle(), root =>
        {
            root["options"]!["backbone"] = "Mlp";
            root["options"]!["height"] = 512; root["options"]!["width"] = 512;
            root["input"]!["height"] = 512; root["input"]!["width"] = 512;
            root["trainingData"]!["height"] = 512; root["trainingData"]!["width"] = 512;
        }));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        AssertRejected(path, "do not fit the simvae model its options describe (Mlp, 1x512x512", "is missing");
        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(5), clock.Elapsed.ToString());
    }

    [TestMethod]
    public void RejectsNonFiniteWeights()
    {
        using var model = TinyModels.Create("vae");
        using (torch.no_grad())
        using (var first = model.parameters().First().flatten())
        using (var element = first.narrow(0, 0, 1))
            element.fill_(double.NaN);
        var path = WriteFile("nan", SaveToBytes(model));
        AssertRejected(path, "holds NaN or infinite values");
    }

    [TestMethod]
    public void RejectsAFolderAndADevice()
    {
        AssertRejected(directory, "is a folder, not a file");
        if (!OperatingSystem.IsLinux()) return;
        var link = NewPath("device");
        File.CreateSymbolicLink(link, "/dev/zero");
        AssertRejected(link, "is not a regular file");
    }

    [TestMethod]
    public void RejectsAnUnknownMethod()
    {
        var path = WriteFile("unknown", Rewrite(ValidBundle(), root => root["options"]!["method"] = "swav"));
        AssertRejected(path, "unknown method 'swav'", "simvae, simclr, vicreg, cr-vae, moco, byol, barlow-twins, dino");
    }

    [TestMethod]
    public void RejectsAFutureFormatVersion()
    {
        var path = WriteFile("future", Rewrite(ValidBundle(), root => root["formatVersion"] = ModelBundle.CurrentFormatVersion + 1));
        AssertRejected(path, $"format version {ModelBundle.CurrentFormatVersion + 1} is newer than this library");
    }

    [TestMethod]
    public void RejectsBadJson()
    {
        var entries = Entries(ValidBundle());
        entries[ModelBundle.ManifestEntry] = Encoding.UTF8.GetBytes("{\"format\": \"simvae-model-bundle\", ");
        entries[ModelBundle.ManifestHashEntry] = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(entries[ModelBundle.ManifestEntry])));
        AssertRejected(WriteFile("badjson", Zip(entries)), "bundle.json: not valid JSON");
    }

    [TestMethod]
    public void RejectsAnInconsistentInputShape()
    {
        var path = WriteFile("input", Rewrite(ValidBundle(), root => root["input"]!["height"] = 28));
        AssertRejected(path, "input NCHW float32 1x28x8", "inconsistent with the options");
    }

    [TestMethod]
    public void RejectsAMissingField()
    {
        var path = WriteFile("nofingerprint", Rewrite(ValidBundle(), root => root.AsObject().Remove("trainingData")));
        AssertRejected(path, $"does not match bundle format version {ModelBundle.CurrentFormatVersion}", "trainingData");
    }

    [TestMethod]
    public void RejectsInvalidOptions()
    {
        var path = WriteFile("badoptions", Rewrite(ValidBundle(), root => root["options"]!["views"] = 0));
        AssertRejected(path, "invalid options", "Views");
    }

    [TestMethod]
    public void RejectsAnotherFormat()
    {
        var path = WriteFile("otherformat", Rewrite(ValidBundle(), root => root["format"] = "something-else"));
        AssertRejected(path, "this is not a SimVae model bundle");
    }

    [TestMethod]
    public void RejectsCorruptSafetensorsWithAMatchingHash()
    {
        var garbage = new byte[64];
        garbage[0] = 0xFF; garbage[1] = 0xFF; // header length far beyond the data
        var entries = Entries(ValidBundle());
        entries[ModelBundle.WeightsEntry] = garbage;
        var patched = Rewrite(Zip(entries), root =>
        {
            root["weights"]!["sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(garbage));
            root["weights"]!["bytes"] = garbage.Length;
        });
        AssertRejected(WriteFile("garbage", patched), "is not valid safetensors data");
    }

    [TestMethod]
    public void RejectsACorruptStreamAndNamesIt()
    {
        var bytes = ValidBundle();
        using var stream = new MemoryStream(bytes.AsSpan(0, 100).ToArray());
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ModelBundle.Load(stream, name: "embedded model"));
        StringAssert.StartsWith(e.Message, "embedded model is invalid");
    }

    // ---- helpers ----

    private static byte[]? validBundle;

    private static byte[] ValidBundle()
    {
        if (validBundle is null)
        {
            using var model = TinyModels.Create("simvae");
            validBundle = SaveToBytes(model);
        }
        return validBundle.ToArray();
    }

    private static byte[] SaveToBytes(SslModel model)
    {
        using var stream = new MemoryStream();
        ModelBundle.Save(stream, model, DataFingerprint.Of(TinyModels.Data(8)));
        return stream.ToArray();
    }

    private static Dictionary<string, byte[]> Entries(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        return archive.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var s = e.Open();
            using var m = new MemoryStream();
            s.CopyTo(m);
            return m.ToArray();
        });
    }

    private static byte[] Zip(Dictionary<string, byte[]> entries)
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, bytes) in entries)
            {
                using var s = archive.CreateEntry(name).Open();
                s.Write(bytes);
            }
        return stream.ToArray();
    }

    /// <summary>Edits bundle.json and, unless <paramref name="rehash"/> is false, records its new SHA-256 as a writer would.</summary>
    internal static byte[] Rewrite(byte[] zip, Action<JsonNode> edit, bool rehash = true)
    {
        var root = JsonNode.Parse(Entries(zip)[ModelBundle.ManifestEntry])!;
        edit(root);
        return ReplaceManifest(zip, Encoding.UTF8.GetBytes(root.ToJsonString()), rehash);
    }

    internal static byte[] ManifestOf(byte[] zip) => Entries(zip)[ModelBundle.ManifestEntry];

    /// <summary>Replaces bundle.json by <paramref name="manifest"/> and, unless <paramref name="rehash"/> is false, records its SHA-256.</summary>
    internal static byte[] ReplaceManifest(byte[] zip, byte[] manifest, bool rehash)
    {
        var entries = Entries(zip);
        entries[ModelBundle.ManifestEntry] = manifest;
        if (rehash)
            entries[ModelBundle.ManifestHashEntry] = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(manifest)));
        return Zip(entries);
    }

    private static string WriteFile(string name, byte[] bytes)
    {
        var path = NewPath(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void AssertRejected(string path, params string[] fragments)
    {
        InvalidDataException? e = null;
        long leaked = TensorsLeftToTheFinalizer(() => e = Assert.ThrowsExactly<InvalidDataException>(() => ModelBundle.Load(path)));
        StringAssert.Contains(e!.Message, path, "the message must name the file");
        foreach (var fragment in fragments) StringAssert.Contains(e.Message, fragment);
        Assert.AreEqual(0, leaked, "a rejected bundle must not leak tensors");
    }

    /// <summary>
    /// How many tensors <paramref name="action"/> left undisposed and unreachable, i.e. freed only by their finalizers.
    /// Counted through the finalizers because TorchSharp's live count never drops the empty shell each new parameter leaves.
    /// </summary>
    private static long TensorsLeftToTheFinalizer(Action action)
    {
        Collect();
        action();
        long before = Tensor.TotalCount;
        Collect();
        return before - Tensor.TotalCount;

        static void Collect()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }
    }
}
