using System.Diagnostics;
using System.Text;
using SimVae.Serialization;
using TorchSharp;
using static TorchSharp.torch;
using static SimVae.Tests.Serialization.SafeTensorsTestData;

namespace SimVae.Tests.Serialization;

/// <summary>Every malformed input must fail with an <see cref="InvalidDataException"/> naming the problem, without leaking tensors.</summary>
[TestClass]
public class SafeTensorsMalformedTests
{
    private const string Prefix = "invalid safetensors data: ";

    /// <summary>Loads through all three entry points (seekable stream, span, unseekable trickling stream) and checks each message.</summary>
    private static void AssertRejected(byte[] file, string expected, string? unseekableExpected = null)
    {
        long live = Tensor.TotalCount;
        var fromStream = Assert.ThrowsExactly<InvalidDataException>(() => SafeTensors.Load(new MemoryStream(file)).Dispose(), "seekable stream");
        StringAssert.StartsWith(fromStream.Message, Prefix);
        StringAssert.Contains(fromStream.Message, expected);
        var fromSpan = Assert.ThrowsExactly<InvalidDataException>(() => SafeTensors.Load(file.AsSpan()).Dispose(), "span");
        Assert.AreEqual(fromStream.Message, fromSpan.Message);
        var trickled = Assert.ThrowsExactly<InvalidDataException>(() => SafeTensors.Load(new TrickleStream(file)).Dispose(), "unseekable stream");
        StringAssert.StartsWith(trickled.Message, Prefix);
        StringAssert.Contains(trickled.Message, unseekableExpected ?? expected);
        Assert.AreEqual(live, Tensor.TotalCount, "no tensor leaked by a failed load");
    }

    [TestMethod]
    public void RejectsEmptyFile() => AssertRejected([], "it holds 0 bytes, fewer than the 8-byte header length");

    [TestMethod]
    public void RejectsTruncatedHeaderLength() => AssertRejected([16, 0, 0, 0, 0], "it holds 5 bytes, fewer than the 8-byte header length");

    [TestMethod]
    public void RejectsHugeHeaderLength() =>
        AssertRejected(SafeTensorsTestData.Prefix(1UL << 60, 16), $"the header length {1UL << 60} exceeds the 100000000-byte limit");

    [TestMethod]
    public void RejectsHeaderLengthJustOverTheLimit() =>
        AssertRejected(SafeTensorsTestData.Prefix(100_000_001, 16), "the header length 100000001 exceeds the 100000000-byte limit");

    [TestMethod]
    public void RejectsHeaderLongerThanFile() =>
        AssertRejected(Build("{}", headerLength: 64), "the header length 64 is longer than the 8 bytes that follow the length prefix",
            unseekableExpected: "the data ends after 8 of the 64 header bytes");

    [TestMethod]
    public void RejectsTooShortHeaderLength() => AssertRejected(SafeTensorsTestData.Prefix(1, 1), "the header length 1 is too short");

    [TestMethod]
    public void HugeHeaderLengthFailsFastWithoutAllocating()
    {
        var file = SafeTensorsTestData.Prefix(1UL << 60, 64);
        foreach (Func<Stream> open in new Func<Stream>[] { () => new MemoryStream(file), () => new TrickleStream(file) })
        {
            using var stream = open();
            long before = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            Assert.ThrowsExactly<InvalidDataException>(() => SafeTensors.Load(stream));
            clock.Stop();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.IsTrue(allocated < 64 * 1024, $"allocated {allocated} bytes for a header claiming 2^60 bytes");
            Assert.IsTrue(clock.ElapsedMilliseconds < 1000, $"took {clock.ElapsedMilliseconds} ms");
        }
    }

