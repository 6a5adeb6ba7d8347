using SimVae.Data;

namespace SimVae.Tests.Data;

[TestClass]
public class SyntheticShapesTests
{
    [TestMethod]
    public void SameSeedSameData_DifferentSeedDifferentData()
    {
        var a = SyntheticShapes.Generate(new SyntheticShapesOptions { Count = 200, Seed = 7 });
        var b = SyntheticShapes.Generate(new SyntheticShapesOptions { Count = 200, Seed = 7 });
        var c = SyntheticShapes.Generate(new SyntheticShapesOptions { Count = 200, Seed = 8 });
        CollectionAssert.AreEqual(a.Pixels.ToArray(), b.Pixels.ToArray());
        foreach (var name in a.LabelColumns.Keys) CollectionAssert.AreEqual(a.LabelColumns[name], b.LabelColumns[name]);
        CollectionAssert.AreNotEqual(a.Pixels.ToArray(), c.Pixels.ToArray());
        // A prefix of a larger set is the smaller set: image i depends only on the seed and i.
        var larger = SyntheticShapes.Generate(new SyntheticShapesOptions { Count = 300, Seed = 7 });
        CollectionAssert.AreEqual(a.Pixels.ToArray(), larger.Pixels[..a.Pixels.Length].ToArray());
    }

    [TestMethod]
    public void LabelsAndFactorsStayInTheirRanges()
    {
        const int bins = 4;
        var data = SyntheticShapes.Generate(new SyntheticShapesOptions { Count = 2000, Seed = 1, Bins = bins });
        Assert.AreEqual((1, 28, 28), (data.Channels, data.Height, data.Width));
        Assert.AreEqual(10, data.ClassCount);
        var perClass = new int[10];
        foreach (var label in data.Labels) perClass[label]++;
        CollectionAssert.AreEqual(Enumerable.Repeat(200, 10).ToArray(), perClass);

        CollectionAssert.AreEquivalent(SyntheticShapes.Factors.Select(f => f.Name).ToArray(), data.LabelColumns.Keys.ToArray());
        foreach (var (name, min, max) in SyntheticShapes.Factors)
        {
            var values = data.FactorColumns[name];
            var labels = data.LabelColumns[name];
            Assert.IsTrue(values.All(v => v >= min - 1e-6 && v < max + 1e-6), $"{name} outside [{min}, {max})");
            for (int i = 0; i < values.Length; i++)
                Assert.AreEqual(Math.Clamp((int)Math.Floor((values[i] - min) / (max - min) * bins), 0, bins - 1), labels[i], $"{name} bin of image {i}");
            var counts = new int[bins];
            foreach (var l in labels) counts[l]++;
            Assert.IsTrue(counts.All(n => n > 2000 / bins / 2), $"{name} bins unbalanced: {string.Join(",", counts)}");
        }
    }

    [TestMethod]
    public void ImagesShowTheFactors()
    {
        var data = SyntheticShapes.Generate(new SyntheticShapesOptions { Count = 100, Seed = 3 });
        for (int i = 0; i < data.Count; i++)
        {
            var image = data.Image(i);
            // The corner pixel is background; the brightest pixel is the shape's intensity (within quantisation).
            Assert.AreEqual(data.FactorColumns["background"][i] * 255, image[0], 1.0, $"background of {i}");
            Assert.AreEqual(data.FactorColumns["intensity"][i] * 255, image.ToArray().Max(), 1.0, $"intensity of {i}");
        }
        // Classes differ: the mean images of disk (0) and plus (3) are far apart.
        double Distance(int a, int b)
        {
            double d = 0;
            for (int p = 0; p < 28 * 28; p++)
            {
                double ma = 0, mb = 0;
                for (int i = a; i < data.Count; i += 10) ma += data.Image(i)[p];
                for (int i = b; i < data.Count; i += 10) mb += data.Image(i)[p];
                d += Math.Abs(ma - mb) / 10;
            }
            return d / (28 * 28);
        }
        Assert.IsTrue(Distance(0, 3) > 5, "disk and plus should differ");
    }
}
