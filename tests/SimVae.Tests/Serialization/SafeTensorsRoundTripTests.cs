using System.Runtime.InteropServices;
using System.Text;
using SimVae.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Tests.Serialization;

[TestClass]
public class SafeTensorsRoundTripTests
{
    /// <summary>One tensor of every supported dtype, with edge values, plus 0-d and empty tensors.</summary>
    private static Dictionary<string, Tensor> AllDTypes()
    {
        using var bf = TensorData.Of<float>([1f, -2.5f, 3.0e38f, 0.0078125f, float.NaN, float.NegativeInfinity], 2, 3);
        return new Dictionary<string, Tensor>
        {
            ["f32"] = TensorData.Of<float>([1.5f, -0f, float.NaN, float.PositiveInfinity, float.Epsilon, -3e38f], 2, 3),
            ["f64"] = TensorData.Of<double>([Math.PI, double.MinValue, -0d, double.Epsilon], 4),
            ["f16"] = TensorData.Of<Half>([Half.MaxValue, (Half)(-0.5f), Half.Epsilon, Half.NaN], 2, 2),
            ["bf16"] = bf.to(ScalarType.BFloat16),
            ["i64"] = TensorData.Of<long>([long.MinValue, long.MaxValue, 0, -1], 1, 4),
            ["i32"] = TensorData.Of<int>([int.MinValue, int.MaxValue, 7], 3),
            ["i16"] = TensorData.Of<short>([short.MinValue, short.MaxValue, -2], 3, 1),
            ["i8"] = TensorData.Of<sbyte>([sbyte.MinValue, sbyte.MaxValue, 0], 3),
            ["u8"] = TensorData.Of<byte>([0, 255, 17, 1], 2, 1, 2),
            ["bool"] = TensorData.Of<bool>([true, false, true], 3),
            ["scalar_f32"] = torch.tensor(3.25f),
            ["scalar_i64"] = torch.tensor(-9L),
            ["empty_f32"] = torch.empty(0, 3),
            ["empty_i64"] = torch.empty(new long[] { 2, 0 }, ScalarType.Int64),
            ["empty_1d_bool"] = torch.empty(new long[] { 0 }, ScalarType.Bool),
        };
    }

    private static void DisposeAll(IEnumerable<Tensor> tensors)
    {
        foreach (var t in tensors) t.Dispose();
    }

    /// <summary>Asserts same dtype, shape and bit-identical elements (NaN and -0 included).</summary>
    internal static void AssertIdentical(Tensor expected, Tensor actual, string name)
    {
        Assert.AreEqual(expected.dtype, actual.dtype, $"{name}: dtype");
        CollectionAssert.AreEqual(expected.shape, actual.shape, $"{name}: shape");
        switch (expected.dtype)
        {
            case ScalarType.Float32: Bits<float, int>(); break;
            case ScalarType.Float64: Bits<double, long>(); break;
            case ScalarType.Float16: Bits<Half, short>(); break;
            case ScalarType.BFloat16:
                using (var e = expected.to(ScalarType.Float32))
                using (var a = actual.to(ScalarType.Float32))
                    CollectionAssert.AreEqual(MemoryMarshal.Cast<float, int>(TensorData.ToArray<float>(e)).ToArray(), MemoryMarshal.Cast<float, int>(TensorData.ToArray<float>(a)).ToArray(), name);
                break;
            case ScalarType.Int64: Same<long>(); break;
            case ScalarType.Int32: Same<int>(); break;
            case ScalarType.Int16: Same<short>(); break;
            case ScalarType.Int8: Same<sbyte>(); break;
            case ScalarType.Byte: Same<byte>(); break;
            case ScalarType.Bool: Same<bool>(); break;
            default: Assert.Fail($"{name}: untested dtype {expected.dtype}"); break;
        }

        void Bits<T, TBits>() where T : unmanaged where TBits : unmanaged =>
            CollectionAssert.AreEqual(MemoryMarshal.Cast<T, TBits>(TensorData.ToArray<T>(expected)).ToArray(), MemoryMarshal.Cast<T, TBits>(TensorData.ToArray<T>(actual)).ToArray(), name);
        void Same<T>() where T : unmanaged => CollectionAssert.AreEqual(TensorData.ToArray<T>(expected), TensorData.ToArray<T>(actual), name);
    }

    private static void AssertRoundTrip(Dictionary<string, Tensor> original, SafeTensorsFile loaded)
    {
        CollectionAssert.AreEquivalent(original.Keys.ToArray(), loaded.Tensors.Keys.ToArray());
        foreach (var (name, t) in original) AssertIdentical(t, loaded.Tensors[name], name);
    }

