using SimVae.Data;

namespace SimVae.Tests.Data;

[TestClass]
public class ReaderTests
{
    private static byte Pixel(int n, int y, int x) => (byte)(n * 50 + y * 7 + x);

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void IdxReadsImagesAndLabels(bool gzip)
    {
        using var dir = new TempFolder();
        var images = TestFiles.IdxImages(3, 4, 5, Pixel);
        var labels = TestFiles.IdxLabels([2, 0, 1]);
        File.WriteAllBytes(dir.File("img"), gzip ? TestFiles.Gzip(images) : images);
        File.WriteAllBytes(dir.File("lbl"), gzip ? TestFiles.Gzip(labels) : labels);

        var data = IdxReader.Load(dir.File("img"), dir.File("lbl"));

        Assert.AreEqual(3, data.Count);
        Assert.AreEqual((1, 4, 5), (data.Channels, data.Height, data.Width));
        CollectionAssert.AreEqual(new[] { 2, 0, 1 }, data.Labels.ToArray());
        CollectionAssert.AreEqual(images[16..], data.Pixels.ToArray());
        Assert.AreEqual(Pixel(2, 3, 4), data.Image(2)[3 * 5 + 4]);
    }

    [TestMethod]
    public void ImageDatasetToTensorScalesToUnitRange()
    {
        var data = new ImageDataset([0, 51, 255, 102], 2, 1, 1, 2, [0, 1]);
        using var t = data.ToTensor([1, 0]);
        CollectionAssert.AreEqual(new long[] { 2, 1, 1, 2 }, t.Shape);
        CollectionAssert.AreEqual(new[] { 1f, 0.4f, 0f, 0.2f }, t.ToArray<float>());
    }

    [TestMethod]
    public void Cifar10ReadsRecordsAsChw()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("test_batch.bin"), TestFiles.CifarRecords(3, r => (byte)(r + 7), (r, k) => unchecked((byte)(r + k))));

        var data = Cifar10Reader.LoadSplit(dir.Path, train: false);

        Assert.AreEqual(3, data.Count);
        Assert.AreEqual((3, 32, 32), (data.Channels, data.Height, data.Width));
        CollectionAssert.AreEqual(new[] { 7, 8, 9 }, data.Labels.ToArray());
        Assert.AreEqual(unchecked((byte)(2 + 1024 + 5)), data.Image(2)[1024 + 5]); // green plane, pixel 5
        Assert.AreEqual("ship", data.ClassNames[8]);
    }

    [TestMethod]
    public void Cifar10ConcatenatesBatches()
    {
        using var dir = new TempFolder();
        for (int b = 1; b <= 5; b++)
            File.WriteAllBytes(dir.File($"data_batch_{b}.bin"), TestFiles.CifarRecords(2, r => (byte)b, (r, k) => 0));
        var data = Cifar10Reader.LoadSplit(dir.Path, train: true);
        CollectionAssert.AreEqual(new[] { 1, 1, 2, 2, 3, 3, 4, 4, 5, 5 }, data.Labels.ToArray());
    }

    [TestMethod]
    public void ImageFolderDecodesPngAndJpegByClassFolder()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("cats"));
        Directory.CreateDirectory(dir.File("dogs"));
        File.WriteAllBytes(dir.File("cats/a.png"), TestFiles.Png(6, 4, 3, (y, x, c) => (byte)(c * 100 + y * 4 + x)));
        File.WriteAllBytes(dir.File("dogs/b.jpg"), TestFiles.Jpeg8x8);
        File.WriteAllText(dir.File("dogs/readme.txt"), "ignored: not an image extension");

        var rgb = ImageFolderReader.Load(dir.Path, 3, 6, 4);
        Assert.AreEqual(2, rgb.Count);
        CollectionAssert.AreEqual(new[] { "cats", "dogs" }, rgb.ClassNames.ToArray());
        CollectionAssert.AreEqual(new[] { 0, 1 }, rgb.Labels.ToArray());
        // The PNG is read exactly: CHW, RGB order.
        var png = rgb.Image(0);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 6; y++)
                for (int x = 0; x < 4; x++)
                    Assert.AreEqual((byte)(c * 100 + y * 4 + x), png[(c * 6 + y) * 4 + x]);

        // The JPEG, resized to 2x2 by area: left column reddish, right column bluish (within JPEG chroma loss).
        var small = ImageFolderReader.Load(dir.Path, 3, 2, 2);
        var jpg = small.Image(1);
        Assert.IsTrue(Math.Abs(jpg[0] - 200) < 20 && Math.Abs(jpg[2 * 4 + 0] - 30) < 20, $"left pixel {jpg[0]},{jpg[4]},{jpg[8]}");
        Assert.IsTrue(Math.Abs(jpg[1] - 30) < 20 && Math.Abs(jpg[2 * 4 + 1] - 200) < 20, $"right pixel {jpg[1]},{jpg[5]},{jpg[9]}");

        var gray = ImageFolderReader.Load(dir.Path, 1, 3, 3);
        Assert.AreEqual((1, 3, 3), (gray.Channels, gray.Height, gray.Width));
    }

    [TestMethod]
    public void FashionMnistDiscoveryUsesExplicitPathThenEnvironment()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("t10k-images-idx3-ubyte"), TestFiles.IdxImages(2, 28, 28, Pixel));
        File.WriteAllBytes(dir.File("t10k-labels-idx1-ubyte.gz"), TestFiles.Gzip(TestFiles.IdxLabels([9, 3])));

        var data = FashionMnist.Load(DataSplit.Test, dir.Path);
        Assert.AreEqual(2, data.Count);
        Assert.AreEqual("Ankle boot", data.ClassNames[data.Label(0)]);

        var saved = Environment.GetEnvironmentVariable(FashionMnist.DataEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(FashionMnist.DataEnvironmentVariable, dir.Path);
            Assert.AreEqual(dir.Path, FashionMnist.Locate(DataSplit.Test));
        }
        finally { Environment.SetEnvironmentVariable(FashionMnist.DataEnvironmentVariable, saved); }
    }

    [TestMethod]
    public void FashionMnistMissingSaysHowToGetIt()
    {
        using var dir = new TempFolder();
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => FashionMnist.Load(DataSplit.Train, dir.Path));
        StringAssert.Contains(e.Message, dir.Path);
        StringAssert.Contains(e.Message, "apt-get install dataset-fashion-mnist");
    }

    [TestMethod]
    public void RealFashionMnistWhenInstalled()
    {
        if (!FashionMnist.IsAvailable(DataSplit.Train) || !FashionMnist.IsAvailable(DataSplit.Test))
        {
            Assert.Inconclusive("skipped: FashionMNIST not installed (apt-get install dataset-fashion-mnist)");
            return;
        }
        foreach (var (split, count) in new[] { (DataSplit.Train, 60_000), (DataSplit.Test, 10_000) })
        {
            var data = FashionMnist.Load(split);
            Assert.AreEqual(count, data.Count);
            Assert.AreEqual((1, 28, 28), (data.Channels, data.Height, data.Width));
            var perClass = new int[10];
            foreach (var label in data.Labels) perClass[label]++;
            CollectionAssert.AreEqual(Enumerable.Repeat(count / 10, 10).ToArray(), perClass, $"{split} per-class counts");
            Assert.AreEqual(10, data.ClassCount);
        }
    }
}
