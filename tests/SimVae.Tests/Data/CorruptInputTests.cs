using System.Buffers.Binary;
using SimVae.Data;

namespace SimVae.Tests.Data;

/// <summary>Every bad input is rejected with a message naming the file and the problem; nothing is half-loaded.</summary>
[TestClass]
public class CorruptInputTests
{
    private static DataSetFormatException Rejects(Func<object> load, string file, string problem)
    {
        var e = Assert.ThrowsExactly<DataSetFormatException>(() => load());
        StringAssert.Contains(e.Message, file, "the message names the file");
        StringAssert.Contains(e.Message, problem, "the message names the problem");
        Assert.AreEqual(file, e.FilePath);
        return e;
    }

    private static byte[] GoodImages(int count = 3) => TestFiles.IdxImages(count, 4, 4, (n, y, x) => (byte)(n + y + x));

    [TestMethod]
    public void IdxWrongMagicNumber()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("a"), TestFiles.IdxLabels([1, 2, 3]));
        Rejects(() => IdxReader.ReadImages(dir.File("a")), dir.File("a"), "wrong magic number 0x00000801 (this is a labels file)");
    }

    [TestMethod]
    public void IdxTruncatedHeader()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("a"), GoodImages()[..10]);
        Rejects(() => IdxReader.ReadImages(dir.File("a")), dir.File("a"), "header ends before its 3 dimension sizes");
    }

    [TestMethod]
    public void IdxTooShortForMagic()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("a"), [0, 0]);
        Rejects(() => IdxReader.ReadLabels(dir.File("a")), dir.File("a"), "shorter than the 4-byte magic number");
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void IdxTruncatedData(bool gzip)
    {
        using var dir = new TempFolder();
        var bytes = GoodImages()[..^5];
        File.WriteAllBytes(dir.File("a"), gzip ? TestFiles.Gzip(bytes) : bytes);
        Rejects(() => IdxReader.ReadImages(dir.File("a")), dir.File("a"), "needs 48 data bytes, found 43");
    }

    [TestMethod]
    public void IdxTrailingData()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("a"), [.. GoodImages(), 1, 2]);
        Rejects(() => IdxReader.ReadImages(dir.File("a")), dir.File("a"), "unexpected data after the 48 bytes");
    }

    [TestMethod]
    public void IdxCorruptGzip()
    {
        using var dir = new TempFolder();
        var gz = TestFiles.Gzip(GoodImages(50));
        for (int k = 12; k < gz.Length - 8; k++) gz[k] ^= 0x5A;
        File.WriteAllBytes(dir.File("a.gz"), gz);
        var e = Assert.ThrowsExactly<DataSetFormatException>(() => IdxReader.ReadImages(dir.File("a.gz")));
        StringAssert.Contains(e.Message, dir.File("a.gz"));
    }

    [TestMethod]
    public void IdxUnsupportedImageSize()
    {
        using var dir = new TempFolder();
        var bytes = GoodImages();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), 0);
        File.WriteAllBytes(dir.File("a"), bytes[..16]);
        Rejects(() => IdxReader.ReadImages(dir.File("a")), dir.File("a"), "unsupported image size 0x4");
    }

    [TestMethod]
    public void IdxNegativeCount()
    {
        using var dir = new TempFolder();
        var bytes = GoodImages();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), -3);
        File.WriteAllBytes(dir.File("a"), bytes);
        Rejects(() => IdxReader.ReadImages(dir.File("a")), dir.File("a"), "negative size -3 in dimension 0");
    }

    [TestMethod]
    public void IdxImageLabelCountMismatch()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("img"), GoodImages(3));
        File.WriteAllBytes(dir.File("lbl"), TestFiles.IdxLabels([1, 2]));
        Rejects(() => IdxReader.Load(dir.File("img"), dir.File("lbl")), dir.File("lbl"), "holds 2 labels but");
    }

    [TestMethod]
    public void IdxLabelOutsideClasses()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("img"), GoodImages(2));
        File.WriteAllBytes(dir.File("lbl"), TestFiles.IdxLabels([1, 12]));
        Rejects(() => IdxReader.Load(dir.File("img"), dir.File("lbl"), FashionMnist.ClassNames), dir.File("lbl"), "label 12 at item 1 is outside the 10 classes");
    }

    [TestMethod]
    public void MissingFile()
    {
        using var dir = new TempFolder();
        Rejects(() => IdxReader.ReadImages(dir.File("none")), dir.File("none"), "file not found");
    }

    [TestMethod]
    public void Cifar10PartialRecord()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("b.bin"), TestFiles.CifarRecords(2, _ => 1, (_, _) => 0)[..^100]);
        Rejects(() => Cifar10Reader.Load(dir.File("b.bin")), dir.File("b.bin"), "not a whole number of 3073-byte CIFAR-10 records");
    }

    [TestMethod]
    public void Cifar10LabelOutOfRange()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("b.bin"), TestFiles.CifarRecords(3, r => (byte)(r == 2 ? 57 : 1), (_, _) => 0));
        Rejects(() => Cifar10Reader.Load(dir.File("b.bin")), dir.File("b.bin"), "record 2 has label 57");
    }

    [TestMethod]
    public void Cifar10EmptyFile()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("b.bin"), []);
        Rejects(() => Cifar10Reader.Load(dir.File("b.bin")), dir.File("b.bin"), "empty file");
    }

    [TestMethod]
    public void Cifar10MissingBatchOfSplit()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("data_batch_1.bin"), TestFiles.CifarRecords(1, _ => 1, (_, _) => 0));
        Rejects(() => Cifar10Reader.LoadSplit(dir.Path, train: true), dir.File("data_batch_2.bin"), "file not found");
    }

    [TestMethod]
    public void ImageFolderUndecodableImage()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("a"));
        File.WriteAllBytes(dir.File("a/good.png"), TestFiles.Png(2, 2, 1, (_, _, _) => 9));
        var broken = TestFiles.Png(8, 8, 1, (y, x, _) => (byte)(x * y))[..40];
        File.WriteAllBytes(dir.File("a/zbroken.png"), broken);
        Rejects(() => ImageFolderReader.Load(dir.Path, 1, 2, 2), dir.File("a/zbroken.png"), "could not decode PNG");
        File.WriteAllBytes(dir.File("a/zbroken.png"), broken[..20]);
        Rejects(() => ImageFolderReader.Load(dir.Path, 1, 2, 2), dir.File("a/zbroken.png"), "not a PNG or JPEG file");
    }

    [TestMethod]
    public void ImageFolderRefusesAHugeDeclaredImageBeforeDecoding()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("a"));
        File.WriteAllBytes(dir.File("a/huge.png"), TestFiles.PngDeclaring(30000, 30000));
        long before = GC.GetTotalAllocatedBytes();
        Rejects(() => ImageFolderReader.Load(dir.Path, 1, 2, 2), dir.File("a/huge.png"), "declares 30000x30000 pixels; images must have 1..40,000,000 pixels");
        Assert.IsTrue(GC.GetTotalAllocatedBytes() - before < 10_000_000);
    }

    [TestMethod]
    public void ImageFolderReadsOnlyRegularFiles()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("device links are a Linux test");
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("a"));
        File.WriteAllBytes(dir.File("a/good.png"), TestFiles.Png(2, 2, 1, (_, _, _) => 9));
        File.CreateSymbolicLink(dir.File("a/zero.png"), "/dev/zero");
        Rejects(() => ImageFolderReader.Load(dir.Path, 1, 2, 2), dir.File("a/zero.png"), "is not a regular file");
    }

    [TestMethod]
    public void ImageFolderRefusesAFifoAtOnce()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("FIFOs are a Linux test");
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("a"));
        File.WriteAllBytes(dir.File("a/good.png"), TestFiles.Png(2, 2, 1, (_, _, _) => 9));
        var fifo = dir.File("a/pipe.png");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        File.CreateSymbolicLink(dir.File("a/zlink.png"), fifo);
        var load = Task.Run(() => Assert.ThrowsExactly<DataSetFormatException>(() => ImageFolderReader.Load(dir.Path, 1, 2, 2)));
        try
        {
            Assert.IsTrue(load.Wait(TimeSpan.FromSeconds(5)), "reading a FIFO (no writer) must not block");
            StringAssert.Contains(load.Result.Message, fifo);
            StringAssert.Contains(load.Result.Message, "is not a regular file");
        }
        finally
        {
            // Should the reader ever block on the FIFO, a writer releases it.
            if (!load.IsCompleted) using (new FileStream(fifo, FileMode.Open, FileAccess.Write)) { }
        }
        File.Delete(fifo);
        Rejects(() => ImageFolderReader.Load(dir.Path, 1, 2, 2), dir.File("a/zlink.png"), "not found");
    }

    [TestMethod]
    public void ImageFolderRefusesWrongSizesAndCorruptFiles()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("a"));
        var png = TestFiles.Png(3, 2, 1, (y, x, _) => (byte)(y + x));
        // The header says 6x4 but the data holds 3x2 rows: the decoder runs out of data.
        var bigger = TestFiles.PngDeclaring(6, 4);
        bigger = [.. png[..8], .. bigger[8..33], .. png[33..]];
        File.WriteAllBytes(dir.File("a/x.png"), bigger);
        Rejects(() => ImageFolderReader.Load(dir.Path, 1, 2, 2), dir.File("a/x.png"), "could not decode PNG");
        File.WriteAllBytes(dir.File("a/x.png"), TestFiles.PngDeclaring(0, 5));
        Rejects(() => ImageFolderReader.Load(dir.Path, 1, 2, 2), dir.File("a/x.png"), "declares 0x5 pixels");
        File.Delete(dir.File("a/x.png"));

        var jpeg = TestFiles.Jpeg8x8;
        File.WriteAllBytes(dir.File("a/y.jpg"), jpeg[..(jpeg.Length * 3 / 4)]);
        Rejects(() => ImageFolderReader.Load(dir.Path, 3, 8, 8), dir.File("a/y.jpg"), "could not decode JPEG");
        var garbage = (byte[])jpeg.Clone();
        new Random(3).NextBytes(garbage.AsSpan(20));
        File.WriteAllBytes(dir.File("a/y.jpg"), garbage);
        Rejects(() => ImageFolderReader.Load(dir.Path, 3, 8, 8), dir.File("a/y.jpg"), dir.File("a/y.jpg"));
        File.WriteAllBytes(dir.File("a/y.jpg"), []);
        Rejects(() => ImageFolderReader.Load(dir.Path, 3, 8, 8), dir.File("a/y.jpg"), "empty image file");
        File.WriteAllBytes(dir.File("a/y.jpg"), "GIF89a not a jpeg"u8.ToArray());
        Rejects(() => ImageFolderReader.Load(dir.Path, 3, 8, 8), dir.File("a/y.jpg"), "not a PNG or JPEG file");

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ImageFolderReader.Load(dir.Path, 3, 0, 8));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ImageFolderReader.Load(dir.Path, 3, 8, ImageFolderReader.MaxSide + 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ImageFolderReader.Load(dir.Path, 2, 8, 8));
    }

    [TestMethod]
    public void ImageFolderWithoutClasses()
    {
        using var dir = new TempFolder();
        Rejects(() => ImageFolderReader.Load(dir.Path, 1, 2, 2), dir.Path, "no class sub-folders");
        Directory.CreateDirectory(dir.File("empty"));
        Rejects(() => ImageFolderReader.Load(dir.Path, 1, 2, 2), dir.Path, "no PNG or JPEG files");
    }

    [TestMethod]
    public void FashionMnistWrongImageSize()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("t10k-images-idx3-ubyte"), GoodImages(2));
        File.WriteAllBytes(dir.File("t10k-labels-idx1-ubyte"), TestFiles.IdxLabels([1, 2]));
        Rejects(() => FashionMnist.Load(DataSplit.Test, dir.Path), dir.File("t10k-images-idx3-ubyte"), "FashionMNIST images are 28x28, this file holds 4x4");
    }
}
