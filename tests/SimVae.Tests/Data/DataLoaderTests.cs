using SimVae.Augmentations;
using SimVae.Data;
using TorchSharp;

namespace SimVae.Tests.Data;

[TestClass]
public class DataLoaderTests
{
    private static readonly ImageDataset Data = SyntheticShapes.Generate(new SyntheticShapesOptions { Count = 103, Seed = 5 });

    private static DataLoaderOptions Options(int prefetch = 1, bool dropLast = false) => new()
    {
        BatchSize = 10,
        Seed = 11,
        DropLast = dropLast,
        Prefetch = prefetch,
        Transform = AugmentationPresets.MultiView(AugmentationPresets.SimVaeFashionMnist(), 2),
        RecordParameters = true,
    };

    [TestMethod]
    public void EachEpochVisitsEveryImageOnceInASeededOrder()
    {
        using var loader = new DataLoader(Data, Options());
        Assert.AreEqual(11, loader.BatchesPerEpoch);
        var seen = new List<int>();
        int batches = 0;
        foreach (var batch in loader.Epoch(0))
            using (batch)
            {
                batches++;
                seen.AddRange(batch.Indices);
                Assert.AreEqual(2, batch.Views);
                CollectionAssert.AreEqual(new long[] { 2L * batch.Count, 1, 28, 28 }, batch.Images.shape);
                Assert.AreEqual(2 * batch.Count, batch.Parameters!.Count);
                CollectionAssert.AreEqual(batch.Indices.Select(i => Data.Label(i)).ToArray(), batch.Labels);
            }
        Assert.AreEqual(11, batches);
        Assert.AreEqual(3, seen.Count - 100, "the last batch holds the 3 left over");
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 103).ToArray(), seen);
        CollectionAssert.AreNotEqual(Enumerable.Range(0, 103).ToArray(), seen, "shuffled");
        CollectionAssert.AreEqual(loader.EpochOrder(0), seen.ToArray());
        CollectionAssert.AreNotEqual(loader.EpochOrder(0), loader.EpochOrder(1));
        using var again = new DataLoader(Data, Options());
        CollectionAssert.AreEqual(loader.EpochOrder(3), again.EpochOrder(3));
        Assert.AreEqual(new LoaderPosition(1, 0), loader.Position);
    }

    [TestMethod]
    public void DropLastDropsTheIncompleteBatch()
    {
        using var loader = new DataLoader(Data, Options(dropLast: true));
        Assert.AreEqual(10, loader.BatchesPerEpoch);
        var sizes = new List<int>();
        foreach (var batch in loader.Batches(new LoaderPosition(0, 0), epochs: 2)) using (batch) sizes.Add(batch.Count);
        Assert.AreEqual(20, sizes.Count);
        Assert.IsTrue(sizes.All(s => s == 10));
    }

    [TestMethod]
    public void ResumingAtABatchGivesTheSameBatchesAsAnUninterruptedRun()
    {
        var full = Collect(new DataLoader(Data, Options()), new LoaderPosition(0, 0), 2);
        var resumed = Collect(new DataLoader(Data, Options()), new LoaderPosition(0, 7), 2);
        var synchronous = Collect(new DataLoader(Data, Options(prefetch: 0)), new LoaderPosition(1, 0), 1);
        Assert.AreEqual(22, full.Count);
        Assert.AreEqual(22 - 7, resumed.Count);
        for (int k = 0; k < resumed.Count; k++)
        {
            var (a, b) = (full[k + 7], resumed[k]);
            Assert.AreEqual(a.Position, b.Position);
            CollectionAssert.AreEqual(a.Indices, b.Indices);
            CollectionAssert.AreEqual(a.Pixels, b.Pixels, $"views of batch {a.Position}");
            CollectionAssert.AreEqual(a.Scales, b.Scales);
        }
        for (int k = 0; k < synchronous.Count; k++) CollectionAssert.AreEqual(full[11 + k].Pixels, synchronous[k].Pixels, "prefetch does not change the batches");
        Assert.AreEqual(new LoaderPosition(2, 0), full[^1].Next);
    }

    private sealed record Seen(LoaderPosition Position, LoaderPosition Next, int[] Indices, float[] Pixels, float[] Scales);

    private static List<Seen> Collect(DataLoader loader, LoaderPosition start, int epochs)
    {
        using (loader)
        {
            var result = new List<Seen>();
            foreach (var batch in loader.Batches(start, epochs))
                using (batch)
                    result.Add(new Seen(batch.Position, batch.Next, batch.Indices, batch.Images.data<float>().ToArray(), batch.Parameters!["crop_scale"]));
            return result;
        }
    }

    [TestMethod]
    public void LeavingEarlyOrDisposingStopsTheWorkerAndFreesItsBatches()
    {
        long before = torch.Tensor.TotalCount;
        using (var loader = new DataLoader(Data, Options() with { Prefetch = 2 }))
        {
            foreach (var batch in loader.Epoch(0))
            {
                batch.Dispose();
                if (batch.Position.Batch == 2) break;
            }
            Assert.AreEqual(new LoaderPosition(0, 3), loader.Position);
            Assert.AreEqual(before, torch.Tensor.TotalCount, "batches prepared ahead are freed when the loop ends");

            using var enumerator = loader.Epoch(1).GetEnumerator();
            Assert.IsTrue(enumerator.MoveNext());
            enumerator.Current.Dispose();
            Thread.Sleep(200); // let the worker fill its queue
            loader.Dispose();
            Assert.ThrowsExactly<ObjectDisposedException>(() => loader.Epoch(2).GetEnumerator().MoveNext());
        }
        Assert.AreEqual(before, torch.Tensor.TotalCount, "disposing the loader frees what its worker prepared");
    }

    [TestMethod]
    public void WithoutTransformDeliversThePixels()
    {
        using var loader = new DataLoader(Data, new DataLoaderOptions { BatchSize = 4, Shuffle = false });
        using var first = loader.Epoch(0).First();
        using var expected = Data.ToTensor([0, 1, 2, 3]);
        CollectionAssert.AreEqual(expected.data<float>().ToArray(), first.Images.data<float>().ToArray());
        Assert.AreEqual(1, first.Views);
    }
}
