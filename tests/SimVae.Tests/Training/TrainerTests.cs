using SimVae.Backbones;
using SimVae.Data;
using SimVae.Losses;
using SimVae.Methods;
using SimVae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Tests.Training;

[TestClass]
public class TrainerTests
{
    private static readonly ImageDataset Shapes = SyntheticShapes.Generate(new SyntheticShapesOptions { Count = 256, Size = 16, Seed = 3 });

    private static SslOptions Small(string method) => method switch
    {
        "simvae" => new SimVaeOptions { Backbone = BackboneKind.Conv, Height = 16, Width = 16, LatentDim = 4, BatchImages = 32, LearningRate = 1e-3 },
        "vae" => SimVaeOptions.Vae() with { Backbone = BackboneKind.Conv, Height = 16, Width = 16, LatentDim = 4, BatchImages = 32, LearningRate = 1e-3 },
        "simclr" => new SimClrOptions { Backbone = BackboneKind.Conv, Height = 16, Width = 16, LatentDim = 8, BatchImages = 32, ProjectionHidden = 32, ProjectionDim = 16 },
        "vicreg" => new VicRegOptions { Backbone = BackboneKind.Conv, Height = 16, Width = 16, LatentDim = 8, BatchImages = 32, ExpanderDim = 32 },
        "cr-vae" => new CrVaeOptions { Backbone = BackboneKind.Conv, Height = 16, Width = 16, LatentDim = 4, BatchImages = 32, LearningRate = 1e-3 },
        "moco" => new MoCoOptions { Backbone = BackboneKind.Conv, Height = 16, Width = 16, LatentDim = 8, BatchImages = 32, QueueSize = 64, ProjectionHidden = 32, ProjectionDim = 16 },
        "byol" => new ByolOptions { Backbone = BackboneKind.Conv, Height = 16, Width = 16, LatentDim = 8, BatchImages = 32, ProjectionHidden = 32, ProjectionDim = 16 },
        "barlow-twins" => new BarlowTwinsOptions { Backbone = BackboneKind.Conv, Height = 16, Width = 16, LatentDim = 8, BatchImages = 32, ProjectionDim = 32 },
        // τ_t held at its final value: its warm-up changes the objective, so losses across it are not comparable.
        "dino" => new DinoOptions
        {
            Backbone = BackboneKind.Conv, Height = 16, Width = 16, LatentDim = 8, BatchImages = 32, HeadHidden = 32, HeadBottleneck = 16, OutputDim = 64,
            TeacherTemperatureWarmupFraction = 0, LearningRate = 1e-3, WarmupFraction = 0,
        },
        _ => throw new ArgumentException(method),
    };

    private static TrainerOptions Run(long steps, string? checkpoint = null) => new()
    {
        MaxSteps = steps, Device = torch.CPU, LogEvery = 1, CheckpointPath = checkpoint, CheckpointEvery = 1000, Prefetch = 0,
    };

    [TestMethod]
    [DataRow("simvae")]
    [DataRow("vae")]
    [DataRow("simclr")]
    [DataRow("vicreg")]
    [DataRow("cr-vae")]
    [DataRow("moco")]
    [DataRow("byol")]
    [DataRow("barlow-twins")]
    [DataRow("dino")]
    public void EachMethodLowersItsLoss(string method)
    {
        var trainer = new Trainer(Run(40));
        var losses = new List<double>();
        trainer.Progress += p => losses.Add(p.Losses["loss"]);
        using var model = trainer.CreateModel(Small(method));
        trainer.Train(model, Shapes);
        Assert.AreEqual(40, losses.Count);
        // MoCo's first steps draw negatives from the random initial queue, an easier task; compare from the first step
        // whose queue holds only keys (QueueSize / BatchImages steps in).
        int filled = Small(method) is MoCoOptions moco ? moco.QueueSize / moco.BatchImages : 0;
        double first = losses.Skip(filled).Take(5).Average(), last = losses.TakeLast(5).Average();
        Console.WriteLine($"{method}: mean loss of steps {filled + 1}-{filled + 5} {first:G5}, of the last 5 {last:G5}");
        Assert.IsTrue(last < first, $"{method}: loss went from {first} to {last}");
    }

