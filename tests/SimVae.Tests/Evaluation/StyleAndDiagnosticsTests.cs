using SimVae.Data;
using SimVae.Evaluation;
using SimVae.Featurization;

namespace SimVae.Tests.Evaluation;

[TestClass]
public class StyleAndDiagnosticsTests
{
    private const int Side = 28;

    /// <summary>Two-channel 28×28 images: channel 0 = 9·x (horizontal ramp), channel 1 = 9·y (vertical ramp).</summary>
    private static ImageDataset Ramps(int count)
    {
        var pixels = new byte[count * 2 * Side * Side];
        for (int i = 0; i < count; i++)
            for (int y = 0; y < Side; y++)
                for (int x = 0; x < Side; x++)
                {
                    pixels[((i * 2 + 0) * Side + y) * Side + x] = (byte)(9 * x);
                    pixels[((i * 2 + 1) * Side + y) * Side + x] = (byte)(9 * y);
                }
        return new ImageDataset(pixels, count, 2, Side, Side, labels: new int[count]);
    }

    private static float Pixel(float[] images, int image, int channel, int y, int x) => images[((image * 2 + channel) * Side + y) * Side + x];

    [TestMethod]
    public void VerticalFlipLabelsMatchTheImages()
    {
        var data = Ramps(64);
        var (images, labels) = StyleTasks.Apply(data, Enumerable.Range(0, 64).ToArray(), StyleTransform.VerticalFlip, new Random(1));
        using (images)
        {
            var v = images.data<float>().ToArray();
            for (int i = 0; i < 64; i++)
            {
                bool flipped = Pixel(v, i, 1, 0, 0) > Pixel(v, i, 1, Side - 1, 0);
                Assert.AreEqual(labels[i] == 1, flipped, $"image {i}");
                Assert.AreEqual(labels[i] == 1 ? 27 * 9 / 255f : 0, Pixel(v, i, 1, 0, 0), 1e-6);
            }
            Assert.IsTrue(labels.Count(l => l == 1) is > 16 and < 48, "about half are flipped");
        }
    }

    [TestMethod]
    public void CropScaleLabelsMatchTheCropSize()
    {
        var bins = StyleTasks.ScaleBins(Side, Side);
        CollectionAssert.AreEqual(new[] { 18, 19, 20, 21 }, bins[0]);
        CollectionAssert.AreEqual(new[] { 22, 23, 24, 25 }, bins[1]);
        CollectionAssert.AreEqual(new[] { 26, 27, 28 }, bins[2]);
        var data = Ramps(90);
        var (images, labels) = StyleTasks.Apply(data, Enumerable.Range(0, 90).ToArray(), StyleTransform.CropScale, new Random(2));
        using (images)
        {
            var v = images.data<float>().ToArray();
            for (int i = 0; i < 90; i++)
            {
                // Bilinear resampling of a linear ramp is linear: output columns 1 and 26 lie 9·25·s/28 grey levels apart
                // for a crop of side s (columns 0 and 27 may sample just outside the box, where the border is repeated).
                double side = (Pixel(v, i, 0, 0, Side - 2) - Pixel(v, i, 0, 0, 1)) * 255 * Side / (9.0 * 25);
                int s = (int)Math.Round(side);
                Assert.AreEqual(s, side, 0.05, $"image {i}");
                double area = s * s / (double)(Side * Side);
                int expected = area < 0.6 ? 0 : area < 0.8 ? 1 : 2;
                Assert.AreEqual(expected, labels[i], $"image {i}: side {s}, area {area:F3}");
                // Centred: the vertical ramp spans the same range.
                Assert.AreEqual(Pixel(v, i, 0, 0, 0), Pixel(v, i, 1, 0, 0), 1e-5);
            }
            Assert.AreEqual(3, labels.Distinct().Count());
        }
    }

    [TestMethod]
    public void CropPositionLabelsMatchTheCropOffset()
    {
        int s = StyleTasks.PositionSide(Side, Side);
        Assert.AreEqual(20, s);
        var data = Ramps(180);
        var (images, labels) = StyleTasks.Apply(data, Enumerable.Range(0, 180).ToArray(), StyleTransform.CropPosition, new Random(3));
        using (images)
        {
            var v = images.data<float>().ToArray();
            for (int i = 0; i < 180; i++)
            {
                // Output pixel 1 samples input coordinate offset + 1.5·s/28 − 0.5 (pixel 0 may fall just outside the image).
                double left = Pixel(v, i, 0, 1, 1) * 255 / 9.0 - 1.5 * s / Side + 0.5;
                double top = Pixel(v, i, 1, 1, 1) * 255 / 9.0 - 1.5 * s / Side + 0.5;
                Assert.AreEqual(Math.Round(left), left, 0.05);
                Assert.AreEqual(Math.Round(top), top, 0.05);
                int expected = 3 * StyleTasks.OffsetBin((int)Math.Round(top), Side - s + 1) + StyleTasks.OffsetBin((int)Math.Round(left), Side - s + 1);
                Assert.AreEqual(expected, labels[i], $"image {i}: top {top:F2}, left {left:F2}");
            }
            Assert.AreEqual(9, labels.Distinct().Count());
        }
        CollectionAssert.AreEqual(new[] { 0, 0, 0, 1, 1, 1, 2, 2, 2 }, Enumerable.Range(0, 9).Select(o => StyleTasks.OffsetBin(o, 9)).ToArray());
    }

