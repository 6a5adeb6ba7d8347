using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace SimVae.MLNet.Tests;

/// <summary>Wrong image columns and wrongly scaled pixels fail at schema propagation or Fit, with a message that says the fix.</summary>
[TestClass]
public class InputCheckTests
{
    private const int Size = 16;

    [TestMethod]
    public void WrongColumnsFailWithClearMessages()
    {
        var ml = new MLContext(seed: 1);
        var data = TestData.Shapes(64, Size, seed: 0);
        var train = TestData.View(ml, data);
        var estimator = ml.Transforms.SimVaeFeaturize("Features", "Pixels", AdapterTests.SimVae(steps: 1));

        // Schema propagation without fitting.
        var shape = estimator.GetOutputSchema(TestData.Shape(ml, Size * Size, Size * Size));
        var output = shape.Single(c => c.Name == "Features");
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, output.Kind);
        Assert.AreEqual(NumberDataViewType.Single, output.ItemType);

        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SimVaeFeaturize("Features", "Image", AdapterTests.SimVae(1)).Fit(train));
        StringAssert.Contains(missing.Message, "'Image' not found");
        StringAssert.Contains(missing.Message, "'Pixels'");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SimVaeFeaturize("Features", "Image", AdapterTests.SimVae(1)).GetOutputSchema(TestData.Shape(ml, Size * Size, Size * Size)));

        var scalar = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SimVaeFeaturize("Features", "Label", AdapterTests.SimVae(1)).Fit(train));
        StringAssert.Contains(scalar.Message, "must be a vector of 256 Single or Byte values (one 1x16x16 image");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SimVaeFeaturize("Features", "Label", AdapterTests.SimVae(1)).GetOutputSchema(TestData.Shape(ml, Size * Size, Size * Size)));

        Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.SimVaeFeaturize("Pixels", "Pixels", AdapterTests.SimVae(1)));

        // SchemaShape carries no vector sizes: a wrong size shows at Fit and on the fitted stage.
        Assert.IsNotNull(estimator.GetOutputSchema(TestData.Shape(ml, 100, Size * Size)));
        var wrongSize = TestData.View(ml, data, pixelLength: 100);
        var size = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(wrongSize));
        StringAssert.Contains(size.Message, "256");
        StringAssert.Contains(size.Message, "100 values");
        StringAssert.Contains(size.Message, "ResizeImages(..., imageWidth: 16, imageHeight: 16)");

        // A colour image (3 x 16 x 16) for a grey model: the message names the transforms to add.
        var colour = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(TestData.View(ml, data, pixelLength: 3 * Size * Size)));
        StringAssert.Contains(colour.Message, "ConvertToGrayscale");
        StringAssert.Contains(colour.Message, "ColorBits.Red");

        // A fitted stage checks the data it is applied to.
        using var model = estimator.Fit(train);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Transform(wrongSize));
        StringAssert.Contains(e.Message, "100 values");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.GetOutputSchema(wrongSize.Schema));
    }

    [TestMethod]
    public void PixelsOutsideTheScaleOrScaledTwiceAreCaughtAtFit()
    {
        var ml = new MLContext(seed: 1);
        var data = TestData.Shapes(64, Size, seed: 0);
        var method = AdapterTests.SimVae(1).Method;

        // 0-255 values with an input scale of 1: outside [0, 1].
        var unscaled = new SimVaeFeaturizeOptions { Method = method, MaxSteps = 1, InputScale = 1, Device = torch.CPU };
        var range = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.SimVaeFeaturize("Features", "Pixels", unscaled).Fit(TestData.View(ml, data)));
        StringAssert.Contains(range.Message, "outside [0, 1]");
        StringAssert.Contains(range.Message, "row 0");

        // Values already divided by 255 (ExtractPixels(scaleImage: 1f/255)) with the default input scale 1/255: black images.
        var rows = Enumerable.Range(0, data.Count).Select(i => new ShapeRow
        {
            Pixels = data.Image(i).ToArray().Select(b => b / 255f).ToArray(),
            Bytes = data.Image(i).ToArray(),
            Label = (uint)data.Label(i),
        });
        var scaledTwice = ml.Data.LoadFromEnumerable(rows, TestData.InputDefinition(Size * Size, Size * Size));
        var twice = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.SimVaeFeaturize("Features", "Pixels", AdapterTests.SimVae(1)).Fit(scaledTwice));
        StringAssert.Contains(twice.Message, "scaled twice");
        StringAssert.Contains(twice.Message, "use an input scale of 1");
        using var right = ml.Transforms.SimVaeFeaturize("Features", "Pixels", new SimVaeFeaturizeOptions { Method = method, MaxSteps = 1, InputScale = 1, Device = torch.CPU }).Fit(scaledTwice);
        Assert.AreEqual(1f, right.Stage.InputScale);
    }
}