    [TestMethod]
    public void ResumingFromACheckpointGivesTheSameLosses()
    {
        using var folder = new TempFolder();
        var uninterrupted = Losses(Run(12), resume: false);
        var checkpoint = folder.File("run.safetensors");
        var firstHalf = Losses(Run(6, checkpoint), resume: false);
        var secondHalf = Losses(Run(12, checkpoint), resume: true);
        CollectionAssert.AreEqual(uninterrupted, firstHalf.Concat(secondHalf).ToList());
    }

    /// <summary>
    /// Interrupted at step 6 of 12 (as Ctrl+C does: the cancellation writes the checkpoint) and resumed, a method with a
    /// momentum teacher, a queue (MoCo), a centre (DINO) and schedules that depend on the planned steps gives the
    /// uninterrupted run's losses: the teacher, queue and centre travel in the checkpoint.
    /// </summary>
    [TestMethod]
    [DataRow("moco")]
    [DataRow("byol")]
    [DataRow("dino")]
    public void ResumingAMomentumMethodGivesTheSameLosses(string method)
    {
        using var folder = new TempFolder();
        var uninterrupted = Losses(Run(12), resume: false, method);
        var checkpoint = folder.File($"{method}.safetensors");
        using var cancel = new CancellationTokenSource();
        var firstHalf = Losses(Run(12, checkpoint), resume: false, method, cancel, stopAfter: 6);
        var secondHalf = Losses(Run(12, checkpoint), resume: true, method);
        Assert.AreEqual(6, firstHalf.Count);
        CollectionAssert.AreEqual(uninterrupted, firstHalf.Concat(secondHalf).ToList(), method);
    }

    /// <summary>
    /// 12 steps straight and 6 steps + a checkpoint + 6 resumed steps end with the same weights, bit for bit: the checkpoint
    /// carries the optimiser's state (Adam's moments, LARS' momentum) and the random state is derived from the step.
    /// </summary>
    [TestMethod]
    [DataRow("simvae")]
    [DataRow("simclr")]
    public void ResumingGivesTheUninterruptedRunsWeightsBitForBit(string method)
    {
        using var folder = new TempFolder();
        var checkpoint = folder.File($"{method}.safetensors");
        var straight = new Trainer(Run(12));
        using var uninterrupted = straight.CreateModel(Small(method));
        straight.Train(uninterrupted, Shapes);
        // Stopped after step 6 as Ctrl+C stops it: the cancellation writes the checkpoint.
        var first = new Trainer(Run(12, checkpoint));
        using (var model = first.CreateModel(Small(method)))
            Assert.ThrowsExactly<OperationCanceledException>(() => first.Train(model, Shapes, resume: false, StopAt(first, 6)));
        var second = new Trainer(Run(12, checkpoint));
        using var resumed = second.CreateModel(Small(method));
        second.Train(resumed, Shapes, resume: true);
        var expected = uninterrupted.state_dict();
        var actual = resumed.state_dict();
        CollectionAssert.AreEquivalent(expected.Keys.ToArray(), actual.Keys.ToArray());
        foreach (var (name, tensor) in expected)
            CollectionAssert.AreEqual(Bytes(tensor), Bytes(actual[name]), $"{method}: '{name}' differs after the resume");
    }

    /// <summary>A token cancelled once the trainer reports <paramref name="step"/>.</summary>
    private static CancellationToken StopAt(Trainer trainer, long step)
    {
        var cancel = new CancellationTokenSource();
        trainer.Progress += p => { if (p.Step == step) cancel.Cancel(); };
        return cancel.Token;
    }

    private static byte[] Bytes(Tensor t)
    {
        using var host = t.cpu();
        using var contiguous = host.contiguous();
        return contiguous.bytes.ToArray();
    }

