using SimVae.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Tests.Losses;

/// <summary>The losses of CR-VAE, MoCo, BYOL, Barlow Twins and DINO against values worked out by hand.</summary>
[TestClass]
public class MethodLossTests
{
    [TestMethod]
    public void InfoNceEqualsHandComputedValue()
    {
        using var scope = NewDisposeScope();
        var query = tensor(new float[] { 3, 0 }, [1, 2]);              // normalised to (1, 0)
        var key = tensor(new float[] { 2, 0 }, [1, 2]);                // cos 1 with the query
        var queue = tensor(new float[] { 0, 1, -1, 0 }, [2, 2]);       // cos 0 and −1
        var terms = InfoNceLoss.Compute(query, key, queue, 0.5).Values();
        // logits = (1, 0, −1)/0.5 = (2, 0, −2); class 0 is the positive.
        Assert.AreEqual(Math.Log(Math.Exp(2) + 1 + Math.Exp(-2)) - 2, terms["loss"], 1e-5);
        Assert.AreEqual(1, terms["positive_similarity"], 1e-6);
    }

    [TestMethod]
    public void ByolEqualsHandComputedValue()
    {
        using var scope = NewDisposeScope();
        var p1 = tensor(new float[] { 1, 0 }, [1, 2]);
        var p2 = tensor(new float[] { 0, 1 }, [1, 2]);
        var t1 = tensor(new float[] { 2, 0 }, [1, 2]);   // cos(p2, t1) = 0 → 2
        var t2 = tensor(new float[] { 1, 1 }, [1, 2]);   // cos(p1, t2) = 1/√2 → 2 − √2
        Assert.AreEqual(4 - Math.Sqrt(2), ByolLoss.Compute(p1, p2, t1, t2).Total.ToDouble(), 1e-5);
        Assert.AreEqual(0, ByolLoss.Compute(p1, p1, p1, p1).Total.ToDouble(), 1e-6, "identical directions cost nothing");
    }

    [TestMethod]
    public void BarlowTwinsEqualsHandComputedValue()
    {
        using var scope = NewDisposeScope();
        // Two samples: each column standardises to ±s with s² = 0.25 / (0.25 + 1e-5) (batch-norm ε).
        var z1 = tensor(new float[] { 1, 0, 0, 1 }, [2, 2]);   // columns → (+, −), (−, +)
        var z2 = tensor(new float[] { 1, 1, 0, 0 }, [2, 2]);   // columns → (+, −), (+, −)
        double s2 = 0.25 / (0.25 + 1e-5);
        // C = z1ᵀz2 / 2 = [[s², s²], [−s², −s²]]: diagonal (s², −s²), off-diagonal (s², −s²).
        double invariance = Math.Pow(1 - s2, 2) + Math.Pow(1 + s2, 2), redundancy = 2 * s2 * s2;
        var terms = BarlowTwinsLoss.Compute(z1, z2, 0.5).Values();
        Assert.AreEqual(invariance, terms["invariance"], 1e-5);
        Assert.AreEqual(redundancy, terms["redundancy"], 1e-5);
        Assert.AreEqual(invariance + 0.5 * redundancy, terms["loss"], 1e-5);
    }

    [TestMethod]
    public void DinoEqualsHandComputedValueAndMovesTheCentre()
    {
        using var scope = NewDisposeScope();
        double ln3 = Math.Log(3);
        // One image, two global crops, K = 2, τ_s = τ_t = 0.5, centre (0, ln 3).
        var teacher = tensor(new[] { 0f, (float)(2 * ln3), 0f, (float)ln3 }, [2, 2]);
        var student = tensor(new[] { 0f, 0f, (float)(ln3 / 2), 0f }, [2, 2]);
        var center = tensor(new[] { 0f, (float)ln3 }, [1, 2]);
        // Teacher targets: softmax((t − c)/0.5) = softmax(0, 2 ln 3) = (1/10, 9/10) and softmax(0, 0) = (1/2, 1/2).
        // Student: log softmax(s/0.5) = (ln ½, ln ½) for crop 0 and (ln ¾, ln ¼) for crop 1.
        double globalOnCrop1 = -(0.1 * Math.Log(0.75) + 0.9 * Math.Log(0.25));
        double globalOnCrop0 = Math.Log(2);
        double loss = DinoLoss.Compute(student, teacher, center, 2, 0.5, 0.5).Total.ToDouble();
        Assert.AreEqual((globalOnCrop1 + globalOnCrop0) / 2, loss, 1e-5);

        DinoLoss.UpdateCenter(center, teacher, 0.9);   // 0.9·(0, ln 3) + 0.1·(0, 1.5 ln 3)
        CollectionAssert.AreEqual(new[] { 0f, (float)(1.05 * ln3) }, center.data<float>().ToArray(), new ToleranceComparer(1e-5));
    }