    private static readonly Dictionary<string, string> Meta = new()
    {
        ["format"] = "pt",
        ["method"] = "simvae",
        ["unicode ✓"] = "ünïcødé \"quoted\" \\ <tag> \n",
    };

    [TestMethod]
    public void StreamRoundTripKeepsEveryDTypeShapeAndMetadata()
    {
        var original = AllDTypes();
        try
        {
            using var ms = new MemoryStream();
            SafeTensors.Save(ms, original, Meta);
            ms.Position = 0;
            using var loaded = SafeTensors.Load(ms);
            AssertRoundTrip(original, loaded);
            CollectionAssert.AreEquivalent(Meta.ToArray(), loaded.Metadata.ToArray());
            Assert.AreEqual(ms.Length, ms.Position, "reads the whole stream");
        }
        finally { DisposeAll(original.Values); }
    }

    [TestMethod]
    public void SpanAndUnseekableStreamRoundTrips()
    {
        var original = AllDTypes();
        try
        {
            using var ms = new MemoryStream();
            SafeTensors.Save(ms, original, Meta);
            var bytes = ms.ToArray();
            Assert.AreEqual(0, (BitConverter.ToInt64(bytes) + 8) % 8, "data starts 8-aligned");
            using (var fromSpan = SafeTensors.Load(bytes.AsSpan()))
                AssertRoundTrip(original, fromSpan);
            using (var trickled = SafeTensors.Load(new TrickleStream(bytes, maxRead: 5)))
            {
                AssertRoundTrip(original, trickled);
                Assert.AreEqual("simvae", trickled.Metadata["method"]);
            }
        }
        finally { DisposeAll(original.Values); }
    }

    [TestMethod]
    public void FileRoundTripIsAtomicAndReplacesExistingFile()
    {
        var dir = Directory.CreateTempSubdirectory("safetensors-test-");
        try
        {
            string path = Path.Combine(dir.FullName, "model.safetensors");
            File.WriteAllText(path, "old contents");
            var original = AllDTypes();
            try
            {
                SafeTensors.Save(path, original, Meta);
                CollectionAssert.AreEqual(new[] { "model.safetensors" }, dir.GetFiles().Select(f => f.Name).ToArray(), "no temporary file left");
                using var loaded = SafeTensors.Load(path);
                AssertRoundTrip(original, loaded);
            }
            finally { DisposeAll(original.Values); }

            // A failing save (reserved name) leaves the previous file and no temporary behind.
            using var x = torch.tensor(1f);
            Assert.ThrowsExactly<ArgumentException>(() => SafeTensors.Save(path, new Dictionary<string, Tensor> { ["__metadata__"] = x }));
            Assert.AreEqual(1, dir.GetFiles().Length);
            using var still = SafeTensors.Load(path);
            Assert.AreEqual(15, still.Tensors.Count);
        }
        finally { dir.Delete(recursive: true); }
    }

    [TestMethod]
    public void LargeTensorCrossesReadAndWriteChunkBoundaries()
    {
        // 20 MB: more than the 16 MB write/read chunk and many 1 MB buffered chunks.
        const int n = 5_000_000 + 3;
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = i * 0.25f - 7f;
        using var big = TensorData.Of<float>(values, n);
        using var flags = TensorData.Of<bool>(values.Select(v => v > 0).ToArray(), n);
        var tensors = new Dictionary<string, Tensor> { ["big"] = big, ["flags"] = flags };
        using var ms = new MemoryStream();
        SafeTensors.Save(ms, tensors);
        ms.Position = 0;
        using (var direct = SafeTensors.Load(ms))
            foreach (var (name, t) in tensors) AssertIdentical(t, direct.Tensors[name], name);
        using (var buffered = SafeTensors.Load(new TrickleStream(ms.ToArray(), maxRead: 300_000)))
            foreach (var (name, t) in tensors) AssertIdentical(t, buffered.Tensors[name], name);
    }

    [TestMethod]
    public void NonContiguousTensorIsWrittenInLogicalOrder()
    {
        using var m = TensorData.Of<float>([1, 2, 3, 4, 5, 6], 2, 3);
        using var t = m.t();
        using var ms = new MemoryStream();
        SafeTensors.Save(ms, new Dictionary<string, Tensor> { ["t"] = t });
        ms.Position = 0;
        using var loaded = SafeTensors.Load(ms);
        CollectionAssert.AreEqual(new long[] { 3, 2 }, loaded.Tensors["t"].shape);
        CollectionAssert.AreEqual(new float[] { 1, 4, 2, 5, 3, 6 }, TensorData.ToArray<float>(loaded.Tensors["t"]));
    }

