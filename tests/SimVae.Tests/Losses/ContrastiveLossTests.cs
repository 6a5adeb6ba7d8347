using SimVae.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Tests.Losses;

[TestClass]
public class ContrastiveLossTests
{
    [TestMethod]
    public void NtXentEqualsHandComputedValue()
    {
        using var scope = NewDisposeScope();
        var v = tensor(new float[] { 1, 0, 0, 1 }, [2, 2]);
        var w = tensor(new float[] { 2, 0, 0, 3 }, [2, 2]); // same directions: normalisation removes the scale
        double loss = NtXentLoss.Compute(v, w, 0.5).Total.ToDouble();
        // Each anchor: similarities/τ = 2 (positive), 0, 0 (negatives) → −log(e² / (e² + 2)).
        Assert.AreEqual(Math.Log(Math.Exp(2) + 2) - 2, loss, 1e-5);
    }

    [TestMethod]
    public void NtXentPrefersAlignedViews()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 0, 0, 1 }, [2, 2]);
        var swapped = tensor(new float[] { 0, 1, 1, 0 }, [2, 2]);
        Assert.IsTrue(NtXentLoss.Compute(a, a).Total.ToDouble() < NtXentLoss.Compute(a, swapped).Total.ToDouble());
    }

    [TestMethod]
    public void VicRegEqualsHandComputedValue()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 0, 0, 2, 2 }, [2, 2]);
        var b = tensor(new float[] { 0, 1, 1, 0 }, [2, 2]);
        var terms = VicRegLoss.Compute(a, b).Values();
        double invariance = (0 + 1 + 1 + 4) / 4.0;
        double variance = (0 + (1 - Math.Sqrt(0.5 + 1e-4))) / 2; // a's std √2 > γ; b's std √0.5
        double covariance = 8 / 2.0 + 0.5 / 2.0;                 // off-diagonal²/d: a 2·2², b 2·0.5²
        Assert.AreEqual(invariance, terms["invariance"], 1e-6);
        Assert.AreEqual(variance, terms["variance"], 1e-6);
        Assert.AreEqual(covariance, terms["covariance"], 1e-5);
        Assert.AreEqual(25 * invariance + 25 * variance + covariance, terms["loss"], 1e-4);
    }

    [TestMethod]
    public void RejectMismatchedViews()
    {
        using var scope = NewDisposeScope();
        var a = zeros(4, 3);
        var b = zeros(4, 2);
        Assert.ThrowsExactly<ArgumentException>(() => NtXentLoss.Compute(a, b));
        Assert.ThrowsExactly<ArgumentException>(() => VicRegLoss.Compute(a, b));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => NtXentLoss.Compute(a, a, 0));
    }
}
