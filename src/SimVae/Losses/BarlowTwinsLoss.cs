using static TorchSharp.torch;

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
        if (z1.dim() != 2 || !z1.shape.SequenceEqual(z2.shape))
            throw new ArgumentException($"embeddings must both be [N, D]; got {LossTerms.Shape(z1)} and {LossTerms.Shape(z2)}");
        long n = z1.size(0);
        if (n < 2) throw new ArgumentException("Barlow Twins needs at least 2 samples per batch to standardise");
        using var scope = NewDisposeScope();
        var c = Standardize(z1).t().matmul(Standardize(z2)) / n;
        var diagonal = c.diagonal();
        var invariance = (1 - diagonal).square().sum();
        var redundancy = c.square().sum() - diagonal.square().sum();
        var loss = invariance + redundancy * lambda;
        return LossTerms.FromScope(loss, ("invariance", invariance), ("redundancy", redundancy));
    }

    private static Tensor Standardize(Tensor z)
    {
        var centered = z - z.mean([0], keepdim: true);
        return centered / (centered.var([0], unbiased: false, keepdim: true) + Epsilon).sqrt();
    }
}