    [TestMethod]
    public void WritesTheExactBytesOfTheFormat()
    {
        using var a = TensorData.Of<float>([1f, 2f], 2);
        using var b = torch.tensor((sbyte)-1);
        using var ms = new MemoryStream();
        // Inserted out of order: the writer sorts by name.
        SafeTensors.Save(ms, new Dictionary<string, Tensor> { ["b"] = b, ["a"] = a }, new Dictionary<string, string> { ["fmt"] = "pt" });

        const string json = "{\"__metadata__\":{\"fmt\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"I8\",\"shape\":[],\"data_offsets\":[8,9]}}";
        Assert.AreEqual(133, json.Length);
        var expected = new List<byte> { 136, 0, 0, 0, 0, 0, 0, 0 }; // 133 bytes of JSON + 3 spaces = 136
        expected.AddRange(Encoding.ASCII.GetBytes(json));
        expected.AddRange(Encoding.ASCII.GetBytes("   "));
        expected.AddRange(new byte[] { 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40 }); // 1f, 2f little-endian
        expected.Add(0xFF); // (sbyte)-1
        CollectionAssert.AreEqual(expected.ToArray(), ms.ToArray());
    }

    [TestMethod]
    public void EmptyDictionaryWritesAPaddedEmptyObject()
    {
        using var ms = new MemoryStream();
        SafeTensors.Save(ms, new Dictionary<string, Tensor>());
        CollectionAssert.AreEqual(new byte[] { 8, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}', 32, 32, 32, 32, 32, 32 }, ms.ToArray());
        ms.Position = 0;
        using var loaded = SafeTensors.Load(ms);
        Assert.AreEqual(0, loaded.Tensors.Count);
        Assert.AreEqual(0, loaded.Metadata.Count);
    }

    [TestMethod]
    public void FileOwnsTensorsUntilTakenAndIgnoresDisposeScopes()
    {
        using var a = TensorData.Of<float>([1f, 2f], 2);
        using var b = torch.tensor(5L);
        using var ms = new MemoryStream();
        SafeTensors.Save(ms, new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b });

        long live = Tensor.TotalCount;
        SafeTensorsFile file;
        using (torch.NewDisposeScope())
        {
            ms.Position = 0;
            file = SafeTensors.Load(ms);
        }
        Assert.IsFalse(file.Tensors["a"].IsInvalid, "a dispose scope around Load does not free the file's tensors");
        var taken = file.Take("b");
        Assert.IsFalse(file.Tensors.ContainsKey("b"));
        Assert.ThrowsExactly<KeyNotFoundException>(() => file.Take("b"));
        var aTensor = file.Tensors["a"];
        file.Dispose();
        Assert.IsTrue(aTensor.IsInvalid);
        Assert.IsFalse(taken.IsInvalid);
        Assert.AreEqual(5L, taken.item<long>());
        taken.Dispose();
        Assert.AreEqual(live, Tensor.TotalCount, "no tensor leaked");

        ms.Position = 0;
        using var again = SafeTensors.Load(ms);
        var all = again.TakeAll();
        Assert.AreEqual(0, again.Tensors.Count);
        DisposeAll(all.Values);
        Assert.AreEqual(live, Tensor.TotalCount);
    }

    [TestMethod]
    public void RejectsReservedNameAndDisposedTensorOnSave()
    {
        using var ms = new MemoryStream();
        var t = torch.tensor(1f);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => SafeTensors.Save(ms, new Dictionary<string, Tensor> { ["__metadata__"] = t }));
        StringAssert.Contains(ex.Message, "reserved");
        t.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => SafeTensors.Save(ms, new Dictionary<string, Tensor> { ["t"] = t }));
        Assert.AreEqual(0, ms.Length, "nothing written before validation");
    }

    [TestMethod]
    public void LoadsOntoCudaWhenAvailable()
    {
        if (!torch.cuda.is_available()) Assert.Inconclusive("skipped: no CUDA device in this libtorch build or machine");
        using var cpu = TensorData.Of<float>([1f, 2f, 3f], 3);
        using var a = cpu.cuda();
        using var ms = new MemoryStream();
        SafeTensors.Save(ms, new Dictionary<string, Tensor> { ["a"] = a });
        ms.Position = 0;
        using var loaded = SafeTensors.Load(ms, torch.CUDA);
        Assert.IsTrue(loaded.Tensors["a"].device_type == DeviceType.CUDA);
        CollectionAssert.AreEqual(new float[] { 1, 2, 3 }, TensorData.ToArray<float>(loaded.Tensors["a"]));
    }
}
