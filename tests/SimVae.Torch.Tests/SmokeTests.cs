using SimVae.Torch;

namespace SimVae.Torch.Tests;

[TestClass]
public class SmokeTests
{
    [TestMethod]
    public void AddsTwoTensors()
    {
        using var a = Tensor.FromArray(new float[] { 1, 2, 3 });
        using var b = Tensor.FromArray(new float[] { 10, 20, 30 });
        using var c = a + b;
        CollectionAssert.AreEqual(new float[] { 11, 22, 33 }, c.ToArray<float>());
    }
}
