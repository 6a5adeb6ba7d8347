using SimVae.Evaluation;
using TorchSharp;

namespace SimVae.Tests.Training;

[TestClass]
public class KnnProbeTests
{
    [TestMethod]
    public void ClassifiesByMajorityOfNearestNeighbours()
    {
        using var scope = torch.NewDisposeScope();
        // Class 0 near the origin, class 1 near (10, 10); one mislabelled point near the origin.
        var train = torch.tensor(new float[] { 0, 0, 1, 0, 0, 1, 10, 10, 11, 10, 0.5f, 0.5f }, 6, 2);
        int[] labels = [0, 0, 0, 1, 1, 1];
        var test = torch.tensor(new float[] { 0.4f, 0.4f, 10, 11 }, 2, 2);
        CollectionAssert.AreEqual(new[] { 1, 1 }, KnnProbe.Predict(train, labels, test, k: 1, classes: 2)); // nearest is the odd one
        CollectionAssert.AreEqual(new[] { 0, 1 }, KnnProbe.Predict(train, labels, test, k: 3, classes: 2));
        Assert.AreEqual(0.5, KnnProbe.Accuracy([0, 0], [0, 1]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => KnnProbe.Predict(train, labels, test, k: 0, classes: 2));
    }
}
