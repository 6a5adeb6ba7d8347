using System.Globalization;
using SimVae.Backbones;
using SimVae.Data;
using SimVae.Methods;
using SimVae.Serialization;
using SimVae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Tests.Training;

/// <summary>Resuming refuses what is not the same run or not an intact, complete checkpoint, before the first step.</summary>
[TestClass]
public class CheckpointTests
{
    private static readonly ImageDataset Shapes = SyntheticShapes.Generate(new SyntheticShapesOptions { Count = 64, Size = 8, Seed = 3 });

    private static readonly SimVaeOptions Options = new() { Backbone = BackboneKind.Conv, Height = 8, Width = 8, LatentDim = 3, BatchImages = 16, LearningRate = 1e-3 };

    private static TrainerOptions Run(string checkpoint, int seed = 1234) => new()
    {
        MaxSteps = 3, Device = torch.CPU, LogEvery = 1, CheckpointPath = checkpoint, CheckpointEvery = 1000, Prefetch = 0, Seed = seed,
    };

    /// <summary>Trains 2 steps writing a checkpoint; returns its path.</summary>
    private static string TrainTwoSteps(TempFolder folder)
    {
        var path = folder.File("run.ckpt");
        var trainer = new Trainer(Run(path) with { MaxSteps = 2 });
        using var model = trainer.CreateModel(Options);
        trainer.Train(model, Shapes);
        return path;
    }

