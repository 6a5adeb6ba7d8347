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
        CollectionAssert.AreEqual(new long[] { 2, 1, 1, 2 }, t.shape);
        CollectionAssert.AreEqual(new[] { 1f, 0.4f, 0f, 0.2f }, t.data<float>().ToArray());
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
    public void ImageFolderConvertsBetweenGrayAndColourAsOpenCvDoes()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("a"));
        File.WriteAllBytes(dir.File("a/gray.png"), TestFiles.Png(2, 3, 1, (y, x, _) => (byte)(20 + 40 * y + 7 * x)));
        File.WriteAllBytes(dir.File("a/rgb.png"), TestFiles.Png(2, 3, 3, (y, x, c) => (byte)(c == 0 ? 250 - 9 * x : c == 1 ? 13 * y + x : 77 + 30 * x)));

        var gray = ImageFolderReader.Load(dir.Path, 1, 2, 3);
        var rgb = ImageFolderReader.Load(dir.Path, 3, 2, 3);
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 3; x++)
            {
                int p = y * 3 + x;
                byte g = (byte)(20 + 40 * y + 7 * x);
                Assert.AreEqual(g, gray.Image(0)[p], "a gray PNG reads exactly");
                for (int c = 0; c < 3; c++) Assert.AreEqual(g, rgb.Image(0)[c * 6 + p], "gray to RGB repeats the value");
                int r = 250 - 9 * x, gr = 13 * y + x, b = 77 + 30 * x;
                // OpenCV's RGB2GRAY in fixed point: (4899 R + 9617 G + 1868 B + 8192) >> 14.
                Assert.AreEqual((byte)((4899 * r + 9617 * gr + 1868 * b + 8192) >> 14), gray.Image(1)[p], $"luma of pixel ({y}, {x})");
                CollectionAssert.AreEqual(new[] { (byte)r, (byte)gr, (byte)b }, new[] { rgb.Image(1)[p], rgb.Image(1)[6 + p], rgb.Image(1)[12 + p] });
            }
    }

    [TestMethod]
    public void ImageFolderResizesByPixelArea()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("a"));
        // Row y of the 4x3 image is (0, 30, 60) + 60 y.
        File.WriteAllBytes(dir.File("a/ramp.png"), TestFiles.Png(4, 3, 1, (y, x, _) => (byte)(30 * x + 60 * y)));

        // 3 columns to 2: out 0 covers pixel 0 and half of pixel 1 ((0 + 15) / 1.5 = 10), out 1 the rest ((15 + 60) / 1.5 = 50);
        // 4 rows to 2 average row pairs (+30 and +150).
        CollectionAssert.AreEqual(new byte[] { 40, 80, 160, 200 }, ImageFolderReader.Load(dir.Path, 1, 2, 2).Image(0).ToArray());
        // Enlarging by 2 repeats each pixel (each output pixel lies inside one source pixel).
        var big = ImageFolderReader.Load(dir.Path, 1, 8, 6).Image(0);
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 6; x++) Assert.AreEqual((byte)(30 * (x / 2) + 60 * (y / 2)), big[y * 6 + x], $"({y}, {x})");
    }

    [TestMethod]
    public void ImageFolderDecodesGrayAndColourJpeg()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("a"));
        File.WriteAllBytes(dir.File("a/colour.jpg"), TestFiles.Jpeg8x8);
        File.WriteAllBytes(dir.File("a/gray.jpg"), TestFiles.GrayJpeg(8, 8, (y, x) => (byte)(x < 4 ? 50 : 200)));

        var gray = ImageFolderReader.Load(dir.Path, 1, 8, 8);
        var rgb = ImageFolderReader.Load(dir.Path, 3, 8, 8);
        var grayJpeg = gray.Image(1);
        Assert.IsTrue(Math.Abs(grayJpeg[8 * 3 + 1] - 50) <= 4 && Math.Abs(grayJpeg[8 * 3 + 6] - 200) <= 4, $"gray JPEG {grayJpeg[25]}, {grayJpeg[30]}");
        for (int p = 0; p < 64; p++)
            Assert.IsTrue(rgb.Image(1)[p] == rgb.Image(1)[64 + p] && rgb.Image(1)[p] == rgb.Image(1)[128 + p], "a gray JPEG as RGB has equal channels");
        // The colour JPEG as gray: luma of (200, 30, 30) ≈ 83 on the left and of (30, 30, 200) ≈ 49 on the right.
        var colourAsGray = gray.Image(0);
        Assert.IsTrue(Math.Abs(colourAsGray[8 * 4 + 1] - 83) <= 8 && Math.Abs(colourAsGray[8 * 4 + 6] - 49) <= 8, $"luma {colourAsGray[33]}, {colourAsGray[38]}");
    }

    [TestMethod]
    [DataRow(1, 200, 30, 200, 30)] // as stored: red left, blue right
    [DataRow(6, 200, 200, 30, 30)] // turned 90° clockwise: red on top
    [DataRow(8, 30, 30, 200, 200)] // turned 90° anticlockwise: red at the bottom
    [DataRow(3, 30, 200, 30, 200)] // turned 180°: red right
    public void ImageFolderAppliesTheJpegExifOrientation(int orientation, int topLeft, int topRight, int bottomLeft, int bottomRight)
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("a"));
        File.WriteAllBytes(dir.File("a/turned.jpg"), TestFiles.WithExifOrientation(TestFiles.Jpeg8x8, orientation));
        var red = ImageFolderReader.Load(dir.Path, 3, 8, 8).Image(0)[..64];
        int[] corners = [red[1 * 8 + 1], red[1 * 8 + 6], red[6 * 8 + 1], red[6 * 8 + 6]];
        int[] expected = [topLeft, topRight, bottomLeft, bottomRight];
        for (int k = 0; k < 4; k++) Assert.IsTrue(Math.Abs(corners[k] - expected[k]) < 25, $"red at corner {k}: {corners[k]}, expected about {expected[k]}");
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
