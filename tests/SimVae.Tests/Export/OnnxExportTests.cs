using Onnx;
using SimVae.Backbones;
using SimVae.Data;
using SimVae.Engine;
using SimVae.Export;
using SimVae.Featurization;
using SimVae.Losses;
using SimVae.Methods;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Linear = SimVae.Engine.Linear;

namespace SimVae.Tests.Export;

/// <summary>
/// The exported encoders, run by ONNX Runtime, give what <see cref="Featurizer.Transform(ImageDataset, int)"/> gives with
/// TorchSharp: every method × every backbone, on real FashionMNIST images (1×28×28) and on random images of CIFAR's shape (3×32×32).
/// </summary>
[TestClass]
public sealed class OnnxExportTests
{
    /// <summary>Largest |ONNX − TorchSharp| accepted: float32 rounding of two BLAS libraries over a deep network.</summary>
    private const float Tolerance = 1e-4f;

    [TestMethod]
    [DataRow("simvae", BackboneKind.Mlp, "fashion-mnist")]
    [DataRow("vae", BackboneKind.Mlp, "fashion-mnist")]
    [DataRow("beta-vae", BackboneKind.Mlp, "fashion-mnist")]
    [DataRow("simclr", BackboneKind.Mlp, "fashion-mnist")]
    [DataRow("vicreg", BackboneKind.Mlp, "fashion-mnist")]
    [DataRow("simvae", BackboneKind.Conv, "fashion-mnist")]
    [DataRow("vae", BackboneKind.Conv, "fashion-mnist")]
    [DataRow("beta-vae", BackboneKind.Conv, "fashion-mnist")]
    [DataRow("simclr", BackboneKind.Conv, "fashion-mnist")]
    [DataRow("vicreg", BackboneKind.Conv, "fashion-mnist")]
    [DataRow("simvae", BackboneKind.Conv, "cifar-shape")]
    [DataRow("vae", BackboneKind.Conv, "cifar-shape")]
    [DataRow("beta-vae", BackboneKind.Conv, "cifar-shape")]
    [DataRow("simclr", BackboneKind.Conv, "cifar-shape")]
    [DataRow("vicreg", BackboneKind.Conv, "cifar-shape")]
    [DataRow("simvae", BackboneKind.ResNet18, "cifar-shape")]
    [DataRow("vae", BackboneKind.ResNet18, "cifar-shape")]
    [DataRow("beta-vae", BackboneKind.ResNet18, "cifar-shape")]
    [DataRow("simclr", BackboneKind.ResNet18, "cifar-shape")]
    [DataRow("vicreg", BackboneKind.ResNet18, "cifar-shape")]
    [DataRow("cr-vae", BackboneKind.Mlp, "fashion-mnist")]
    [DataRow("moco", BackboneKind.Mlp, "fashion-mnist")]
    [DataRow("byol", BackboneKind.Mlp, "fashion-mnist")]
    [DataRow("barlow-twins", BackboneKind.Mlp, "fashion-mnist")]
    [DataRow("dino", BackboneKind.Mlp, "fashion-mnist")]
    [DataRow("cr-vae", BackboneKind.Conv, "cifar-shape")]
    [DataRow("moco", BackboneKind.Conv, "cifar-shape")]
    [DataRow("byol", BackboneKind.Conv, "cifar-shape")]
    [DataRow("barlow-twins", BackboneKind.Conv, "cifar-shape")]
    [DataRow("dino", BackboneKind.Conv, "cifar-shape")]
    public void ExportedEncoderMatchesTorchSharp(string method, BackboneKind backbone, string images)
    {
        var data = images == "fashion-mnist" ? FashionMnistImages(32) : RandomImages(backbone == BackboneKind.ResNet18 ? 4 : 16, seed: 11);
        using var model = CreateModel(method, backbone, data);
        Assert.AreEqual(method, model.Options.MethodName);
        using var featurizer = new Featurizer(model);
        var expected = featurizer.Transform(data);

        using var onnx = new OnnxRunner(OnnxExporter.ExportToBytes(model));
        var actual = onnx.Run(OnnxRunner.PixelRows(data), data.Count, PixelsPerImage(data));

        float difference = MaxAbsDifference(expected.Values, actual);
        Console.WriteLine($"onnx-vs-torchsharp {backbone} {method} {images} ({data.Count} images, {expected.Columns} features): max |diff| = {difference:E2}");
        Assert.IsTrue(difference <= Tolerance, $"{method}/{backbone}/{images}: max |ONNX − TorchSharp| = {difference:E2} > {Tolerance:E0}");
        Assert.IsTrue(expected.Values.Any(v => Math.Abs(v) > 1e-3f), "the features are not all near zero (the comparison means something)");
    }