    /// <summary>Resumes with the given settings and returns the refusal; the model must not have trained a step.</summary>
    private static InvalidDataException Refused(string path, SslOptions? options = null, ImageDataset? data = null, int seed = 1234)
    {
        var trainer = new Trainer(Run(path, seed));
        int steps = 0;
        trainer.Progress += _ => steps++;
        using var model = trainer.CreateModel(options ?? Options);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => trainer.Train(model, data ?? Shapes, resume: true));
        Assert.AreEqual(0, steps, "refused before the first step");
        StringAssert.Contains(e.Message, path);
        return e;
    }

    /// <summary>Rewrites a checkpoint through <paramref name="edit"/> and records a matching content hash (a deliberate forgery).</summary>
    private static void Forge(string path, Action<Dictionary<string, Tensor>, Dictionary<string, string>> edit)
    {
        Dictionary<string, Tensor> tensors;
        Dictionary<string, string> metadata;
        using (var file = SafeTensors.Load(path))
        {
            metadata = new Dictionary<string, string>(file.Metadata);
            tensors = file.TakeAll();
        }
        edit(tensors, metadata);
        metadata["sha256"] = SafeTensors.ContentHash(tensors, metadata, "sha256");
        SafeTensors.Save(path, tensors, metadata);
        foreach (var t in tensors.Values) t.Dispose();
    }

    [TestMethod]
    public void RefusesOtherOptionsDataOrSeedListingEveryDifference()
    {
        using var folder = new TempFolder();
        var path = TrainTwoSteps(folder);
        var e = Refused(path, Options with { LearningRate = 5e-4, BatchImages = 8 });
        StringAssert.Contains(e.Message, "learningRate is 0.001 in the checkpoint, 0.0005 now");
        StringAssert.Contains(e.Message, "batchImages is 16 in the checkpoint, 8 now");
        var other = Shapes.Subset(Enumerable.Range(0, 48).ToArray(), "fewer");
        StringAssert.Contains(Refused(path, data: other).Message, "data is sha256:");
        StringAssert.Contains(Refused(path, seed: 7).Message, "seed is 1234 in the checkpoint, 7 now");
    }

    [TestMethod]
    public void RefusesAFlippedByte()
    {
        using var folder = new TempFolder();
        var path = TrainTwoSteps(folder);
        var bytes = File.ReadAllBytes(path);
        bytes[^5] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        StringAssert.Contains(Refused(path).Message, "is corrupt or was modified");
    }

    [TestMethod]
    public void RefusesMissingOptimizerStateAndBadPositions()
    {
        using var folder = new TempFolder();
        var path = TrainTwoSteps(folder);
        var good = File.ReadAllBytes(path);
        Forge(path, (tensors, _) =>
        {
            foreach (var key in tensors.Keys.Where(k => k.StartsWith("optim.", StringComparison.Ordinal)).ToList())
            {
                tensors[key].Dispose();
                tensors.Remove(key);
            }
        });
        StringAssert.Contains(Refused(path).Message, "is incomplete: the optimizer state ('optim.step') is missing");

        File.WriteAllBytes(path, good);
        Forge(path, (tensors, _) =>
        {
            tensors.Remove("optim.state.0.exp_avg", out var t);
            t!.Dispose();
        });
        StringAssert.Contains(Refused(path).Message, "optimizer state of parameter 0");

        foreach (var (key, value, expected) in new[] { ("step", "-5", "field 'step' = '-5'"), ("step", "abc", "field 'step' = 'abc'"), ("batch", "99999999999", "field 'batch'"), ("step", "3", "is inconsistent") })
        {
            File.WriteAllBytes(path, good);
            Forge(path, (_, metadata) => metadata[key] = value);
            StringAssert.Contains(Refused(path).Message, expected, $"{key} = {value}");
        }
    }

    [TestMethod]
    public void RefusesAModelStateThatIsMissingAParameter()
    {
        using var folder = new TempFolder();
        var path = TrainTwoSteps(folder);
        Forge(path, (tensors, _) =>
        {
            tensors.Remove("model.encoder.body.0.bias", out var t);
            t!.Dispose();
        });
        StringAssert.Contains(Refused(path).Message, "encoder.body.0.bias");
    }

    [TestMethod]
    public void RefusesAModelStateOfTheWrongShape()
    {
        using var folder = new TempFolder();
        var path = TrainTwoSteps(folder);
        Forge(path, (tensors, _) =>
        {
            tensors["model.encoder.body.0.bias"].Dispose();
            tensors["model.encoder.body.0.bias"] = torch.zeros(3);
        });
        var e = Refused(path);
        StringAssert.Contains(e.Message, "does not fit the model");
        StringAssert.Contains(e.Message, "'model.encoder.body.0.bias' is Float32 [3]");
    }

    [TestMethod]
    public void RemovesTemporariesAKilledWriteLeftAndSaysSo()
    {
        using var folder = new TempFolder();
        var path = folder.File("run.ckpt");
        var stale = folder.File($".run.ckpt.{Guid.NewGuid():N}.tmp");
        var unrelated = folder.File($".other.ckpt.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(stale, new byte[1000]);
        File.WriteAllBytes(unrelated, new byte[10]);
        var trainer = new Trainer(Run(path) with { MaxSteps = 1 });
        var notices = new List<string>();
        trainer.Notice += notices.Add;
        using var model = trainer.CreateModel(Options);
        trainer.Train(model, Shapes);
        Assert.IsFalse(File.Exists(stale), "stale temporary removed");
        Assert.IsTrue(File.Exists(unrelated), "another file's temporary is left alone");
        Assert.AreEqual(1, notices.Count);
        StringAssert.Contains(notices[0], stale);
        Assert.AreEqual(0, Directory.GetFiles(Path.GetDirectoryName(path)!, ".run.ckpt.*").Length, "no temporary left after the run");
    }

    [TestMethod]
    public void ResumesItsOwnCheckpointExactly()
    {
        using var folder = new TempFolder();
        var path = TrainTwoSteps(folder);
        var trainer = new Trainer(Run(path));
        var steps = new List<long>();
        trainer.Progress += p => steps.Add(p.Step);
        using var model = trainer.CreateModel(Options);
        trainer.Train(model, Shapes, resume: true);
        CollectionAssert.AreEqual(new long[] { 3 }, steps);
        using var file = SafeTensors.Load(path);
        Assert.AreEqual("3", file.Metadata["step"]);
        Assert.AreEqual(Checkpoint.FormatVersion.ToString(CultureInfo.InvariantCulture), file.Metadata["version"]);
    }
}