    /// <summary>Every step disposes what it made: the live tensor count is the same at every step once the optimiser's state exists.</summary>
    [TestMethod]
    [DataRow("simvae")]
    [DataRow("simclr")]
    public void MemoryStaysFlatAcrossSteps(string method)
    {
        var trainer = new Trainer(Run(16));
        var live = new List<long>();
        trainer.Progress += _ => live.Add(Tensor.TotalCount);
        using var model = trainer.CreateModel(Small(method));
        long before = Tensor.TotalCount;
        trainer.Train(model, Shapes);
        long after = Tensor.TotalCount;
        Console.WriteLine($"{method}: {before} live tensors before, {string.Join(" ", live)} at the steps' reports, {after} after");
        Assert.AreEqual(1, live.Skip(2).Distinct().Count(), $"{method}: live tensors grow: {string.Join(" ", live)}");
        // What remains after the run is the optimiser's state, which is disposed with the optimiser.
        Assert.AreEqual(before, after, $"{method}: {after - before} tensors outlive the run");
    }

    private static List<double> Losses(TrainerOptions options, bool resume, string method = "simvae", CancellationTokenSource? cancel = null, int stopAfter = 0)
    {
        var trainer = new Trainer(options);
        var losses = new List<double>();
        trainer.Progress += p =>
        {
            losses.Add(p.Losses["loss"]);
            if (p.Step == stopAfter) cancel?.Cancel();
        };
        using var model = trainer.CreateModel(Small(method));
        try
        {
            trainer.Train(model, Shapes, resume, cancel?.Token ?? default);
        }
        catch (OperationCanceledException) when (cancel is not null)
        {
        }
        return losses;
    }

    [TestMethod]
    public void StopsOnNonFiniteLossKeepingTheLastGoodCheckpoint()
    {
        using var folder = new TempFolder();
        var checkpoint = folder.File("good.safetensors");
        var exploding = (SimVaeOptions)Small("simvae") with { Loss = new SimVaeLossOptions { LogVarX = -1000 } }; // scale e^1000 = ∞
        var trainer = new Trainer(Run(5, checkpoint));
        using var model = trainer.CreateModel(exploding);
        var e = Assert.ThrowsExactly<TrainingDivergedException>(() => trainer.Train(model, Shapes));
        StringAssert.Contains(e.Message, "at step 1");
        StringAssert.Contains(e.Message, checkpoint);
    }

    [TestMethod]
    public void CancellationWritesACheckpointFirst()
    {
        using var folder = new TempFolder();
        var checkpoint = folder.File("cancelled.safetensors");
        var trainer = new Trainer(Run(5, checkpoint));
        using var model = trainer.CreateModel(Small("simvae"));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsExactly<OperationCanceledException>(() => trainer.Train(model, Shapes, cancellation: cancelled.Token));
        Assert.IsTrue(File.Exists(checkpoint));
    }

    [TestMethod]
    public void RejectsDataOfTheWrongShapeAndBadOptions()
    {
        var trainer = new Trainer(Run(1));
        using var model = trainer.CreateModel(new SimVaeOptions { LatentDim = 2, BatchImages = 8 }); // expects 28×28
        var e = Assert.ThrowsExactly<ArgumentException>(() => trainer.Train(model, Shapes));
        StringAssert.Contains(e.Message, "16×16");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Trainer(new TrainerOptions { LogEvery = 0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SimClrOptions { Views = 3 }.Validate());
    }

    [TestMethod]
    public void ModelsProduceFeaturesOfTheirDimension()
    {
        foreach (var method in new[] { "simvae", "simclr", "vicreg" })
        {
            var options = Small(method);
            using var model = SslModel.Create(options);
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            model.eval();
            var features = model.Encode(torch.rand(3, 1, 16, 16));
            CollectionAssert.AreEqual(new long[] { 3, options.LatentDim }, features.shape, method);
        }
    }
}