    [TestMethod]
    public void HeadOutputIsExportedWhenTheModelUsesIt()
    {
        var data = FashionMnistImages(8);
        using var model = (SimClrModel)CreateModel("simclr", BackboneKind.Mlp, data);
        model.UseHeadOutput = true;
        using var onnx = new OnnxRunner(OnnxExporter.ExportToBytes(model));
        int width = ((SimClrOptions)model.Options).ProjectionDim;
        CollectionAssert.AreEqual(new[] { -1, width }, onnx.Output.Dimensions, "the head's output is the feature");
        var actual = onnx.Run(OnnxRunner.PixelRows(data), data.Count, PixelsPerImage(data));
        // Featurizer.Transform expects LatentDim columns, so the head's output comes from Encode itself.
        using var noGrad = no_grad();
        using var images = data.ToTensor();
        using var encoded = model.Encode(images);
        Assert.IsTrue(MaxAbsDifference(encoded.data<float>().ToArray(), actual) <= Tolerance);
    }

    [TestMethod]
    public void ByteInputEqualsFloatInputOnATrainedModel()
    {
        var data = FashionMnistImages(24);
        using var model = Featurization.TinyModels.Trained(Options("simvae", BackboneKind.Conv, 1, 28) with { BatchImages = 8 }, data, steps: 2);
        using var featurizer = new Featurizer(model);
        var expected = featurizer.Transform(data);
        using var asFloat = new OnnxRunner(OnnxExporter.ExportToBytes(model));
        using var asByte = new OnnxRunner(OnnxExporter.ExportToBytes(model, new OnnxExportOptions { PixelType = OnnxPixelType.Byte }));

        Assert.AreEqual(typeof(byte), asByte.Input.ElementType);
        Assert.AreEqual(typeof(float), asFloat.Input.ElementType);
        int width = PixelsPerImage(data);
        var fromFloats = asFloat.Run(OnnxRunner.PixelRows(data), data.Count, width);
        var fromBytes = asByte.Run(data.Pixels.ToArray(), data.Count, width);
        // ×(1/255) and ÷255 differ by at most one float32 rounding of the input.
        Assert.IsTrue(MaxAbsDifference(fromFloats, fromBytes) <= 1e-5f, $"byte vs float input: {MaxAbsDifference(fromFloats, fromBytes):E2}");
        Assert.IsTrue(MaxAbsDifference(expected.Values, fromBytes) <= Tolerance);
    }

    [TestMethod]
    public void FloatInputWithAnotherScale()
    {
        var data = FashionMnistImages(8);
        using var model = CreateModel("vae", BackboneKind.Conv, data);
        using var featurizer = new Featurizer(model);
        var expected = featurizer.Transform(data);
        // Pixels already in [0, 1]: InputScale 1; pixels in 0–510: InputScale 1/510.
        var unit = data.Pixels.ToArray().Select(b => b / 255f).ToArray();
        using var identity = new OnnxRunner(OnnxExporter.ExportToBytes(model, new OnnxExportOptions { InputScale = 1f }));
        Assert.IsTrue(MaxAbsDifference(expected.Values, identity.Run(unit, data.Count, PixelsPerImage(data))) <= Tolerance);
        var doubled = data.Pixels.ToArray().Select(b => 2f * b).ToArray();
        using var half = new OnnxRunner(OnnxExporter.ExportToBytes(model, new OnnxExportOptions { InputScale = 1f / 510f }));
        Assert.IsTrue(MaxAbsDifference(expected.Values, half.Run(doubled, data.Count, PixelsPerImage(data))) <= Tolerance);
        // The scale is part of the graph: the default model on [0, 1] inputs gives other features.
        using var standard = new OnnxRunner(OnnxExporter.ExportToBytes(model));
        Assert.IsTrue(MaxAbsDifference(expected.Values, standard.Run(unit, data.Count, PixelsPerImage(data))) > 1e-3f);
    }

    [TestMethod]
    public void OneModelServesAnyBatchSize()
    {
        var data = RandomImages(8, seed: 5);
        using var model = CreateModel("simvae", BackboneKind.Conv, data);
        using var featurizer = new Featurizer(model);
        var expected = featurizer.Transform(data);
        using var onnx = new OnnxRunner(OnnxExporter.ExportToBytes(model, new OnnxExportOptions { InputName = "image", OutputName = "embedding" }));

        Assert.AreEqual("image", onnx.InputName);
        Assert.AreEqual("embedding", onnx.OutputName);
        CollectionAssert.AreEqual(new[] { -1, 3 * 32 * 32 }, onnx.Input.Dimensions, "input [batch, C·H·W]");
        Assert.AreEqual(OnnxExporter.BatchDimensionName, onnx.Input.SymbolicDimensions[0]);
        CollectionAssert.AreEqual(new[] { -1, expected.Columns }, onnx.Output.Dimensions, "output [batch, F]");
        var pixels = OnnxRunner.PixelRows(data);
        int width = PixelsPerImage(data), f = expected.Columns;
        var first = onnx.Run(pixels[..width], 1, width);
        Assert.IsTrue(MaxAbsDifference(expected.Values[..f], first) <= Tolerance, "batch of 1");
        var seven = onnx.Run(pixels[width..], 7, width);
        Assert.AreEqual(7 * f, seven.Length);
        Assert.IsTrue(MaxAbsDifference(expected.Values[f..], seven) <= Tolerance, "batch of 7");
    }

