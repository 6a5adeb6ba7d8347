using SimVae.Augmentations;
using SimVae.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Tests.Augmentations;

[TestClass]
public class AugmentationTests
{
    private static Tensor Images(int n, int c, int h, int w, int seed = 0)
    {
        var random = new Random(seed);
        var values = new float[n * c * h * w];
        for (int k = 0; k < values.Length; k++) values[k] = (float)random.NextDouble();
        return tensor(values, [n, c, h, w]);
    }

    private static void AssertSame(Tensor expected, Tensor actual, string message = "")
    {
        CollectionAssert.AreEqual(expected.shape, actual.shape, message);
        CollectionAssert.AreEqual(Values(expected), Values(actual), message);
    }

    private static float[] Values(Tensor t)
    {
        using var host = t.cpu().contiguous();
        return host.data<float>().ToArray();
    }

    [TestMethod]
    public void PresetsProduceTheRightShapes()
    {
        using var scope = NewDisposeScope();
        var gray = Images(5, 1, 28, 28);
        var rgb = Images(5, 3, 32, 32);
        var big = Images(2, 3, 64, 64);
        CollectionAssert.AreEqual(new long[] { 10, 1, 28, 28 }, AugmentationPresets.MultiView(AugmentationPresets.SimVaeFashionMnist()).Apply(gray, new Random(1)).shape);
        CollectionAssert.AreEqual(new long[] { 15, 3, 32, 32 }, AugmentationPresets.MultiView(AugmentationPresets.SimVaeCifar10(), 3).Apply(rgb, new Random(1)).shape);
        CollectionAssert.AreEqual(new long[] { 10, 3, 24, 24 }, AugmentationPresets.MultiView(AugmentationPresets.SimClr(24)).Apply(rgb, new Random(1)).shape);
        var simclr = AugmentationPresets.SimClr(64);
        Assert.IsTrue(simclr.Transforms.OfType<GaussianBlur>().Single().KernelSize == 7, "blur for 64-pixel images, kernel ~10%");
        Assert.IsFalse(AugmentationPresets.SimClr(32).Transforms.OfType<GaussianBlur>().Any());
        var views = simclr.Apply(big, new Random(2));
        Assert.IsTrue(views.ge(0.0).all().ToBoolean() && views.le(1.0).all().ToBoolean(), "values stay in [0, 1]");
    }

    [TestMethod]
    public void SameSeedSameViews_DifferentSeedDifferentViews()
    {
        using var scope = NewDisposeScope();
        var images = Images(8, 3, 32, 32);
        foreach (var preset in new[] { AugmentationPresets.SimVaeFashionMnist(32), AugmentationPresets.SimVaeCifar10(), AugmentationPresets.SimClr(32, blur: true) })
        {
            var transform = new MultiViewTransform(preset, 2);
            var a = transform.Apply(images, 42, out var pa);
            var b = transform.Apply(images, 42, out var pb);
            var c = transform.Apply(images, 43, out _);
            AssertSame(a, b);
            CollectionAssert.AreEqual(pa!.Names.ToArray(), pb!.Names.ToArray());
            foreach (var name in pa.Names) CollectionAssert.AreEqual(pa[name], pb[name], name);
            Assert.IsFalse(a.allclose(c), "another seed gives other views");
            Assert.AreEqual(16, pa.Count);
        }
    }

    [TestMethod]
    public void FullImageCropReproducesTheInputExactly()
    {
        using var scope = NewDisposeScope();
        var images = Images(4, 3, 28, 28);
        var boxes = Enumerable.Repeat(new CropBox(0, 0, 28, 28), 4).ToArray();
        AssertSame(images, RandomResizedCrop.Crop(images, boxes, 28, 28));
        // Scale 1 and a ratio range around 1 always give the whole image.
        AssertSame(images, new RandomResizedCrop(28, minScale: 1, maxScale: 1, minRatio: 1, maxRatio: 1).Apply(images, 3));
    }

    [TestMethod]
    public void CropOfABoxAtTheSameSizeCopiesThePixels()
    {
        using var scope = NewDisposeScope();
        var images = Images(2, 1, 10, 12);
        var crop = RandomResizedCrop.Crop(images, [new CropBox(2, 3, 5, 6), new CropBox(0, 6, 5, 6)], 5, 6);
        var expected = cat([images.narrow(0, 0, 1).narrow(2, 2, 5).narrow(3, 3, 6), images.narrow(0, 1, 1).narrow(2, 0, 5).narrow(3, 6, 6)], 0);
        Assert.IsTrue(crop.allclose(expected, rtol: 0, atol: 1e-5), "a same-size crop samples pixel centres");
        // Halving: a 2x2 box to one pixel is the mean of its four pixels.
        var half = RandomResizedCrop.Crop(images.narrow(0, 0, 1), [new CropBox(0, 0, 2, 2)], 1, 1);
        var mean = images.narrow(0, 0, 1).narrow(2, 0, 2).narrow(3, 0, 2).mean();
        Assert.AreEqual(mean.ToDouble(), half.ToDouble(), 1e-6);
    }

