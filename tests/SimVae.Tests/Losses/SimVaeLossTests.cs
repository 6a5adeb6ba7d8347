using SimVae.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Tests.Losses;

[TestClass]
public class SimVaeLossTests
{
    // One group of J = 2 views, 2 pixels, latent d = 1.
    private static Tensor X() => tensor(new float[] { 1, 0, 0, 1 }, [1, 2, 2]);
    private static Tensor Logits() => tensor(new float[] { 0, 0, 1, -1 }, [1, 2, 2]);
    private static Tensor Z() => tensor(new float[] { 0.5f, -0.5f }, [1, 2, 1]);
    private static Tensor LogVar() => tensor(new float[] { 0, -1 }, [1, 2, 1]);

    // BCE-with-logits per pixel: max(s,0) − s·x + log(1 + e^−|s|).
    private static readonly double Bce = 2 * Math.Log(2) + 2 * (1 + Math.Log(1 + Math.Exp(-1)));

    [TestMethod]
    public void BernoulliTermsEqualHandComputedValues()
    {
        using var scope = NewDisposeScope();
        var terms = SimVaeLoss.Compute(X(), Logits(), Z(), LogVar(), new SimVaeLossOptions()).Values();
        double recon = Bce * Math.Exp(4.6);
        double entropy = 0.5 * ((Math.Log(2 * Math.PI) + 1) * 2 + (0 + -1));
        double prior = -0.5 * (0.25 + 0.25) / 0.15 - 0.5 * 0.0; // ȳ = 0
        Assert.AreEqual(recon, terms["recon"], 1e-3);
        Assert.AreEqual(entropy, terms["entropy"], 1e-5);
        Assert.AreEqual(prior, terms["prior"], 1e-5);
        Assert.AreEqual(recon - entropy - prior, terms["loss"], 1e-3);
    }

    [TestMethod]
    public void GaussianLikelihoodUniformPriorAuthorsEntropyAndBeta()
    {
        using var scope = NewDisposeScope();
        var options = new SimVaeLossOptions
        {
            Likelihood = Likelihood.Gaussian, Prior = ContentPrior.Uniform, LogVarX = 0,
            EntropyWeight = 2 * Math.PI, Beta = 2, VarZGivenY = 0.5,
        };
        var z = tensor(new float[] { 1, 3 }, [1, 2, 1]); // ȳ = 2, spread 1 + 1
        var terms = SimVaeLoss.Compute(X(), Logits(), z, LogVar(), options).Values();
        double recon = 0.5 * (1 + 0 + 1 + 4); // ½ Σ (x − μ)²
        double entropy = 0.5 * ((Math.Log(2 * Math.PI) + 1) * 2 + 2 * Math.PI * -1);
        double prior = -0.5 * 2 / 0.5; // flat p(y) adds nothing
        Assert.AreEqual(recon, terms["recon"], 1e-5);
        Assert.AreEqual(entropy, terms["entropy"], 1e-5);
        Assert.AreEqual(prior, terms["prior"], 1e-5);
        Assert.AreEqual(recon - 2 * (entropy + prior), terms["loss"], 1e-4);
    }

    [TestMethod]
    public void SingleViewIsTheVaeWithStandardNormalPrior()
    {
        using var scope = NewDisposeScope();
        var z = tensor(new float[] { 0.5f, -2f }, [2, 1, 1]);
        var prior = SimVaeLoss.LogPrior(z, new SimVaeLossOptions()).ToDouble();
        Assert.AreEqual(-0.5 * (0.25 + 4), prior, 1e-6);
    }

    [TestMethod]
    public void GradientFlowsToEncoderOutputs()
    {
        using var scope = NewDisposeScope();
        var z = Z().requires_grad_();
        var logVar = LogVar().requires_grad_();
        var loss = SimVaeLoss.Compute(X(), Logits(), z, logVar, new SimVaeLossOptions());
        loss.Total.backward();
        // d(−prior)/dz_j = (z_j − ȳ)/σ² (ȳ's own gradient cancels since Σ_j (z_j − ȳ) = 0; ȳ = 0 here).
        CollectionAssert.AreEqual(new[] { 0.5f / 0.15f, -0.5f / 0.15f }, z.grad!.data<float>().ToArray(), new ToleranceComparer(1e-4));
        // d(−entropy)/dlogσ² = −½.
        CollectionAssert.AreEqual(new[] { -0.5f, -0.5f }, logVar.grad!.data<float>().ToArray(), new ToleranceComparer(1e-6));
    }

    [TestMethod]
    public void RejectsBadShapesAndOptions()
    {
        using var scope = NewDisposeScope();
        var flat = zeros(2, 2);
        Assert.ThrowsExactly<ArgumentException>(() => SimVaeLoss.Compute(flat, Logits(), Z(), LogVar(), new SimVaeLossOptions()));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SimVaeLossOptions { VarZGivenY = 0 }.Validate());
    }
}