    [TestMethod]
    public void DinoPairsEveryGlobalCropWithEveryOtherCrop()
    {
        using var scope = NewDisposeScope();
        // Uniform teacher targets: each pair costs the student's cross-entropy to uniform, log K for a uniform student.
        var teacher = zeros(2, 4);
        var student = zeros(4, 4);   // 4 crops of one image: 2 global + 2 local → 2·4 − 2 = 6 pairs
        Assert.AreEqual(Math.Log(4), DinoLoss.Compute(student, teacher, zeros(1, 4), 4, 0.1, 0.04).Total.ToDouble(), 1e-5);
    }

    [TestMethod]
    public void CrVaeIsTwoElbosPlusTheConsistencyKl()
    {
        using var scope = NewDisposeScope();
        // KL(N(1, 1) ‖ N(0, 2)) = ½(ln 2 − 0 + (1 + 1)/2 − 1) = ½ ln 2.
        var kl = CrVaeLoss.GaussianKl(tensor(new float[] { 1 }, [1, 1]), zeros(1, 1),
            zeros(1, 1), tensor(new[] { (float)Math.Log(2) }, [1, 1]));
        Assert.AreEqual(0.5 * Math.Log(2), kl.ToDouble(), 1e-6);

        // Rows 0 (x) and 1 (t(x)) of one image, 3 pixels, d = 1: the ELBO terms are the VAE's of each row.
        var x = tensor(new float[] { 0, 1, 0.5f, 1, 0, 0.5f }, [2, 3]);
        var decoded = tensor(new float[] { -1, 2, 0, 1, -2, 0 }, [2, 3]);
        var z = tensor(new float[] { 0.5f, -0.5f }, [2, 1]);
        var mean = tensor(new float[] { 0, 1 }, [2, 1]);
        var logVar = tensor(new[] { (float)Math.Log(2), 0f }, [2, 1]);
        var options = new SimVaeLossOptions();
        var terms = CrVaeLoss.Compute(x, decoded, z, mean, logVar, 1, options, 3).Values();
        double elbo = SimVaeLoss.Compute(x.narrow(0, 0, 1).unsqueeze(1), decoded.narrow(0, 0, 1).unsqueeze(1), z.narrow(0, 0, 1).unsqueeze(1), logVar.narrow(0, 0, 1).unsqueeze(1), options).Total.ToDouble()
                      + SimVaeLoss.Compute(x.narrow(0, 1, 1).unsqueeze(1), decoded.narrow(0, 1, 1).unsqueeze(1), z.narrow(0, 1, 1).unsqueeze(1), logVar.narrow(0, 1, 1).unsqueeze(1), options).Total.ToDouble();
        Assert.AreEqual(0.5 * Math.Log(2), terms["consistency"], 1e-5, "KL(q(z|t(x)) ‖ q(z|x)) with t(x) = row 1");
        Assert.AreEqual(elbo + 3 * 0.5 * Math.Log(2), terms["loss"], 1e-3);
    }

    [TestMethod]
    public void RejectBadArguments()
    {
        using var scope = NewDisposeScope();
        var a = zeros(4, 3);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => InfoNceLoss.Compute(a, a, a, 0));
        Assert.ThrowsExactly<ArgumentException>(() => InfoNceLoss.Compute(a, a, zeros(4, 2), 0.2));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => BarlowTwinsLoss.Compute(a, a, -1));
        Assert.ThrowsExactly<ArgumentException>(() => ByolLoss.Compute(a, a, a, zeros(4, 2)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DinoLoss.Compute(a, a, zeros(1, 3), 2, 0.1, 0));
        Assert.ThrowsExactly<ArgumentException>(() => DinoLoss.Compute(a, zeros(4, 3), zeros(1, 3), 4, 0.1, 0.04));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DinoLoss.UpdateCenter(zeros(1, 3), a, 1.5));
    }
}
