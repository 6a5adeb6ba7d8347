using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SimVae.Bundles;
using SimVae.Methods;
using SimVae.Engine;
using SimVae.IO;

using Case = SimVae.Cli.Tests.Refusals.Case;

namespace SimVae.Cli.Tests;

/// <summary>
/// The real tool, in its own process, refuses what would destroy a user's files or trust them blindly: exit code, one
/// line on stderr naming the option or file, and the user's files unchanged. Independent runs go in parallel.
/// </summary>
[TestClass]
public sealed class RefusalTests
{
    private static TempFolder folder = null!;
    private static string bundle = null!;

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        folder = new TempFolder();
        bundle = folder.File("tiny.simvae");
        var run = Cli.Run(Tiny(bundle, "--quiet"));
        Assert.AreEqual(0, run.ExitCode, run.ToString());
    }

    [ClassCleanup]
    public static void Cleanup() => folder?.Dispose();

    private static string[] Tiny(string output, params string[] extra) => Refusals.Tiny(output, extra);

    private static void Expect(params Case[] cases) => Refusals.Expect(folder.Path, cases);

    private static string Hash(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void OutputsNeverOverwriteInputsOrEachOther()
    {
        var link = folder.File("link.simvae");
        if (!File.Exists(link)) File.CreateSymbolicLink(link, bundle);
        var images = Path.Combine(folder.Path, "images", "a");
        Directory.CreateDirectory(images);
        var png = Path.Combine(images, "one.png");
        File.WriteAllBytes(png, Images.Png(4, 4));
        var before = (Hash(bundle), Hash(png));
        var aFolder = Directory.CreateDirectory(folder.File("a-folder")).FullName;
        var fashion = Directory.CreateDirectory(folder.File("fashion")).FullName;
        foreach (var name in new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
            File.WriteAllBytes(Path.Combine(fashion, name), [1, 2, 3]);
        Expect(
            new Case("featurize over its model", ["featurize", "--model", bundle, "--dataset", "synthetic", "--limit", "4", "--output", bundle], 3, "--output", "--model", "destroy an input"),
            new Case("featurize over a link to its model", ["featurize", "--model", bundle, "--dataset", "synthetic", "--limit", "4", "--output", link], 3, "same file as --model"),
            new Case("export over a link to its model", ["export", "--model", bundle, "--output", link], 3, "same file as --model"),
            new Case("featurize over a data file", ["featurize", "--model", bundle, "--dataset", "folder", "--data-path", Path.Combine(folder.Path, "images"), "--split", "train", "--output", png], 3, "--data-path"),
            new Case("checkpoint = output", Tiny(folder.File("x.simvae"), "--checkpoint", folder.File("x.simvae")), 3, "--output and --checkpoint both name"),
            new Case("metrics = output", Tiny(folder.File("y.simvae"), "--metrics", folder.File("y.simvae")), 3, "--output and --metrics both name"),
            new Case("output is a folder", Tiny(aFolder), 3, "is a folder"),
            new Case("output folder missing", Tiny(folder.File("missing/z.simvae")), 3, "does not exist"),
            new Case("compare output is a file", ["compare", "--dataset", "synthetic", "--methods", "vae", "--seeds", "1", "--max-steps", "1", "--output", bundle], 3, "is a file, not a folder"),
            new Case("compare output holds the data", ["compare", "--dataset", "fashion-mnist", "--data-path", fashion, "--methods", "vae", "--seeds", "1", "--output", folder.Path], 3, "holds --data-path"));
        Assert.AreEqual(before, (Hash(bundle), Hash(png)), "the inputs are unchanged");
        Assert.IsFalse(File.Exists(folder.File("x.simvae.ckpt")) || File.Exists(folder.File("y.simvae.ckpt")), "refused before any work");
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void ResumeRefusesAnotherRunOrADamagedCheckpoint()
    {
        var path = folder.File("resume.simvae");
        Assert.AreEqual(0, Cli.Run(Tiny(path, "--quiet")).ExitCode);
        var damaged = folder.File("damaged.simvae");
        Assert.AreEqual(0, Cli.Run(Tiny(damaged, "--quiet")).ExitCode);
        var bytes = File.ReadAllBytes(damaged + ".ckpt");
        bytes[^100] ^= 1;
        File.WriteAllBytes(damaged + ".ckpt", bytes);
        var checkpoint = Hash(path + ".ckpt");
        Expect(
            new Case("other learning rate", Tiny(path, "--resume", "--max-steps", "3", "--learning-rate", "0.01"), 3, "learningRate is 8E-05 in the checkpoint, 0.01 now", "to start afresh"),
            new Case("other data", Tiny(path, "--resume", "--max-steps", "3", "--limit", "96"), 3, "data is sha256:"),
            new Case("other batch size", Tiny(path, "--resume", "--max-steps", "3", "--batch-size", "16"), 3, "batchImages is 32 in the checkpoint, 16 now"),
            new Case("flipped bit", Tiny(damaged, "--resume", "--max-steps", "3"), 3, "is corrupt or was modified"));
        Assert.AreEqual(checkpoint, Hash(path + ".ckpt"), "a refused resume leaves the checkpoint as it was");
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void BundlesAreCheckedBeforeTheyAreTrusted()
    {
        var edited = folder.File("edited.simvae");
        File.WriteAllBytes(edited, EditManifest(File.ReadAllBytes(bundle), root => root["options"]!["latentDim"] = 150000));
        var nan = folder.File("nan.simvae");
        var huge = folder.File("huge.simvae");
        using (var loaded = ModelBundle.Load(bundle))
        {
            SetFirstWeight(loaded.Model, float.NaN);
            ModelBundle.Save(nan, loaded.Model, loaded.TrainingData);
            SetFirstWeight(loaded.Model, 3e38f, all: true);
            ModelBundle.Save(huge, loaded.Model, loaded.TrainingData);
        }
        var features = folder.File("features.csv");
        Expect(
            new Case("manifest edited", ["info", edited], 3, "SHA-256 of entry 'bundle.json'"),
            new Case("NaN weights", ["info", nan], 3, "NaN or infinite values"),
            new Case("infinite features", ["featurize", "--model", huge, "--dataset", "synthetic", "--limit", "4", "--output", features], 3, "NaN or infinite features", "nothing was written"),
            new Case("infinite features in evaluate", ["evaluate", "--model", huge, "--dataset", "synthetic", "--train-limit", "40", "--test-limit", "10", "--probes", "knn"], 3, "NaN or infinite features"),
            new Case("a folder as a bundle", ["featurize", "--model", folder.Path, "--dataset", "synthetic", "--limit", "4", "--output", features], 3, "is a folder, not a file"),
            new Case("a missing bundle", ["evaluate", "--model", folder.File("none.simvae"), "--dataset", "synthetic"], 3, "none.simvae"));
        Assert.IsFalse(File.Exists(features), "no feature file from a refused run");
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void ImagesAreCheckedBeforeDecodingWithoutLibraryChatter()
    {
        var huge = Path.Combine(folder.Path, "huge", "a");
        Directory.CreateDirectory(huge);
        File.WriteAllBytes(Path.Combine(huge, "big.png"), Images.PngDeclaring(30000, 30000));
        var corrupt = Path.Combine(folder.Path, "corrupt", "a");
        Directory.CreateDirectory(corrupt);
        var png = Images.Png(8, 8);
        png[^20] ^= 0xFF; // inside IDAT: a CRC error (libpng would print "libpng error: IDAT: CRC error")
        File.WriteAllBytes(Path.Combine(corrupt, "bad.png"), png);
        var device = Path.Combine(folder.Path, "device", "a");
        Directory.CreateDirectory(device);
        if (!File.Exists(Path.Combine(device, "zero.png"))) File.CreateSymbolicLink(Path.Combine(device, "zero.png"), "/dev/zero");
        string[] Folder(string root) => Tiny(folder.File("img.simvae"), "--dataset", "folder", "--data-path", Path.Combine(folder.Path, root), "--image-size", "8");
        Expect(
            new Case("30000x30000 PNG", Folder("huge"), 3, "big.png", "30000x30000", "40,000,000"),
            new Case("corrupt PNG", Folder("corrupt"), 3, "bad.png", "could not decode PNG"),
            new Case("link to a device", Folder("device"), 3, "zero.png", "not a regular file"));
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void EveryUserMistakeIsOneLineNamingTheOptionAndItsRange()
    {
        Expect(
            new Case("epochs overflow", Tiny(folder.File("e.simvae"), "--epochs", "99999999999"), 2, "--epochs must be an integer in 1..1000000 (got '99999999999')"),
            new Case("image size", Tiny(folder.File("i.simvae"), "--image-size", "50000"), 2, "--image-size must be an integer in 1..1024"),
            new Case("latent dim", Tiny(folder.File("l.simvae"), "--latent-dim", "150000"), 2, "--latent-dim must be an integer in 1..4096"),
            new Case("learning rate word", Tiny(folder.File("r.simvae"), "--learning-rate", "fast"), 2, "--learning-rate must be a number"),
            new Case("threads", ["info", "--threads", "100000"], 2, "--threads must be an integer in 1.."),
            new Case("too few evaluation images", ["evaluate", "--model", bundle, "--dataset", "synthetic", "--train-limit", "5", "--test-limit", "3"], 2, "--train-limit", "at least 20"),
            new Case("MLP too large for a bundle", Tiny(folder.File("big.simvae"), "--image-size", "512"), 2, "more than the 2,147,483,647 a model bundle can store"));
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public void StaleTemporariesOfAnOutputAreRemovedAndReported()
    {
        var path = folder.File("stale.simvae");
        var stale = folder.File($".stale.simvae.ckpt.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(stale, new byte[4096]);
        var (code, text) = Processes.Run("dotnet", $"\"{Cli.ToolDll}\" {string.Join(" ", Tiny(path).Select(a => $"\"{a}\""))}", folder.Path, TimeSpan.FromSeconds(90));
        Assert.AreEqual(0, code, text);
        StringAssert.Contains(text, $"removed '{stale}'");
        Assert.IsFalse(File.Exists(stale));
        Assert.AreEqual(0, Directory.GetFiles(folder.Path, ".stale.*").Length, "no temporary left");
    }

    private static void SetFirstWeight(SslModel model, float value, bool all = false)
    {
        using var noGrad = TorchSharp.torch.no_grad();
        foreach (var p in model.parameters().Take(all ? int.MaxValue : 1))
        {
            using var flat = p.flatten();
            using var head = flat.narrow(0, 0, all ? flat.size(0) : 1);
            head.fill_(value);
        }
    }

    private static byte[] EditManifest(byte[] zip, Action<JsonNode> edit)
    {
        using var output = new MemoryStream();
        using (var source = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read))
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var entry in source.Entries)
            {
                using var read = entry.Open();
                using var buffer = new MemoryStream();
                read.CopyTo(buffer);
                var bytes = buffer.ToArray();
                if (entry.FullName == ModelBundle.ManifestEntry)
                {
                    var root = JsonNode.Parse(bytes)!;
                    edit(root);
                    bytes = Encoding.UTF8.GetBytes(root.ToJsonString());
                }
                using var write = target.CreateEntry(entry.FullName).Open();
                write.Write(bytes);
            }
        return output.ToArray();
    }
}
