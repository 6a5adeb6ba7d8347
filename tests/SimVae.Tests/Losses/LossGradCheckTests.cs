using SimVae.Losses;
using static TorchSharp.torch;
using static SimVae.Tests.Losses.GradCheck;

namespace SimVae.Tests.Losses;

/// <summary>
/// Autograd through this library's losses against central finite differences in float64 (relative tolerance 1e-6),
/// with respect to every input that is meant to carry a gradient (teachers, targets, keys and queues are detached on
/// purpose). Inputs are seeded and kept away from kinks (VICReg's hinge).
/// </summary>
[TestClass]
public class LossGradCheckTests
{
    [TestMethod]
    public void Checker_DetectsAWrongGradient()
    {
        using var scope = NewDisposeScope();
        var x = Uniform(1, 0.5, 1, 3);
        // x.detach()·x has derivative 2x but autograd sees x: the checker must fail, and pass the true x².
        Assert.ThrowsExactly<AssertFailedException>(() => Check(v => v[0].detach() * v[0], [x]));
        Check(v => v[0] * v[0], [x]);
    }

    [TestMethod]
    public void NtXent() => Check(v => NtXentLoss.Compute(v[0], v[1], 0.5).Total, [Uniform(2, -1, 1, 3, 4), Uniform(3, -1, 1, 3, 4)]);

    [TestMethod]
    public void VicReg() =>
        // Columns spread over [−1, 1] and [−3, 3]: standard deviations away from γ = 1 (the hinge's kink).
        Check(v => VicRegLoss.Compute(v[0], v[1]).Total, [Uniform(4, -0.6, 0.6, 5, 3), Uniform(5, -3, 3, 5, 3)]);

    [TestMethod]
    public void BarlowTwins() => Check(v => BarlowTwinsLoss.Compute(v[0], v[1], 0.3).Total, [Uniform(6, -1, 1, 4, 3), Uniform(7, -1, 1, 4, 3)]);

    [TestMethod]
    public void Byol()
    {
        using var scope = NewDisposeScope();
        var (t1, t2) = (Uniform(10, -1, 1, 3, 4), Uniform(11, -1, 1, 3, 4));
        Check(v => ByolLoss.Compute(v[0], v[1], t1, t2).Total, [Uniform(8, -1, 1, 3, 4), Uniform(9, -1, 1, 3, 4)]);
    }

    [TestMethod]
    public void InfoNce()
    {
        using var scope = NewDisposeScope();
        var (keys, queue) = (Uniform(13, -1, 1, 3, 4), Uniform(14, -1, 1, 5, 4));
        Check(v => InfoNceLoss.Compute(v[0], keys, queue, 0.2).Total, [Uniform(12, -1, 1, 3, 4)]);
    }

    [TestMethod]
    public void Dino()
    {
        using var scope = NewDisposeScope();
        // 2 images, 2 global + 1 local crop, K = 5.
        var (teacher, centre) = (Uniform(16, -1, 1, 4, 5), Uniform(17, -0.2, 0.2, 1, 5));
        Check(v => DinoLoss.Compute(v[0], teacher, centre, 3, 0.1, 0.04).Total, [Uniform(15, -1, 1, 6, 5)]);
    }

    [TestMethod]
    public void SimVaeBernoulliGaussianPrior()
    {
        using var scope = NewDisposeScope();
        var x = Uniform(18, 0, 1, 2, 3, 4);   // 2 images × J = 3 views × 4 pixels
        var options = new SimVaeLossOptions { LogVarX = 0 };
        Check(v => SimVaeLoss.Compute(x, v[0], v[1], v[2], options).Total, [Uniform(19, -2, 2, 2, 3, 4), Uniform(20, -1, 1, 2, 3, 2), Uniform(21, -1, 0.5, 2, 3, 2)]);
    }

    [TestMethod]
    public void SimVaeGaussianLikelihoodUniformPriorBeta()
    {
        using var scope = NewDisposeScope();
        var x = Uniform(22, 0, 1, 2, 2, 4);
        var options = new SimVaeLossOptions { LogVarX = -1, Likelihood = Likelihood.Gaussian, Prior = ContentPrior.Uniform, Beta = 3, EntropyWeight = 2 * Math.PI };
        Check(v => SimVaeLoss.Compute(x, v[0], v[1], v[2], options).Total, [Uniform(23, -1, 2, 2, 2, 4), Uniform(24, -1, 1, 2, 2, 3), Uniform(25, -1, 0.5, 2, 2, 3)]);
    }

    [TestMethod]
    public void CrVae()
    {
        using var scope = NewDisposeScope();
        var x = Uniform(26, 0, 1, 4, 3);   // 2 images: rows 0–1 x, rows 2–3 t(x)
        var options = new SimVaeLossOptions { LogVarX = 0 };
        Check(v => CrVaeLoss.Compute(x, v[0], v[1], v[2], v[3], 2, options, 0.7).Total,
            [Uniform(27, -2, 2, 4, 3), Uniform(28, -1, 1, 4, 2), Uniform(29, -1, 1, 4, 2), Uniform(30, -1, 0.5, 4, 2)]);
    }
}