    [TestMethod]
    public void GraphDeclaresOpsetShapesAndOnlyDocumentedOperators()
    {
        var data = RandomImages(2, seed: 1);
        using var model = CreateModel("simvae", BackboneKind.ResNet18, data);
        var graph = ModelProto.Parser.ParseFrom(OnnxExporter.ExportToBytes(model, new OnnxExportOptions { PixelType = OnnxPixelType.Byte }));

        Assert.AreEqual(OnnxExporter.IrVersion, graph.IrVersion);
        Assert.AreEqual(OnnxExporter.Opset, graph.OpsetImport.Single().Version);
        Assert.AreEqual("", graph.OpsetImport.Single().Domain);
        var documented = new[] { "Cast", "Mul", "Div", "Reshape", "Gemm", "Conv", "BatchNormalization", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Flatten", "GlobalAveragePool", "Add", "Slice", "Identity" };
        var used = graph.Graph.Node.Select(n => n.OpType).ToHashSet();
        CollectionAssert.IsSubsetOf(used.ToList(), documented, $"used: {string.Join(", ", used)}");
        // 20 convolutions (17 + 3 projection shortcuts) and as many batch norms, each with its running statistics.
        Assert.AreEqual(20, graph.Graph.Node.Count(n => n.OpType == "Conv"));
        Assert.AreEqual(20, graph.Graph.Node.Count(n => n.OpType == "BatchNormalization"));
        Assert.IsTrue(graph.Graph.Initializer.Any(i => i.Name == "encoder.stages.2.shortcut.1.running_var"));
        Assert.IsFalse(graph.Graph.Initializer.Any(i => i.Name.StartsWith("decoder.", StringComparison.Ordinal)), "the decoder is not exported");
        Assert.AreEqual((int)TensorProto.Types.DataType.Uint8, graph.Graph.Input.Single().Type.TensorType.ElemType);
        Assert.AreEqual("simvae", graph.MetadataProps.Single(p => p.Key == "simvae.method").Value);
    }

    [TestMethod]
    public void UnknownModuleTypeFailsNamingTypeAndPath()
    {
        using var model = new CustomHeadModel(new SimClrOptions { Backbone = BackboneKind.Mlp });
        model.eval();
        // The head is not part of the features unless the model uses it.
        Assert.IsTrue(OnnxExporter.ExportToBytes(model).Length > 0);
        model.UseHeadOutput = true;
        var e = Assert.ThrowsExactly<NotSupportedException>(() => OnnxExporter.ExportToBytes(model));
        StringAssert.Contains(e.Message, "'head.1'");
        StringAssert.Contains(e.Message, nameof(Doubler));
    }

    [TestMethod]
    public void ExportWritesAFileAndKeepsTheOldOneOnFailure()
    {
        using var folder = new TempFolder();
        var path = folder.File("encoder.onnx");
        var data = FashionMnistImages(4);
        using var model = CreateModel("vicreg", BackboneKind.Mlp, data);
        using var featurizer = new Featurizer(model);
        featurizer.ExportOnnx(path);
        var expected = featurizer.Transform(data);
        using (var onnx = new OnnxRunner(path))
            Assert.IsTrue(MaxAbsDifference(expected.Values, onnx.Run(OnnxRunner.PixelRows(data), data.Count, PixelsPerImage(data))) <= Tolerance);
        var before = File.ReadAllBytes(path);

        using var custom = new CustomHeadModel(new SimClrOptions()) { UseHeadOutput = true };
        custom.eval();
        Assert.ThrowsExactly<NotSupportedException>(() => OnnxExporter.Export(custom, path));
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path), "a failed export leaves the file as it was");
        Assert.AreEqual(1, Directory.GetFiles(Path.GetDirectoryName(path)!).Length, "no temporary file is left behind");