    [TestMethod]
    public void TransformedTaskUsesASubsetOfTrainingAndAllTestImages()
    {
        using var task = StyleTasks.Transformed(Ramps(50), Ramps(30), StyleTransform.VerticalFlip, trainCount: 20, seed: 4);
        Assert.AreEqual(20, task.TrainLabels.Length);
        Assert.AreEqual(30, task.TestLabels.Length);
        CollectionAssert.AreEqual(new long[] { 30, 2, Side, Side }, task.TestImages.shape);
        Assert.AreEqual("style_vflip", task.Name);
        Assert.AreEqual(2, task.Classes);
    }

    [TestMethod]
    public void CollapsedFeaturesHaveRankOne()
    {
        var random = new Random(1);
        int n = 500, d = 6;
        float[] direction = [1, -2, 0.5f, 3, 0, 1];
        var values = new float[n * d];
        for (int i = 0; i < n; i++)
        {
            double t = ProbeTests.Gaussian(random);
            for (int j = 0; j < d; j++) values[i * d + j] = (float)(t * direction[j]) + 5;
        }
        var diagnostics = RepresentationDiagnostics.Compute(new FeatureMatrix(values, n, d));
        Assert.AreEqual(1.0, diagnostics.EffectiveRank, 1e-3);
        Assert.IsTrue(diagnostics.CollapseWarning);
        Assert.AreEqual(1, diagnostics.CollapsedDimensions, "the constant dimension");
        Assert.IsTrue(diagnostics.LogDetCovariance < -100, "near-singular covariance");
    }

    [TestMethod]
    public void IsotropicGaussianFeaturesHaveFullRank()
    {
        var random = new Random(2);
        int n = 20_000, d = 8;
        var values = new float[n * d];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(2 * ProbeTests.Gaussian(random));
        var diagnostics = RepresentationDiagnostics.Compute(new FeatureMatrix(values, n, d));
        Assert.IsTrue(diagnostics.EffectiveRank > 7.9, $"effective rank {diagnostics.EffectiveRank}");
        Assert.IsFalse(diagnostics.CollapseWarning);
        Assert.AreEqual(d * Math.Log(4), diagnostics.LogDetCovariance, 0.15, "log det of 4·I");
        foreach (var s in diagnostics.StdPerDimension) Assert.AreEqual(2, s, 0.05);
    }

    [TestMethod]
    public void LogDetOfAKnownCovariance()
    {
        // Points (±3, 0), (0, ±1): covariance (divisor n − 1 = 3) is diag(6, 2/3), log det = ln 4.
        var features = new FeatureMatrix([3, 0, -3, 0, 0, 1, 0, -1], 4, 2);
        var diagnostics = RepresentationDiagnostics.Compute(features);
        Assert.AreEqual(Math.Log(4), diagnostics.LogDetCovariance, 1e-9);
        Assert.AreEqual(6, diagnostics.Eigenvalues[0], 1e-9);
        Assert.AreEqual(2.0 / 3, diagnostics.Eigenvalues[1], 1e-9);
        double p = 6 / (6 + 2.0 / 3), q = 1 - p;
        Assert.AreEqual(Math.Exp(-p * Math.Log(p) - q * Math.Log(q)), diagnostics.EffectiveRank, 1e-9);
    }

    [TestMethod]
    public void ViewInvarianceIsZeroForIdenticalViews()
    {
        var (features, _) = ProbeTests.Blobs(100, 3, 4, 1, seed: 3);
        Assert.AreEqual(0, RepresentationDiagnostics.MeasureViewInvariance(features, features), 1e-12);
        var (other, _) = ProbeTests.Blobs(100, 3, 4, 1, seed: 4);
        Assert.IsTrue(RepresentationDiagnostics.MeasureViewInvariance(features, other) > 0.3);
    }

    [TestMethod]
    public void PngHasSignatureChunksAndCrc()
    {
        Assert.AreEqual(0xAE426082u, PngWriter.Crc32("IEND"u8));
        Assert.AreEqual(0xCBF43926u, PngWriter.Crc32("123456789"u8), "the CRC-32 check value");
        var png = PngWriter.Encode([0, 64, 128, 255], 2, 2, 1);
        CollectionAssert.AreEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.AreEqual("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        CollectionAssert.AreEqual(new byte[] { 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82 }, png[^12..]);
        var (pixels, w, h) = PngWriter.Grid(new float[] { 0, 1, 1, 0 }, 1, 2, 2, 1, zoom: 1);
        Assert.AreEqual(4, w, "2 pixels plus a separator on each side");
        Assert.AreEqual(4, h);
        Assert.AreEqual(255, pixels[1 * 4 + 2]);
        Assert.AreEqual(0, pixels[1 * 4 + 1]);
        Assert.AreEqual(128, pixels[0], "separator");
    }
}
