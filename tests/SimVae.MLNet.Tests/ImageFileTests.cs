using SimVae.Backbones;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using SimVae.Data;
using SimVae.Methods;
using TorchSharp;
using SkiaSharp;

namespace SimVae.MLNet.Tests;

/// <summary>Model-Builder-style pipelines that start from image files: paths → LoadImages → ResizeImages → ExtractPixels → the stage.</summary>
[TestClass]
public class ImageFileTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>A row of an image folder: the file and its class (the folder name).</summary>
    public sealed class ImageFile
    {
        public string ImagePath { get; set; } = "";

        public string Label { get; set; } = "";
    }

    private static List<ImageFile> FilesOf(string root) =>
        Directory.GetFiles(root, "*.*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => new ImageFile { ImagePath = f, Label = Path.GetFileName(Path.GetDirectoryName(f))! }).ToList();

    private static IEstimator<ITransformer> GreyPixels(MLContext ml, string folder) =>
        ml.Transforms.LoadImages("Image", folder, nameof(ImageFile.ImagePath))
            .Append(ml.Transforms.ResizeImages("Image", 28, 28))
            .Append(ml.Transforms.ConvertToGrayscale("Image"))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red));

    [TestMethod]
    public void FashionMnistPngFilesTrainAPipelineThatSavesAndLoads()
    {
        if (!FashionMnist.IsAvailable(DataSplit.Test)) Assert.Inconclusive("skipped: FashionMNIST is not installed (apt-get install dataset-fashion-mnist)");
        var images = FashionMnist.Load(DataSplit.Test).Subset(Enumerable.Range(0, 300).ToArray());
        var folder = Directory.CreateTempSubdirectory("simvae-png-").FullName;
        ImageFolderWriter.Write(images, folder);
        var ml = new MLContext(seed: 1);
        var files = FilesOf(folder);
        var data = ml.Data.LoadFromEnumerable(files);

        // The grey pixels that reach the stage are exactly the IDX file's bytes (as 0-255 floats).
        var pixels = TestData.Column(GreyPixels(ml, folder).Fit(data).Transform(data), "Pixels");
        for (int i = 0; i < 5; i++)
        {
            int index = int.Parse(Path.GetFileNameWithoutExtension(files[i].ImagePath), System.Globalization.CultureInfo.InvariantCulture);
            CollectionAssert.AreEqual(images.Image(index).ToArray().Select(b => (float)b).ToArray(), pixels[i], $"pixels of {files[i].ImagePath}");
        }

        var pipeline = GreyPixels(ml, folder)
            .Append(ml.Transforms.SimVaeFeaturize("Features", "Pixels", new SimVaeFeaturizeOptions { MaxSteps = 3, Device = torch.CPU }))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label"))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("Label", "Features", maximumNumberOfIterations: 10))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(data);
        var expected = TestData.Column(model.Transform(data), "Features");
        var path = AdapterTests.TempFile("images.zip");
        ml.Model.Save(model, data.Schema, path);
        var loaded = new MLContext().Model.Load(path, out _);
        TestData.AssertClose(expected, TestData.Column(loaded.Transform(data), "Features"), 1e-5f, "loaded pipeline from image files");
        var predictions = loaded.Transform(data).GetColumn<ReadOnlyMemory<char>>("PredictedLabel").Select(p => p.ToString()).ToList();
        CollectionAssert.IsSubsetOf(predictions.Distinct().ToList(), files.Select(f => f.Label).Distinct().ToList());
    }

    [TestMethod]
    public void ColourJpegFilesOfAnotherSizeFeedAColourModel()
    {
        var folder = Directory.CreateTempSubdirectory("simvae-jpeg-").FullName;
        var random = new Random(5);
        for (int i = 0; i < 40; i++)
        {
            var label = i % 2 == 0 ? "red" : "blue";
            Directory.CreateDirectory(Path.Combine(folder, label));
            using var bitmap = new SKBitmap(40, 30);
            using (var canvas = new SKCanvas(bitmap))
            {
                canvas.Clear(new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
                using var paint = new SKPaint { Color = label == "red" ? SKColors.Red : SKColors.Blue };
                canvas.DrawCircle(random.Next(10, 30), random.Next(8, 22), 7, paint);
            }
            using var jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
            File.WriteAllBytes(Path.Combine(folder, label, $"{i}.jpg"), jpeg.ToArray());
        }
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(FilesOf(folder));
        var options = new SimVaeFeaturizeOptions
        {
            Method = new SimVaeOptions { Backbone = BackboneKind.Conv, Channels = 3, Height = 32, Width = 32, LatentDim = 8, BatchImages = 16, Augmentation = "none" },
            MaxSteps = 2, Device = torch.CPU,
        };
        var model = ml.Transforms.LoadImages("Image", folder, nameof(ImageFile.ImagePath))
            .Append(ml.Transforms.ResizeImages("Image", 32, 32))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image"))
            .Append(ml.Transforms.SimVaeFeaturize("Features", "Pixels", options))
            .Fit(data);
        var features = TestData.Column(model.Transform(data), "Features");
        Assert.AreEqual(40, features.Length);
        Assert.AreEqual(8, features[0].Length);
        Assert.IsTrue(features.SelectMany(f => f).All(float.IsFinite));

        // Encoded file bytes are not pixels: the stage says how to decode them.
        var raw = ml.Transforms.LoadRawImageBytes("Bytes", folder, nameof(ImageFile.ImagePath))
            .Append(ml.Transforms.SimVaeFeaturize("Features", "Bytes", options));
        var encoded = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => raw.Fit(data));
        StringAssert.Contains(encoded.Message, "encoded image bytes");
        StringAssert.Contains(encoded.Message, "LoadImages");

        // The same colour column for a grey model is refused with the transforms to add.
        var grey = ml.Transforms.LoadImages("Image", folder, nameof(ImageFile.ImagePath))
            .Append(ml.Transforms.ResizeImages("Image", 32, 32))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image"))
            .Append(ml.Transforms.SimVaeFeaturize("Features", "Pixels", new SimVaeFeaturizeOptions { Method = options.Method with { Channels = 1 }, MaxSteps = 1, Device = torch.CPU }));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => grey.Fit(data));
        StringAssert.Contains(e.Message, "ConvertToGrayscale");
    }

    [TestMethod]
    public void AnUnreadableImageFileFailsFitNamingItsRow()
    {
        var images = SyntheticShapes.Generate(new SyntheticShapesOptions { Count = 80, Size = 28, Seed = 2 });
        var folder = Directory.CreateTempSubdirectory("simvae-bad-").FullName;
        ImageFolderWriter.Write(images, folder);
        var files = FilesOf(folder);
        var bad = files[7].ImagePath;
        var bytes = File.ReadAllBytes(bad);
        File.WriteAllBytes(bad, bytes[..20]);   // the PNG signature and part of its header: no image data
        var model = AdapterTests.TempFile("kept.zip");
        File.WriteAllText(model, "an earlier model");

        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(files);
        var pipeline = GreyPixels(ml, folder).Append(ml.Transforms.SimVaeFeaturize("Features", "Pixels", new SimVaeFeaturizeOptions { MaxSteps = 1, Device = torch.CPU }));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => pipeline.Fit(data));
        for (Exception? x = e; x is not null; x = x.InnerException) TestContext.WriteLine(x.GetType().Name + ": " + x.Message);
        StringAssert.Contains(e.Message, "row 7");
        StringAssert.Contains(e.Message, bad);
        StringAssert.Contains(e.Message, "column 'Pixels'");
        Assert.AreEqual("an earlier model", File.ReadAllText(model), "nothing already written is touched");
    }
}