    [TestMethod]
    public void UpsamplingCropMatchesHandComputedBilinearValues()
    {
        using var scope = NewDisposeScope();
        // [[0, 1], [2, 3]] to 4x4: samples at -0.25, 0.25, 0.75, 1.25 per axis, clamped to the border (0 and 1).
        var image = tensor(new float[] { 0, 1, 2, 3 }, [1, 1, 2, 2]);
        var up = RandomResizedCrop.Crop(image, [new CropBox(0, 0, 2, 2)], 4, 4);
        float[] expected =
        [
            0f, 0.25f, 0.75f, 1f,
            0.5f, 0.75f, 1.25f, 1.5f,
            1.5f, 1.75f, 2.25f, 2.5f,
            2f, 2.25f, 2.75f, 3f,
        ];
        var actual = Values(up);
        for (int k = 0; k < 16; k++) Assert.AreEqual(expected[k], actual[k], 1e-6, $"pixel {k}");
    }

    [TestMethod]
    public void BlurOfADeltaIsTheHandComputedGaussian()
    {
        using var scope = NewDisposeScope();
        var delta = new float[49];
        delta[3 * 7 + 3] = 1;
        var blurred = Values(new GaussianBlur(3, 1.0, 1.0).Apply(tensor(delta, [1, 1, 7, 7]), 0));
        // k(t) = exp(−t²/2) / Σ, t ∈ {−1, 0, 1}; the blur of a delta is the outer product k ⊗ k around it.
        double side = Math.Exp(-0.5), sum = 1 + 2 * side;
        double[] k = [side / sum, 1 / sum, side / sum];
        for (int y = 0; y < 7; y++)
            for (int x = 0; x < 7; x++)
            {
                int dy = y - 3, dx = x - 3;
                double expected = Math.Abs(dy) <= 1 && Math.Abs(dx) <= 1 ? k[dy + 1] * k[dx + 1] : 0;
                Assert.AreEqual(expected, blurred[y * 7 + x], 1e-6, $"({y}, {x})");
            }
    }

    [TestMethod]
    public void ContrastAndSaturationMatchHandComputations()
    {
        using var scope = NewDisposeScope();
        var images = Images(2, 3, 4, 5, seed: 3);
        var pixels = Values(images);
        const int plane = 20;
        foreach (var contrast in new[] { true, false })
        {
            var parameters = new ViewParameters(2);
            var jitter = contrast ? new ColorJitter(contrast: 0.9) : new ColorJitter(saturation: 0.9);
            var actual = Values(jitter.Apply(images, new Random(7), parameters));
            var factors = parameters[contrast ? "jitter_contrast" : "jitter_saturation"];
            for (int i = 0; i < 2; i++)
            {
                double Luma(int p) => 0.2989 * pixels[(i * 3) * plane + p] + 0.587 * pixels[(i * 3 + 1) * plane + p] + 0.114 * pixels[(i * 3 + 2) * plane + p];
                double mean = Enumerable.Range(0, plane).Average(Luma);
                for (int c = 0; c < 3; c++)
                    for (int p = 0; p < plane; p++)
                    {
                        double other = contrast ? mean : Luma(p);
                        double expected = Math.Clamp(factors[i] * pixels[(i * 3 + c) * plane + p] + (1 - factors[i]) * other, 0, 1);
                        Assert.AreEqual(expected, actual[(i * 3 + c) * plane + p], 1e-5, $"{(contrast ? "contrast" : "saturation")} image {i} channel {c} pixel {p}");
                    }
            }
        }
    }