        using var stream = new MemoryStream();
        featurizer.ExportOnnx(stream);
        CollectionAssert.AreEqual(before, stream.ToArray(), "stream and file exports are the same bytes");
    }

    [TestMethod]
    public void InvalidOptionsAndTrainingModeAreRejected()
    {
        using var model = CreateModel("vae", BackboneKind.Mlp, RandomImages(1, 1, channels: 1, size: 28));
        foreach (var (options, name) in new (OnnxExportOptions, string)[]
        {
            (new() { InputScale = 0 }, "InputScale"),
            (new() { InputScale = float.NaN }, "InputScale"),
            (new() { InputScale = float.PositiveInfinity }, "InputScale"),
            (new() { InputScale = -1f / 255 }, "InputScale"),
            (new() { InputName = "" }, "InputName"),
            (new() { OutputName = " " }, "OutputName"),
            (new() { InputName = "x", OutputName = "x" }, "OutputName"),
            (new() { PixelType = (OnnxPixelType)7 }, "PixelType"),
        })
        {
            var e = Assert.ThrowsExactly<ArgumentException>(() => OnnxExporter.ExportToBytes(model, options), name);
            StringAssert.Contains(e.Message, name);
        }
        model.train();
        var training = Assert.ThrowsExactly<InvalidOperationException>(() => OnnxExporter.ExportToBytes(model));
        StringAssert.Contains(training.Message, "training mode");
        model.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => OnnxExporter.ExportToBytes(model));
    }

    private static SslOptions Options(string method, BackboneKind backbone, int channels, int size) =>
        SslMethods.Defaults(method) with { Backbone = backbone, Channels = channels, Height = size, Width = size, Augmentation = "none" };

    /// <summary>
    /// A seeded model for <paramref name="data"/>'s image shape, in eval mode, whose batch norms (ResNet-18) have
    /// non-trivial scale, shift and running statistics: a few training-mode forward passes set the latter.
    /// </summary>
    private static SslModel CreateModel(string method, BackboneKind backbone, ImageDataset data)
    {
        // Each method its own weights, reproducibly.
        TorchRuntime.ManualSeed((ulong)(17 + SslMethods.Names.ToList().IndexOf(method)));
        var model = SslModel.Create(Options(method, backbone, data.Channels, data.Height));
        // Only the encoder's batch norms are part of the features (not the decoder's, heads' or teacher's).
        var norms = model.named_modules().Where(m => m.name.StartsWith("encoder.", StringComparison.Ordinal) || m.name.StartsWith("backbone.", StringComparison.Ordinal))
            .Select(m => m.module).OfType<NormBase>().ToList();
        if (norms.Count > 0)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            foreach (var norm in norms)
            {
                norm.weight!.uniform_(0.5, 1.5);
                norm.bias!.uniform_(-0.2, 0.2);
            }
            model.train();
            for (int pass = 0; pass < 3; pass++) model.Encode(rand(4, data.Channels, data.Height, data.Width));
        }
        model.eval();
        foreach (var norm in norms)
            Assert.IsFalse(norm.running_mean!.data<float>().All(v => v == 0), "running statistics were updated");
        return model;
    }

    private static ImageDataset FashionMnistImages(int count)
    {
        if (!FashionMnist.IsAvailable(DataSplit.Test))
            Assert.Inconclusive("skipped: FashionMNIST not installed (apt-get install dataset-fashion-mnist)");
        var test = FashionMnist.Load(DataSplit.Test);
        return test.Subset(Enumerable.Range(0, count).Select(i => i * 37).ToArray(), "FashionMNIST test sample");
    }

    /// <summary>Uniform random pixels, CIFAR's shape by default.</summary>
    private static ImageDataset RandomImages(int count, int seed, int channels = 3, int size = 32)
    {
        var pixels = new byte[count * channels * size * size];
        new Random(seed).NextBytes(pixels);
        return new ImageDataset(pixels, count, channels, size, size, name: "random images");
    }

    private static int PixelsPerImage(ImageDataset data) => data.Channels * data.Height * data.Width;

    private static float MaxAbsDifference(float[] expected, float[] actual)
    {
        Assert.AreEqual(expected.Length, actual.Length, "feature counts differ");
        float max = 0;
        for (int i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        return max;
    }

    /// <summary>A module type the exporter has no translation for.</summary>
    private sealed class Doubler() : nn.Module<Tensor, Tensor>(nameof(Doubler))
    {
        public override Tensor forward(Tensor input) => input * 2;
    }

    /// <summary>A SimCLR-shaped model whose head ends in a <see cref="Doubler"/>.</summary>
    private sealed class CustomHeadModel(SimClrOptions options)
        : TwoViewModel(options, d => nn.Sequential(new Linear(d, d), new Doubler()))
    {
        protected override LossTerms PairLoss(Tensor first, Tensor second) => NtXentLoss.Compute(first, second, 0.5);
    }
}
