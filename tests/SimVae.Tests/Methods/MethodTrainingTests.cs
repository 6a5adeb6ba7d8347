using SimVae.Backbones;
using SimVae.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Tests.Methods;

/// <summary>Every registered method, small: its loss is finite on a batch of views and falls when trained on it.</summary>
[TestClass]
public class MethodTrainingTests
{
    public static IEnumerable<object[]> Methods() => SslMethods.Names.Select(name => new object[] { name });

    /// <summary>The method's defaults on 16×16 grey images with the conv backbone, d = 8, 16 images per batch.</summary>
    internal static SslOptions Small(string method) =>
        SslMethods.Defaults(method) with { Backbone = BackboneKind.Conv, Height = 16, Width = 16, LatentDim = 8, BatchImages = 16 };

    /// <summary>A fixed batch of J views of N seeded images in [0, 1]: each view is the image plus its own small noise.</summary>
    internal static Tensor Views(SslOptions o, int seed)
    {
        var generator = new Generator((ulong)seed);
        using var scope = NewDisposeScope();
        var images = rand([o.BatchImages, o.Channels, o.Height, o.Width], generator: generator);
        var views = cat(Enumerable.Range(0, o.Views).Select(_ => (images + 0.05 * randn(images.shape, generator: generator)).clamp(0, 1)).ToList());
        return views.MoveToOuterDisposeScope();
    }

    [TestMethod]
    [DynamicData(nameof(Methods))]
    public void EachMethodLowersItsLossOnAFixedBatch(string method)
    {
        // Adam at 1e-3 for every method: the papers' optimisers and schedules are tested in Optim/ and by the trainer.
        var options = Small(method) with { Optimizer = OptimizerKind.Adam, LearningRate = 1e-3, WeightDecay = 0, Schedule = LearningRateSchedule.Constant };
        manual_seed(3);
        using var model = SslModel.Create(options);
        using var views = Views(options, seed: 4);
        using var optimization = model.ConfigureOptimizers(1000);
        model.train();
        var losses = new List<double>();
        for (long step = 0; step < 25; step++)
        {
            using var scope = NewDisposeScope();
            manual_seed(10 + step);
            optimization.BeginStep(step);
            // A long planned run: DINO's teacher temperature stays at its start, so the objective does not move.
            model.OnTrainingStep(step, 1_000_000);
            var loss = model.Loss(views);
            optimization.ZeroGrad();
            loss.Total.backward();
            optimization.Step();
            losses.Add(loss.Total.ToDouble());
        }
        Assert.IsTrue(losses.All(double.IsFinite), $"{method}: {string.Join(", ", losses)}");
        double first = losses.Take(3).Average(), last = losses.TakeLast(3).Average();
        Console.WriteLine($"{method}: {first:G5} → {last:G5}");
        Assert.IsTrue(last < first, $"{method}: the loss went from {first} to {last}");
        Assert.AreEqual(25, optimization.StepCount);
    }

    [TestMethod]
    [DynamicData(nameof(Methods))]
    public void EncodeGivesTheFeatureDimensionWithoutGradients(string method)
    {
        var options = Small(method);
        using var model = SslModel.Create(options);
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var features = model.Encode(rand(3, options.Channels, options.Height, options.Width));
        CollectionAssert.AreEqual(new long[] { 3, model.FeatureDimension }, features.shape);
        Assert.IsFalse(features.requires_grad);
    }

    [TestMethod]
    [DynamicData(nameof(Methods))]
    public void StateShapesOnTheMetaDeviceMatchTheBuiltModel(string method)
    {
        var options = Small(method);
        var shapes = SslModel.StateShapes(options);
        Assert.AreEqual(DeviceType.CPU, get_default_device().type, "the default device is restored");
        using var model = SslModel.Create(options);
        var built = model.state_dict();
        CollectionAssert.AreEquivalent(built.Keys.ToList(), shapes.Keys.ToList());
        foreach (var (name, t) in built) CollectionAssert.AreEqual(t.shape, shapes[name], name);
        Assert.IsTrue(model.parameters().All(p => p.device_type == DeviceType.CPU));
    }

    /// <summary>
    /// Moving a TorchSharp module replaces its parameters and buffers, reaching a model's own ones (MoCo's queue, DINO's
    /// centre and last weight) through the fields named after them: after a move the model computes with the moved state.
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(Methods))]
    public void AMovedModelComputesWithItsMovedState(string method)
    {
        var options = Small(method);
        using var model = SslModel.Create(options);
        model.to(ScalarType.Float64);
        Assert.IsTrue(model.state_dict().Values.Where(t => t.is_floating_point()).All(t => t.dtype == ScalarType.Float64), method);
        using var scope = NewDisposeScope();
        var loss = model.Loss(Views(options, seed: 5).to(ScalarType.Float64));
        Assert.AreEqual(ScalarType.Float64, loss.Total.dtype, method);
        Assert.IsTrue(double.IsFinite(loss.Total.ToDouble()), method);
        loss.Total.backward();
        Assert.IsTrue(model.TrainableParameters().All(p => p.grad is not null), $"{method}: every trainable parameter gets a gradient");
    }

    [TestMethod]
    public void OptionsDescribingAModelTooLargeForABundleAreRefusedWithoutAllocating()
    {
        // An MLP encoder on 1024×1024×3 images: 3.1M inputs × 2000 hidden ≈ 25 GB of float32 weights.
        var options = new SimVaeOptions { Channels = 3, Height = 1024, Width = 1024 };
        Assert.IsTrue(SslModel.StateBytes(SslModel.StateShapes(options)) > 20_000_000_000L);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SslModel.Create(options));
        StringAssert.Contains(e.Message, "more than the");
    }
}