    [TestMethod]
    public void FlipsAreExact()
    {
        using var scope = NewDisposeScope();
        var images = Images(20, 3, 5, 7);
        AssertSame(images.flip(3), new RandomHorizontalFlip(1).Apply(images, 0));
        AssertSame(images.flip(2), new RandomVerticalFlip(1).Apply(images, 0));
        AssertSame(images, new RandomVerticalFlip(0).Apply(images, 0));
        var parameters = new ViewParameters(20);
        var mixed = new RandomVerticalFlip(0.5).Apply(images, new Random(9), parameters);
        var flags = parameters["vflip"];
        Assert.IsTrue(flags.Contains(0f) && flags.Contains(1f), "seed 9 should flip some and not others");
        for (int i = 0; i < 20; i++)
            AssertSame(flags[i] == 1 ? images[i].flip(1) : images[i], mixed[i], $"image {i}");
    }

    [TestMethod]
    public void SampledCropsStayWithinBoundsAndMatchTorchvision()
    {
        // Reference means from torchvision 0.14 RandomResizedCrop.get_params, 20,000 draws each.
        foreach (var (size, minScale, minRatio, maxRatio, meanScale, meanRatio) in new[]
                 {
                     (28, 0.4, 0.75, 1.3, 0.6548, 1.0024),
                     (32, 0.08, 3.0 / 4, 4.0 / 3, 0.4904, 1.0145),
                 })
        {
            var random = new Random(123);
            double sumScale = 0, sumRatio = 0;
            const int draws = 20_000;
            for (int k = 0; k < draws; k++)
            {
                var box = RandomResizedCrop.SampleBox(size, size, random, minScale, 1.0, minRatio, maxRatio);
                Assert.IsTrue(box.Top >= 0 && box.Left >= 0 && box.Top + box.Height <= size && box.Left + box.Width <= size, $"{box} inside");
                double scale = (double)box.Height * box.Width / (size * size), ratio = (double)box.Width / box.Height;
                // Whole-pixel rounding moves each side by at most half a pixel.
                double slack = 1.0 / size + 0.25 / (size * size);
                Assert.IsTrue(scale >= minScale * (1 - slack) - slack && scale <= 1.0, $"scale {scale}");
                Assert.IsTrue(ratio >= minRatio * (1 - 1.2 / box.Height) && ratio <= maxRatio * (1 + 1.2 / box.Height), $"ratio {ratio} of {box}");
                sumScale += scale;
                sumRatio += ratio;
            }
            Assert.AreEqual(meanScale, sumScale / draws, 0.01, $"mean scale, size {size}");
            Assert.AreEqual(meanRatio, sumRatio / draws, 0.01, $"mean ratio, size {size}");
        }
    }

    [TestMethod]
    public void CropParametersAreRecorded()
    {
        using var scope = NewDisposeScope();
        var images = Images(300, 1, 28, 28);
        var parameters = new ViewParameters(300);
        AugmentationPresets.SimVaeFashionMnist().Apply(images, new Random(4), parameters);
        CollectionAssert.AreEqual(new[] { "crop_scale", "crop_ratio", "crop_cx", "crop_cy", "vflip" }, parameters.Names.ToArray());
        Assert.IsTrue(parameters["crop_scale"].All(s => s is > 0.36f and <= 1f));
        Assert.IsTrue(parameters["crop_cx"].All(c => c is > 0f and < 1f));
        Assert.IsTrue(parameters["vflip"].All(f => f is 0f or 1f));
    }

    [TestMethod]
    public void MultiViewStacksViewsViewMajor()
    {
        using var scope = NewDisposeScope();
        var images = Images(3, 1, 4, 4);
        var views = new MultiViewTransform(new RandomHorizontalFlip(1), new RandomVerticalFlip(1)).Apply(images, 0, out var parameters);
        AssertSame(cat([images.flip(3), images.flip(2)], 0), views);
        CollectionAssert.AreEqual(new[] { 1f, 1f, 1f, float.NaN, float.NaN, float.NaN }, parameters!["hflip"]);
    }

