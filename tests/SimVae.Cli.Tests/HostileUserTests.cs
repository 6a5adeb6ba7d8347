using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Case = SimVae.Cli.Tests.Refusals.Case;

namespace SimVae.Cli.Tests;

/// <summary>
/// Issue 19, as a hostile but fair user: hard links, pipes, unrelated files, data folders and long names given as
/// outputs or inputs, and signals. The real tool runs in its own process; the user's files are asserted unchanged.
/// </summary>
[TestClass]
public sealed class HostileUserTests
{
    private static TempFolder folder = null!;
    private static string bundle = null!;

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        folder = new TempFolder();
        bundle = folder.File("tiny.simvae");
        var run = Cli.Run(Refusals.Tiny(bundle, "--quiet"));
        Assert.AreEqual(0, run.ExitCode, run.ToString());
    }

    [ClassCleanup]
    public static void Cleanup() => folder?.Dispose();

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void HardLinksPipesForeignFilesAndDataFoldersAreRefusedBeforeAnyWork()
    {
        var data = Directory.CreateDirectory(folder.File("data")).FullName;
        var fashion = Directory.CreateDirectory(Path.Combine(data, "fashion")).FullName;
        File.WriteAllBytes(Path.Combine(fashion, "train-images-idx3-ubyte"), Idx(0x803, 2, 28, 28));
        File.WriteAllBytes(Path.Combine(fashion, "train-labels-idx1-ubyte"), Idx(0x801, 2));
        var images = Directory.CreateDirectory(Path.Combine(data, "images", "a")).FullName;
        File.WriteAllBytes(Path.Combine(images, "1.png"), Images.Png(8, 8));
        var empty = Directory.CreateDirectory(Path.Combine(data, "empty")).FullName;
        File.WriteAllBytes(Path.Combine(empty, "train-images-idx3-ubyte"), Idx(0x803, 0, 28, 28));
        File.WriteAllBytes(Path.Combine(empty, "train-labels-idx1-ubyte"), Idx(0x801, 0));
        var lying = Directory.CreateDirectory(Path.Combine(data, "lying")).FullName;
        File.WriteAllBytes(Path.Combine(lying, "train-images-idx3-ubyte"), Gzip(Idx(0x803, 2_000_000, 28, 28)[..16]));
        File.WriteAllBytes(Path.Combine(lying, "train-labels-idx1-ubyte"), Idx(0x801, 2_000_000)[..8]);
        var piped = Directory.CreateDirectory(Path.Combine(data, "piped", "a")).FullName;
        Fifo(Path.Combine(piped, "1.png"));
        var pipedIdx = Directory.CreateDirectory(Path.Combine(data, "piped-idx")).FullName;
        Fifo(Path.Combine(pipedIdx, "train-images-idx3-ubyte"));
        File.WriteAllBytes(Path.Combine(pipedIdx, "train-labels-idx1-ubyte"), Idx(0x801, 2));
        var notes = Path.Combine(data, "notes.txt");
        File.WriteAllText(notes, "my notes\n");
        var fifo = Path.Combine(data, "fifo.simvae");
        Fifo(fifo);
        var labelsLink = folder.File("labels.jsonl");
        var imageLink = folder.File("image.jsonl");
        Run("ln", $"\"{Path.Combine(fashion, "train-labels-idx1-ubyte")}\" \"{labelsLink}\"");
        Run("ln", $"\"{Path.Combine(images, "1.png")}\" \"{imageLink}\"");
        var before = Refusals.Snapshot(data);
        string[] Train(params string[] extra) => Refusals.Tiny(folder.File("out.simvae"), extra);
        string[] Folder(string path) => ["--dataset", "folder", "--data-path", path, "--image-size", "8", "--batch-size", "2"];
        Refusals.Expect(folder.Path,
            new Case("1: --metrics hard-linked to an IDX labels file", Train("--dataset", "fashion-mnist", "--data-path", fashion, "--metrics", labelsLink), 3, "--metrics", "hard link", "destroy an input"),
            new Case("1: --metrics hard-linked to an image", Train([.. Folder(Path.Combine(data, "images")), "--metrics", imageLink]), 3, "hard link"),
            new Case("2: --metrics names an unrelated file", Train("--metrics", notes), 3, "is not a metrics log simvae wrote"),
            new Case("3: info on a FIFO bundle", ["info", fifo], 3, "not a regular file"),
            new Case("3: featurize with a FIFO bundle", ["featurize", "--model", fifo, "--dataset", "synthetic", "--limit", "4", "--output", folder.File("f.csv")], 3, "not a regular file"),
            new Case("3: evaluate with a FIFO bundle", ["evaluate", "--model", fifo, "--dataset", "synthetic"], 3, "not a regular file"),
            new Case("3: a FIFO --checkpoint with --resume", Train("--checkpoint", fifo, "--resume"), 3, "--checkpoint", "not a regular file"),
            new Case("3: a FIFO --metrics", Train("--metrics", fifo), 3, "--metrics", "not a regular file"),
            new Case("3: a FIFO image", Train(Folder(Path.Combine(data, "piped"))), 3, "1.png", "not a regular file"),
            new Case("3: a FIFO IDX file", Train("--dataset", "fashion-mnist", "--data-path", pipedIdx), 3, "train-images-idx3-ubyte", "not a regular file"),
            new Case("5: export-images into the data folder", ["export-images", "--dataset", "folder", "--data-path", Path.Combine(data, "images"), "--output", Path.Combine(data, "images")], 3, "--output", "--data-path"),
            new Case("5: export-images into a non-empty folder", ["export-images", "--dataset", "synthetic", "--limit", "4", "--output", data], 3, "is not empty"),
            new Case("5: export-images below a file", ["export-images", "--dataset", "synthetic", "--limit", "4", "--output", Path.Combine(notes, "out")], 3, "is a file, not a folder"),
            new Case("5: featurize into an image folder", ["featurize", "--model", bundle, "--dataset", "folder", "--data-path", Path.Combine(data, "images"), "--split", "train", "--output", Path.Combine(images, "feat.png")], 3, "is inside --data-path", "part of the data set"),
            new Case("8: IDX with 0 images", Train("--dataset", "fashion-mnist", "--data-path", empty), 3, "holds no images"),
            new Case("8: gzip IDX whose header lies", Train("--dataset", "fashion-mnist", "--data-path", lying), 3, "gzip trailer", "refused before inflating"));
        CollectionAssert.AreEqual(before, Refusals.Snapshot(data), "the data folder is unchanged");
        Assert.IsFalse(File.Exists(folder.File("out.simvae.ckpt")), "refused before any step");
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public void MetricsLogsOfThisToolAreReplacedAndAnImageSizeTooLargeIsRefusedBeforeGenerating()
    {
        var metrics = folder.File("metrics.jsonl");
        File.WriteAllText(metrics, "");
        Assert.AreEqual(0, Cli.Run(Refusals.Tiny(folder.File("m.simvae"), "--metrics", metrics, "--log-every", "1", "--quiet")).ExitCode);
        Assert.AreEqual(0, Cli.Run(Refusals.Tiny(folder.File("m.simvae"), "--metrics", metrics, "--log-every", "1", "--quiet")).ExitCode, "its own log is replaced");
        Assert.AreEqual(2, File.ReadAllLines(metrics).Length);
        var clock = Stopwatch.StartNew();
        Refusals.Expect(folder.Path, new Case("8: --image-size 1024", ["train", "--dataset", "synthetic", "--image-size", "1024", "--output", folder.File("big.simvae")], 2, "2,147,483,647"));
        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(12), $"refused after {clock.Elapsed.TotalSeconds:F1} s: 10,000 images of 1024x1024 were generated first");
    }

    [TestMethod]
    [Timeout(180_000, CooperativeCancellation = true)]
    public void LongNamesTrainOrAreRefusedBeforeAnyWork()
    {
        var longest = folder.File(new string('a', 243) + ".simvae"); // its checkpoint name: 255 bytes
        var (code, text) = Processes.Run("dotnet", $"\"{Cli.ToolDll}\" {string.Join(" ", Refusals.Tiny(longest, "--quiet").Select(a => $"\"{a}\""))}", folder.Path, TimeSpan.FromSeconds(90));
        Assert.AreEqual(0, code, text);
        Assert.IsTrue(File.Exists(longest) && File.Exists(longest + ".ckpt"));
        Assert.AreEqual(0, Directory.GetFiles(folder.Path, "*.tmp").Length, "no temporary left");
        var tooLong = folder.File(new string('b', 252));
        Refusals.Expect(folder.Path, new Case("6: checkpoint name over 255 bytes", Refusals.Tiny(tooLong), 3, "--checkpoint", "257 bytes long", "255"));
        Assert.IsFalse(File.Exists(tooLong));
    }

    [TestMethod]
    [Timeout(180_000, CooperativeCancellation = true)]
    public void SigtermStopsLikeCtrlCWithTheCheckpointsStepInTheMessage()
    {
        var output = folder.File("term.simvae");
        var metrics = folder.File("term.jsonl");
        var args = Refusals.Tiny(output, "--max-steps", "100000", "--checkpoint-every", "1000", "--log-every", "1", "--metrics", metrics, "--quiet");
        using var process = Processes.Start("dotnet", $"\"{Cli.ToolDll}\" {string.Join(" ", args.Select(a => $"\"{a}\""))}", folder.Path, null, out var log);
        var clock = Stopwatch.StartNew();
        while (!File.Exists(metrics) || new FileInfo(metrics).Length == 0)
        {
            Assert.IsFalse(process.HasExited, $"exited early:\n{log}");
            Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(90), $"no step within 90 s:\n{log}");
            Thread.Sleep(50);
        }
        Assert.AreEqual(0, Processes.Run("kill", $"-TERM {process.Id}", folder.Path, TimeSpan.FromSeconds(10)).ExitCode);
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromSeconds(60)), $"still running after SIGTERM:\n{log}");
        process.WaitForExit();
        string text;
        lock (log) text = log.ToString();
        Assert.AreEqual(ExitCodes.Cancelled, process.ExitCode, text);
        long step = CheckpointStep(output + ".ckpt");
        StringAssert.Contains(text, $"training interrupted at step {step}; checkpoint written to");
    }

    /// <summary>The step a checkpoint holds, read from its safetensors header's metadata.</summary>
    internal static long CheckpointStep(string path)
    {
        var bytes = File.ReadAllBytes(path);
        long length = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)length));
        return long.Parse(header.RootElement.GetProperty("__metadata__").GetProperty("step").GetString()!, CultureInfo.InvariantCulture);
    }

    /// <summary>An IDX header (magic, then the sizes) followed by the zero bytes they describe.</summary>
    private static byte[] Idx(int magic, params int[] sizes)
    {
        long data = sizes.Aggregate(1L, (a, b) => a * b);
        var bytes = new byte[4 + 4 * sizes.Length + (data > 1 << 20 ? 0 : data)];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int d = 0; d < sizes.Length; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), sizes[d]);
        return bytes;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(bytes);
        return output.ToArray();
    }

    private static void Fifo(string path) => Run("mkfifo", $"\"{path}\"");

    private static void Run(string program, string arguments)
    {
        var (code, text) = Processes.Run(program, arguments, folder.Path, TimeSpan.FromSeconds(10));
        Assert.AreEqual(0, code, $"{program} {arguments}: {text}");
    }
}
