using SimVae.Torch.Tests.TestSupport;

namespace SimVae.Torch.Tests.Ops;

[TestClass]
public class LossTests
{
    [TestMethod]
    public void CrossEntropy_ReductionsAndLabelSmoothing()
    {
        using var scope = DisposeScope.Open();
        var logits = T.D([1, 2, 3, 1, 1, 1], 2, 3);
        var target = T.L([2, 0]);
        // row 0: logsumexp - 3 = log(e + e^2 + e^3) - 3; row 1: log 3
        double l0 = Math.Log(Math.E + Math.Exp(2) + Math.Exp(3)) - 3, l1 = Math.Log(3);
        TensorAssert.Close(Functional.CrossEntropy(logits, target, Reduction.None), [l0, l1], [2], 1e-14);
        TensorAssert.Close(Functional.CrossEntropy(logits, target), [(l0 + l1) / 2], [], 1e-14);
        TensorAssert.Close(Functional.CrossEntropy(logits, target, Reduction.Sum), [l0 + l1], [], 1e-14);
        // label smoothing eps: (1 - eps) * nll + eps * mean over classes of -log p
        const double eps = 0.1;
        double lse0 = l0 + 3, u0 = lse0 - 2, u1 = l1; // mean of (lse - logit_c) over c: lse0 - (1+2+3)/3, and log 3
        double s0 = (1 - eps) * l0 + eps * u0, s1 = (1 - eps) * l1 + eps * u1;
        TensorAssert.Close(Functional.CrossEntropy(logits, target, labelSmoothing: eps), [(s0 + s1) / 2], [], 1e-14);
        // ignore_index -100 drops the row from the mean
        TensorAssert.Close(Functional.CrossEntropy(logits, T.L([2, -100])), [l0], [], 1e-14);
    }

    [TestMethod]
    public void BinaryCrossEntropy_FromProbabilitiesAndLogits()
    {
        using var scope = DisposeScope.Open();
        var p = T.D([0.9, 0.2, 0.5]);
        var y = T.D([1, 0, 1]);
        // -[y log p + (1-y) log(1-p)]: -log 0.9, -log 0.8, -log 0.5
        double[] e = [-Math.Log(0.9), -Math.Log(0.8), Math.Log(2)];
        TensorAssert.Close(Functional.BinaryCrossEntropy(p, y, Reduction.None), e, [3], 1e-14);
        TensorAssert.Close(Functional.BinaryCrossEntropy(p, y), [e.Average()], [], 1e-14);
        TensorAssert.Close(Functional.BinaryCrossEntropy(p, y, Reduction.Sum), [e.Sum()], [], 1e-14);
        // soft targets: y = 0.25 at p = 0.5 -> log 2
        TensorAssert.Close(Functional.BinaryCrossEntropy(T.D([0.5]), T.D([0.25])), [Math.Log(2)], [], 1e-14);

        var z = T.D([0, 2, -1]);
        // softplus(z) - y z: log 2; log(1 + e^2) - 0 ... with y = [1, 0, 1]
        double[] ez = [Math.Log(2), Math.Log(1 + Math.Exp(2)), Math.Log(1 + Math.Exp(-1)) + 1];
        TensorAssert.Close(Functional.BinaryCrossEntropyWithLogits(z, y, Reduction.None), ez, [3], 1e-14);
        TensorAssert.Close(Functional.BinaryCrossEntropyWithLogits(z, y), [ez.Average()], [], 1e-14);
        TensorAssert.Close(Functional.BinaryCrossEntropyWithLogits(z, y, Reduction.Sum), [ez.Sum()], [], 1e-14);
        // stable for large logits: z = 1000 with y = 0 -> 1000
        TensorAssert.Close(Functional.BinaryCrossEntropyWithLogits(T.D([1000]), T.D([0])), [1000], [], 1e-14);
    }

    [TestMethod]
    public void MseLoss_Reductions()
    {
        using var scope = DisposeScope.Open();
        var a = T.F([1, 2, 3, 4], 2, 2);
        var b = T.F([1, 0, 5, 1], 2, 2);
        // squared errors 0, 4, 4, 9
        TensorAssert.Exact(Functional.MseLoss(a, b, Reduction.None), new float[] { 0, 4, 4, 9 }, [2, 2]);
        TensorAssert.Exact(Functional.MseLoss(a, b), new float[] { 4.25f }, []);
        TensorAssert.Exact(Functional.MseLoss(a, b, Reduction.Sum), new float[] { 17 }, []);
    }

    [TestMethod]
    public void Cdist_EuclideanAndManhattan()
    {
        using var scope = DisposeScope.Open();
        var a = T.D([0, 0, 1, 1], 2, 2);
        var b = T.D([3, 4, 1, 0, 0, 0], 3, 2);
        // |(0,0)-(3,4)| = 5, |(0,0)-(1,0)| = 1, 0; |(1,1)-(3,4)| = sqrt(13), 1, sqrt 2
        TensorAssert.Close(Functional.Cdist(a, b), [5, 1, 0, Math.Sqrt(13), 1, Math.Sqrt(2)], [2, 3], 1e-12);
        TensorAssert.Close(Functional.Cdist(a, b, 1), [7, 1, 0, 5, 1, 2], [2, 3], 1e-12);
        // batched (B, N, D)
        TensorAssert.ShapeIs(Functional.Cdist(a.Unsqueeze(0).Expand(4, 2, 2), b.Unsqueeze(0).Expand(4, 3, 2)), 4, 2, 3);
    }

    [TestMethod]
    public void Normalize_DividesByTheNormClampedAtEps()
    {
        using var scope = DisposeScope.Open();
        var x = T.D([3, 4, 0, 0, 1, -1], 3, 2);
        TensorAssert.Close(Functional.Normalize(x), [0.6, 0.8, 0, 0, 1 / Math.Sqrt(2), -1 / Math.Sqrt(2)], [3, 2], 1e-14);
        TensorAssert.Close(Functional.Normalize(x, p: 1), [3.0 / 7, 4.0 / 7, 0, 0, 0.5, -0.5], [3, 2], 1e-14);
        // along dim 0: column norms sqrt(9+0+1) and sqrt(16+0+1)
        TensorAssert.Close(Functional.Normalize(x, dim: 0), [3 / Math.Sqrt(10), 4 / Math.Sqrt(17), 0, 0, 1 / Math.Sqrt(10), -1 / Math.Sqrt(17)], [3, 2], 1e-14);
        // a tiny vector is divided by eps, not by its norm
        TensorAssert.Close(Functional.Normalize(T.D([1e-13, 0], 1, 2), eps: 1e-12), [0.1, 0], [1, 2], 1e-14);
    }
}
