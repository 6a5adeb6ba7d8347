using SimVae.Torch;

namespace SimVae.Losses;

/// <summary>
/// Barlow Twins' loss (Zbontar et al. 2021, eq. 1–2): each embedding dimension is standardised over the batch (mean 0,
/// biased variance 1, as a non-affine batch norm), C = z₁ᵀz₂ / N is the cross-correlation, and the loss is
/// Σ_i (1 − C_ii)² + λ·Σ_{i≠j} C_ij².
/// </summary>
public static class BarlowTwinsLoss
{
    private const double Epsilon = 1e-5;

    /// <summary>Computes the loss (terms <c>invariance</c> = on-diagonal, <c>redundancy</c> = off-diagonal sum before λ).</summary>
    /// <param name="z1">Embeddings of the first views [N, D].</param>
    /// <param name="z2">Embeddings of the second views [N, D].</param>
    /// <param name="lambda">λ ≥ 0.</param>
    public static LossTerms Compute(Tensor z1, Tensor z2, double lambda)
    {
        if (!(lambda >= 0)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "must be non-negative");
        if (z1.Dim != 2 || !z1.Shape.SequenceEqual(z2.Shape))
            throw new ArgumentException($"embeddings must both be [N, D]; got [{string.Join(", ", z1.Shape)}] and [{string.Join(", ", z2.Shape)}]");
        long n = z1.Size(0);
        if (n < 2) throw new ArgumentException("Barlow Twins needs at least 2 samples per batch to standardise");
        using var scope = DisposeScope.Open();
        var c = Standardize(z1).T().MatMul(Standardize(z2)) / n;
        var diagonal = c.Diagonal();
        var invariance = (1 - diagonal).Square().Sum();
        var redundancy = c.Square().Sum() - diagonal.Square().Sum();
        var loss = invariance + redundancy * lambda;
        return LossTerms.FromScope(loss, ("invariance", invariance), ("redundancy", redundancy));
    }

    private static Tensor Standardize(Tensor z)
    {
        using var scope = DisposeScope.Open();
        var centered = z - z.Mean(0, keepDim: true);
        return (centered / (centered.Var([0], unbiased: false, keepDim: true) + Epsilon).Sqrt()).MoveToOuterScope();
    }
}
