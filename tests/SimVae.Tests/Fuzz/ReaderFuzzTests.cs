using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using SimVae.Bundles;
using SimVae.Data;
using SimVae.Engine;
using SimVae.Methods;
using SimVae.Serialization;
using SimVae.Tests.Data;
using SimVae.Tests.Featurization;
using SimVae.Training;
using static TorchSharp.torch;

namespace SimVae.Tests.Fuzz;

/// <summary>
/// Seeded fuzzing of every reader (at least 100 malformed inputs each): a documented exception with a message, within
/// 5 s and 500 MB per input, and no silent success — an input is accepted only when an independent check says it is
/// still a valid file of its format (a changed pixel, say) or the result is verified to be the original content.
/// </summary>
[TestClass]
public class ReaderFuzzTests
{
    private const int Count = 120;

    [TestMethod]
    public void Idx()
    {
        var valid = TestFiles.IdxImages(20, 8, 8, (n, y, x) => (byte)(n * 3 + y + x));
        var inputs = Fuzzer.Mutate(valid, seed: 11, Count, [(0, 4, true), (4, 4, true), (8, 4, true), (12, 4, true)], payload: 16..,
            structured: r =>
            {
                var gz = TestFiles.Gzip(valid);
                gz[r.Next(10, gz.Length)] ^= (byte)(1 << r.Next(8));
                return new("gzip-flip", gz);
            });
        using var dir = new Data.TempFolder();
        var path = dir.File("images-idx3-ubyte");
        Fuzzer.Run<DataSetFormatException>("idx", valid, inputs, input =>
        {
            File.WriteAllBytes(path, input.Bytes);
            IdxReader.ReadImages(path);
            return IsValidIdx(input.Bytes);
        });
    }