    [TestMethod]
    public void LyingHeaderLengthOnUnseekableStreamAllocatesOnlyWhatArrives()
    {
        // 90 MB claimed (under the limit), 32 bytes present: an unseekable stream cannot be checked up front.
        var file = SafeTensorsTestData.Prefix(90_000_000, 32);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => SafeTensors.Load(new TrickleStream(file)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        StringAssert.Contains(ex.Message, "the data ends after 32 of the 90000000 header bytes");
        Assert.IsTrue(allocated < 256 * 1024, $"allocated {allocated} bytes");
    }

    [TestMethod]
    public void LyingTensorSizeOnUnseekableStreamAllocatesOnlyWhatArrives()
    {
        // A 64 GB tensor declared, 8 bytes present.
        var file = One("{\"dtype\":\"F64\",\"shape\":[8000000000],\"data_offsets\":[0,64000000000]}", 8);
        long live = Tensor.TotalCount;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => SafeTensors.Load(new TrickleStream(file, 4096)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        StringAssert.Contains(ex.Message, "the data ends early: tensor 't' needs bytes 0..64000000000 of the data buffer but it ends at 8");
        Assert.IsTrue(allocated < 4 * 1024 * 1024, $"allocated {allocated} bytes");
        Assert.AreEqual(live, Tensor.TotalCount);
        // Seekable: rejected from the header alone.
        var seekable = Assert.ThrowsExactly<InvalidDataException>(() => SafeTensors.Load(new MemoryStream(file)));
        StringAssert.Contains(seekable.Message, "run past the end of the 8-byte data buffer");
    }

    [TestMethod]
    [DataRow("{\"t\": {\"dtype\": \"F32\"", 0, "the header is not valid JSON", DisplayName = "invalid JSON (unterminated)")]
    [DataRow("{\"t\":1,}", 0, "the header is not valid JSON", DisplayName = "invalid JSON (trailing comma)")]
    [DataRow("[1,2]", 0, "the header must be a JSON object, but it starts with '['", DisplayName = "JSON array")]
    [DataRow("{}{}", 0, "the header is not valid JSON", DisplayName = "two JSON values")]
    [DataRow("{\"t\":{\"dtype\":\"F8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "tensor 't': unknown or unsupported dtype 'F8'", DisplayName = "unknown dtype")]
    [DataRow("{\"t\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "tensor 't': unknown or unsupported dtype 'f32'", DisplayName = "dtype is case-sensitive")]
    [DataRow("{\"t\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "tensor 't': 'dtype' must be a string, not Number", DisplayName = "dtype not a string")]
    [DataRow("{\"t\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,0]}}", 0, "tensor 't': shape[0] is negative (-2)", DisplayName = "negative shape")]
    [DataRow("{\"t\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, "tensor 't': shape[0] must be an integer, not '1.5'", DisplayName = "fractional shape")]
    [DataRow("{\"t\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", 8, "tensor 't': shape[0] must be an integer, not String", DisplayName = "shape of strings")]
    [DataRow("{\"t\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", 8, "tensor 't': 'shape' must be an array, not Number", DisplayName = "shape not an array")]
    [DataRow("{\"t\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", 0, "tensor 't': shape [4294967296, 4294967296] has more elements than a 64-bit count can hold", DisplayName = "element count overflow")]
    [DataRow("{\"t\":{\"dtype\":\"F64\",\"shape\":[4611686018427387904],\"data_offsets\":[0,0]}}", 0, "needs more bytes than a 64-bit size can hold", DisplayName = "byte size overflow")]
    [DataRow("{\"t\":{\"dtype\":\"U8\",\"shape\":[18446744073709551615],\"data_offsets\":[0,0]}}", 0, "tensor 't': shape[0] (18446744073709551615) is larger than this reader supports", DisplayName = "shape beyond int64")]
    [DataRow("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "tensor 't': data_offsets [8, 0] are reversed (begin > end)", DisplayName = "offsets reversed")]
    [DataRow("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,-8]}}", 8, "tensor 't': data_offsets[1] is negative (-8)", DisplayName = "negative offset")]
    [DataRow("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8, "tensor 't': 'data_offsets' must hold exactly 2 integers, not 1", DisplayName = "one offset")]
    [DataRow("{\"t\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "tensor 't': data_offsets [0, 8] span 8 bytes but shape [3] of F32 needs 12", DisplayName = "size mismatch")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "tensor 'b' (bytes 4..12) overlaps tensor 'a' (bytes 0..8)", DisplayName = "overlapping ranges")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "tensor 'b' (bytes 0..4) overlaps tensor 'a' (bytes 0..4)", DisplayName = "shared range")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12, "bytes 4..8 of the data buffer belong to no tensor (gap between 'a' and 'b')", DisplayName = "gap")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "bytes 0..4 of the data buffer belong to no tensor (the first tensor, 'a', starts at 4)", DisplayName = "gap at start")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "the header names 'a' twice", DisplayName = "duplicate key")]
    [DataRow("{\"t\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "tensor 't': field 'dtype' appears twice", DisplayName = "duplicate field")]
    [DataRow("{\"t\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "tensor 't': missing field 'data_offsets'", DisplayName = "missing field")]
    [DataRow("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}}", 4, "tensor 't': unexpected field 'extra'", DisplayName = "extra field")]
    [DataRow("{\"t\":[0,4]}", 4, "tensor 't': the entry must be an object, not Array", DisplayName = "entry not an object")]
    [DataRow("{\"__metadata__\":{\"k\":1}}", 0, "'__metadata__' value 'k' must be a string, not Number", DisplayName = "metadata value not a string")]
    [DataRow("{\"__metadata__\":[\"k\"]}", 0, "'__metadata__' must be an object of strings, not Array", DisplayName = "metadata not an object")]
    [DataRow("{\"t\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[0,2]}}", -2, "tensor 't': BOOL element holds byte 0x02, not 0 or 1", DisplayName = "bool byte not 0 or 1")]
    public void RejectsMalformedHeader(string json, int dataLength, string expected)
    {
        // A negative data length means: that many bytes of value 2 (for the bool test).
        var data = dataLength >= 0 ? new byte[dataLength] : Enumerable.Repeat((byte)2, -dataLength).ToArray();
        AssertRejected(Build(json, data), expected);
    }

    [TestMethod]
    public void RejectsTrailingBytesAfterLastTensor() =>
        AssertRejected(One("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", 6),
            "the data buffer has 6 bytes but the tensors cover only 4: 2 trailing bytes belong to no tensor",
            unseekableExpected: "bytes follow the end of the last tensor (offset 4 of the data buffer) and belong to no tensor");

    [TestMethod]
    public void RejectsOffsetsOutOfRange() =>
        AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[4,16]}}", new byte[8]),
            "tensor 'b': data_offsets [4, 16] run past the end of the 8-byte data buffer",
            unseekableExpected: "the data ends early: tensor 'b' needs bytes 4..16 of the data buffer but it ends at 8");

    [TestMethod]
    public void RejectsInvalidUtf8InNamesAndMetadata()
    {
        var name = Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", new byte[4]);
        name[8 + 2] = 0xC3; // a lead byte with no continuation, in the tensor name
        AssertRejected(name, "the header is not valid UTF-8 (byte 0xC3 at header offset 2)");
        var meta = Build("{\"__metadata__\":{\"k\":\"v\"}}");
        meta[8 + 22] = 0x80; // a stray continuation byte, as the metadata value
        AssertRejected(meta, "the header is not valid UTF-8 (byte 0x80 at header offset 22)");
    }

    [TestMethod]
    public void RejectsTruncatedData() =>
        AssertRejected(One("{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}", 10),
            "tensor 't': data_offsets [0, 16] run past the end of the 10-byte data buffer",
            unseekableExpected: "the data ends early: tensor 't' needs bytes 0..16 of the data buffer but it ends at 10");

    [TestMethod]
    public void RejectsHeaderThatIsOnlyPadding() => AssertRejected(Build("        "), "the header is empty (only padding)");

    [TestMethod]
    public void RejectsHeaderThatIsNotUtf8()
    {
        var file = Build("{\"x\":\"..\"}");
        file[8 + 6] = 0xFF; // inside the string value
        AssertRejected(file, "the header is not valid UTF-8 (byte 0xFF at header offset 6)");
    }

    [TestMethod]
    public void SecondTensorFailureFreesTheFirst()
    {
        // 'a' is read into a tensor before 'b' (a bad bool) fails; AssertRejected checks the live-tensor count.
        var data = new byte[] { 0, 0, 128, 63, 1, 7 };
        AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[4,6]}}", data),
            "tensor 'b': BOOL element holds byte 0x07");
    }

    [TestMethod]
    public void MessageNamesTheFileWhenLoadingFromAPath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"bad-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, Build("[]"));
        try
        {
            var ex = Assert.ThrowsExactly<InvalidDataException>(() => SafeTensors.Load(path));
            Assert.AreEqual($"invalid safetensors file '{path}': the header must be a JSON object, but it starts with '[' (byte 0x5B)", ex.Message);
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void AcceptsWhitespaceAndFieldsInAnyOrder()
    {
        var data = new byte[] { 0, 0, 128, 63 };
        var file = Build(" { \"t\" : { \"data_offsets\" : [0, 4], \"shape\" : [ ], \"dtype\" : \"F32\" } }\n", data, pad: false);
        using var loaded = SafeTensors.Load(file.AsSpan());
        Assert.AreEqual(1f, loaded.Tensors["t"].item<float>());
        Assert.AreEqual(Encoding.UTF8.GetByteCount(" { \"t\" : { \"data_offsets\" : [0, 4], \"shape\" : [ ], \"dtype\" : \"F32\" } }\n") + 12, file.Length);
    }
}
