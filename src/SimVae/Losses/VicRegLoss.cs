using static TorchSharp.torch;

namespace SimVae.Losses;

/// <summary>Coefficients of VICReg (Bardes, Ponce, LeCun 2022, eq. 6); defaults are the paper's.</summary>
public sealed record VicRegLossOptions
{
    /// <summary>λ, weight of the invariance (MSE) term.</summary>
    public double InvarianceWeight { get; init; } = 25;
    /// <summary>μ, weight of the variance (hinge on standard deviation) term.</summary>
    public double VarianceWeight { get; init; } = 25;
    /// <summary>ν, weight of the covariance (off-diagonal) term.</summary>
    public double CovarianceWeight { get; init; } = 1;
    /// <summary>γ, the target standard deviation of each dimension.</summary>
    public double Gamma { get; init; } = 1;
    /// <summary>ε inside the square root of the variance.</summary>
    public double Epsilon { get; init; } = 1e-4;
}

/// <summary>
/// VICReg: <c>λ·inv + μ·var + ν·cov</c> with inv = mean squared error between the branches, var = mean over
/// dimensions of ReLU(γ − sqrt(Var(z_d) + ε)) averaged over the two branches, and cov = sum of squared
/// off-diagonal covariance entries / d, summed over the branches (as in the authors' code).
/// </summary>
public static class VicRegLoss
{
    /// <summary>Computes the loss for two batches of embeddings [N, D] whose rows correspond.</summary>
    public static LossTerms Compute(Tensor a, Tensor b, VicRegLossOptions? options = null)
    {
        var o = options ?? new VicRegLossOptions();
        if (a.dim() != 2 || !a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"embeddings must both be [N, D]; got {LossTerms.Shape(a)} and {LossTerms.Shape(b)}");
        if (a.size(0) < 2) throw new ArgumentException("VICReg needs at least 2 samples per batch to estimate variances");
        using var scope = NewDisposeScope();
        var invariance = nn.functional.mse_loss(a, b);
        var variance = (Variance(a, o) + Variance(b, o)) * 0.5;
        var covariance = Covariance(a) + Covariance(b);
        var total = invariance * o.InvarianceWeight + variance * o.VarianceWeight + covariance * o.CovarianceWeight;
        return LossTerms.FromScope(total, ("invariance", invariance), ("variance", variance), ("covariance", covariance));
    }

    private static Tensor Variance(Tensor z, VicRegLossOptions o)
    {
        var std = (z.var([0]) + o.Epsilon).sqrt();
        return nn.functional.relu(o.Gamma - std).mean();
    }

    private static Tensor Covariance(Tensor z)
    {
        long n = z.size(0), d = z.size(1);
        var centered = z - z.mean([0], keepdim: true);
        var cov = centered.t().matmul(centered) / (n - 1);
        // Σ off-diagonal² = Σ all² − Σ diagonal².
        return (cov.square().sum() - cov.diagonal().square().sum()) / d;
    }
}