    /// <summary>The IDX format's rules, checked independently of the reader (raw files only).</summary>
    private static bool IsValidIdx(byte[] b) =>
        b.Length >= 16 && BinaryPrimitives.ReadInt32BigEndian(b) == IdxReader.ImagesMagic
        && BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(4)) is >= 0 and var n
        && BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(8)) is >= 1 and <= 4096 and var h
        && BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(12)) is >= 1 and <= 4096 and var w
        && 16L + (long)n * h * w == b.Length;

    [TestMethod]
    public void Cifar10Binary()
    {
        var valid = new byte[3 * Cifar10Reader.RecordSize];
        new Random(5).NextBytes(valid);
        for (int r = 0; r < 3; r++) valid[r * Cifar10Reader.RecordSize] = (byte)(r * 4);
        var inputs = Fuzzer.Mutate(valid, seed: 12, Count, [(0, 1, false), (Cifar10Reader.RecordSize, 1, false), (2 * Cifar10Reader.RecordSize, 1, false)]);
        using var dir = new Data.TempFolder();
        var path = dir.File("data_batch_1.bin");
        Fuzzer.Run<DataSetFormatException>("cifar10", valid, inputs, input =>
        {
            File.WriteAllBytes(path, input.Bytes);
            Cifar10Reader.Load(path);
            var b = input.Bytes;
            return b.Length > 0 && b.Length % Cifar10Reader.RecordSize == 0
                && Enumerable.Range(0, b.Length / Cifar10Reader.RecordSize).All(r => b[r * Cifar10Reader.RecordSize] <= 9);
        });
    }

    [TestMethod]
    public void ImageFolder()
    {
        var valid = TestFiles.Png(6, 5, 3, (y, x, c) => (byte)(40 * c + 9 * y + x));
        // PNG size fields: IHDR width and height (big-endian), and the first chunk length.
        var inputs = Fuzzer.Mutate(valid, seed: 13, Count, [(8, 4, true), (16, 4, true), (20, 4, true)], structured: r =>
        {
            // A JPEG start with a frame header declaring an extreme size, then garbage.
            var jpeg = new byte[64];
            r.NextBytes(jpeg);
            new byte[] { 0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x03 }.CopyTo(jpeg, 0);
            return new("jpeg-extreme", jpeg);
        });
        using var dir = new Data.TempFolder();
        Directory.CreateDirectory(dir.File("a"));
        var path = dir.File("a/image.png");
        byte[]? original = null;
        Fuzzer.Run<DataSetFormatException>("image folder", valid, inputs, input =>
        {
            File.WriteAllBytes(path, input.Bytes);
            var pixels = ImageFolderReader.Load(dir.Path, 3, 6, 5).Pixels.ToArray();
            original ??= pixels;
            // PNG decoders ignore bytes after the image data (trailing data, a damaged IEND): accepted only with the original pixels.
            return pixels.AsSpan().SequenceEqual(original);
        });
    }

    [TestMethod]
    public void SafeTensors()
    {
        byte[] valid;
        using (var a = rand(3, 4))
        using (var b = arange(10))
        using (var stream = new MemoryStream())
        {
            SimVae.Serialization.SafeTensors.Save(stream, new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b }, new Dictionary<string, string> { ["k"] = "v" });
            valid = stream.ToArray();
        }
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        var header = Encoding.UTF8.GetString(valid, 8, headerLength).TrimEnd();
        var inputs = Fuzzer.Mutate(valid, seed: 14, Count, [(0, 8, false)], payload: (8 + headerLength)..,
            structured: r =>
            {
                var json = Encoding.UTF8.GetBytes(Fuzzer.EditJson(header, r));
                var data = valid.AsSpan(8 + headerLength);
                var bytes = new byte[8 + json.Length + data.Length];
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
                json.CopyTo(bytes, 8);
                data.CopyTo(bytes.AsSpan(8 + json.Length));
                return new("json-edit", bytes);
            });
        using var dir = new Data.TempFolder();
        var path = dir.File("t.safetensors");
        Fuzzer.Run<InvalidDataException>("safetensors", valid, inputs, input =>
        {
            File.WriteAllBytes(path, input.Bytes);
            using var file = SimVae.Serialization.SafeTensors.Load(path);
            return IsConsistentSafeTensors(input.Bytes);
        });
    }

    /// <summary>The safetensors rules, checked independently: a JSON object of known dtypes whose shapes match offsets that tile the data.</summary>
    private static bool IsConsistentSafeTensors(byte[] b)
    {
        try
        {
            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(b);
            if (n > (ulong)b.Length - 8) return false;
            using var doc = JsonDocument.Parse(b.AsMemory(8, (int)n));
            long end = 0;
            var spans = new List<(long Begin, long End)>();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__") { if (p.Value.EnumerateObject().Any(m => m.Value.ValueKind != JsonValueKind.String)) return false; continue; }
                if (!SafeTensorsDType.TryParse(p.Value.GetProperty("dtype").GetString()!, out var dtype)) return false;
                long count = p.Value.GetProperty("shape").EnumerateArray().Aggregate(1L, (c, s) => checked(c * s.GetInt64()));
                var o = p.Value.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()).ToArray();
                if (o.Length != 2 || o[1] - o[0] != count * SafeTensorsDType.ElementSize(dtype)) return false;
                spans.Add((o[0], o[1]));
            }
            foreach (var (begin, stop) in spans.OrderBy(s => s.Begin))
            {
                if (begin != end) return false;
                end = stop;
            }
            return end == b.Length - 8 - (long)n;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or OverflowException)
        {
            return false;
        }
    }

    [TestMethod]
    public void Bundle()
    {
        using var model = TinyModels.Create("vae");
        byte[] valid;
        using (var stream = new MemoryStream())
        {
            ModelBundle.Save(stream, model, DataFingerprint.Of(TinyModels.Data(8)));
            valid = stream.ToArray();
        }
        string manifest = Fuzzer.Text(Entry(valid, ModelBundle.ManifestEntry));
        var weightsSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Entry(valid, ModelBundle.WeightsEntry)));
        // Zip size fields: the end-of-central-directory record's entry counts, directory size and offset.
        int eocd = valid.Length - 22;
        var inputs = Fuzzer.Mutate(valid, seed: 15, Count, [(eocd + 10, 2, false), (eocd + 12, 4, false), (eocd + 16, 4, false), (18, 4, false), (22, 4, false)],
            structured: r =>
            {
                // Half re-hash the edited manifest as a writer would (reaching the deeper checks), half leave the hash stale.
                var edited = Encoding.UTF8.GetBytes(Fuzzer.EditJson(manifest, r));
                return new("json-edit", Bundles.ModelBundleTests.ReplaceManifest(valid, edited, rehash: r.Next(2) == 0));
            });
        using var dir = new Data.TempFolder();
        var path = dir.File("b.simvae");
        Fuzzer.Run<InvalidDataException>("bundle", valid, inputs, input =>
        {
            File.WriteAllBytes(path, input.Bytes);
            using var loaded = ModelBundle.Load(path);
            // A re-hashed manifest with another valid value (a learning rate, a version string, views that turn a VAE into
            // SimVAE) is a valid bundle; what must never load is a model whose weights are not the original ones, exactly.
            return loaded.WeightsSha256 == weightsSha;
        });
    }

    [TestMethod]
    public void Checkpoint()
    {
        using var dir = new Data.TempFolder();
        var path = dir.File("run.ckpt");
        var data = TinyModels.Data(32);
        var options = TinyModels.Options("vae");
        var trainerOptions = new TrainerOptions { MaxSteps = 2, Device = CPU, LogEvery = 2, Prefetch = 0, CheckpointPath = path };
        var trainer = new Trainer(trainerOptions);
        using (var trained = trainer.CreateModel(options)) trainer.Train(trained, data);
        var valid = File.ReadAllBytes(path);
        string original;
        using (var file = SimVae.Serialization.SafeTensors.Load(path)) original = SimVae.Serialization.SafeTensors.ContentHash(file.Tensors, file.Metadata, "sha256");
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        var header = Encoding.UTF8.GetString(valid, 8, headerLength).TrimEnd();
        var inputs = Fuzzer.Mutate(valid, seed: 16, Count, [(0, 8, false)], structured: r =>
        {
            var json = Encoding.UTF8.GetBytes(Fuzzer.EditJson(header, r));
            return new("json-edit", [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. valid.AsSpan(8 + headerLength)]);
        });
        using var model = SslModel.Create(options);
        using var optimizer = model.ConfigureOptimizers(trainerOptions.MaxSteps!.Value);
        var run = new CheckpointRun(trainerOptions.Seed, DataFingerprint.Of(data), Precision.Float32, data.Count / options.BatchImages);
        Fuzzer.Run<InvalidDataException>("checkpoint", valid, inputs, input =>
        {
            File.WriteAllBytes(path, input.Bytes);
            SimVae.Training.Checkpoint.Load(path, model, optimizer, run);
            using var file = SimVae.Serialization.SafeTensors.Load(path);
            return SimVae.Serialization.SafeTensors.ContentHash(file.Tensors, file.Metadata, "sha256") == original;
        });
    }

    private static byte[] Entry(byte[] zip, string name)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        using var stream = archive.GetEntry(name)!.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