    [TestMethod]
    public void ColorJitterIdentityAndKnownValues()
    {
        using var scope = NewDisposeScope();
        var images = Images(4, 3, 6, 6);
        AssertSame(images, new ColorJitter().Apply(images, 1), "no jitter");
        AssertSame(images, new ColorJitter(0.5, 0.5, 0.5, 0.2, p: 0).Apply(images, 1), "p = 0");

        // Hue +1/3 turn maps red to green and green to blue.
        var red = tensor(new float[] { 1, 0, 0.5f, 0, 1, 0, 0, 0, 0.5f }, [1, 3, 1, 3]);
        var shifted = ColorOpsProbe.HueShift(red, 1.0 / 3);
        CollectionAssert.AreEqual(new float[] { 0, 0, 0.5f, 1, 0, 0.5f, 0, 1, 0 }, Values(shifted).Select(v => MathF.Round(v, 5)).ToArray());

        // Brightness alone scales and clamps; its factor is recorded.
        var parameters = new ViewParameters(4);
        var bright = new ColorJitter(brightness: 0.5).Apply(images, new Random(5), parameters);
        var factor = tensor(parameters["jitter_brightness"], [4, 1, 1, 1]);
        Assert.IsTrue(bright.allclose((images * factor).clamp(0, 1), atol: 1e-6));
        Assert.IsTrue(parameters["jitter_brightness"].All(f => f is >= 0.5f and <= 1.5f));

        // Gray images: saturation and hue do nothing.
        var gray = Images(3, 1, 5, 5);
        AssertSame(gray, new ColorJitter(saturation: 0.9, hue: 0.5).Apply(gray, 2));
        var all = new ColorJitter(0.8, 0.8, 0.8, 0.2).Apply(images, 3);
        Assert.IsTrue(all.ge(0.0).all().ToBoolean() && all.le(1.0).all().ToBoolean());
    }

    [TestMethod]
    public void GrayscaleBlurAndSolarize()
    {
        using var scope = NewDisposeScope();
        var images = Images(3, 3, 8, 8);
        var gray = new RandomGrayscale(1).Apply(images, 0);
        Assert.IsTrue(gray.narrow(1, 0, 1).allclose(gray.narrow(1, 2, 1)), "all channels equal");
        var luma = images.narrow(1, 0, 1) * 0.2989 + images.narrow(1, 1, 1) * 0.587 + images.narrow(1, 2, 1) * 0.114;
        Assert.IsTrue(gray.narrow(1, 1, 1).allclose(luma, atol: 1e-6));

        var constant = full([2, 3, 9, 9], 0.3f, ScalarType.Float32);
        Assert.IsTrue(new GaussianBlur(5, 1, 2).Apply(constant, 0).allclose(constant, atol: 1e-6), "blur keeps a constant image");
        AssertSame(images, new GaussianBlur(3, p: 0).Apply(images, 0), "p = 0 passes through exactly");
        var blurred = new GaussianBlur(5, 1.5, 1.5).Apply(images, 0);
        Assert.IsTrue(blurred.std().ToDouble() < images.std().ToDouble() * 0.7, "blur smooths noise");

        var solarized = new Solarize(0.5, p: 1).Apply(images, 0);
        Assert.IsTrue(solarized.le(0.5 + 1e-6).all().ToBoolean(), "everything at or above the threshold is inverted below it");
        AssertSame(where(images.ge(0.5), 1.0 - images, images), solarized);
    }

    [TestMethod]
    public void AugmentationsRunOnTheImagesDevice()
    {
        if (!cuda.is_available())
        {
            Assert.Inconclusive("skipped: no CUDA device");
            return;
        }
        using var scope = NewDisposeScope();
        var images = Images(8, 3, 32, 32);
        var transform = new MultiViewTransform(AugmentationPresets.SimClr(32, blur: true), 2);
        var cpu = transform.Apply(images, 5, out var pc);
        var gpu = transform.Apply(images.cuda(), 5, out var pg);
        Assert.AreEqual(DeviceType.CUDA, gpu.device.type);
        CollectionAssert.AreEqual(pc!["crop_scale"], pg!["crop_scale"], "same parameters on any device");
        Assert.IsTrue(cpu.allclose(gpu.cpu(), atol: 1e-4));
    }

    [TestMethod]
    public void TransformsDoNotLeakTensors()
    {
        var images = Images(16, 3, 32, 32);
        var transform = new MultiViewTransform(AugmentationPresets.SimClr(32, blur: true), 2);
        using (transform.Apply(images, new Random(1))) { }
        long before = Tensor.TotalCount;
        for (int k = 0; k < 3; k++) using (transform.Apply(images, new Random(k))) { }
        Assert.AreEqual(before, Tensor.TotalCount);
        images.Dispose();
        _ = SyntheticShapes.ClassNames;
    }
}

/// <summary>Applies one hue shift to every image through the ColorJitter machinery (strength = |shift|, forced sign).</summary>
internal static class ColorOpsProbe
{
    public static Tensor HueShift(Tensor images, double shift)
    {
        // A Random whose first doubles make ColorJitter draw exactly +shift: hue = -h + u * 2h with u = 1 gives +h.
        var jitter = new ColorJitter(hue: shift, randomOrder: false);
        return jitter.Apply(images, new FixedRandom(1.0 - 1e-12));
    }

    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
        protected override double Sample() => value;
    }
}
