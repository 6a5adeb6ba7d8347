using static TorchSharp.torch;

namespace SimVae.Losses;

/// <summary>
/// MoCo's InfoNCE (He et al. 2020, eq. 1): for L2-normalised queries q, positive keys k₊ and negatives k₋ from the
/// queue, −log exp(q·k₊/τ) / (exp(q·k₊/τ) + Σ exp(q·k₋/τ)), averaged over the queries — a cross-entropy whose
/// class 0 is the positive. Inputs are normalised here.
/// </summary>
public static class InfoNceLoss
{
    /// <summary>Computes the loss (term <c>positive_similarity</c>: mean cosine of the positive pairs).</summary>
    /// <param name="queries">[N, D].</param>
    /// <param name="keys">[N, D], row i the positive of query i (gradients do not flow into them).</param>
    /// <param name="negatives">[K, D].</param>
    /// <param name="temperature">τ &gt; 0 (0.2 in MoCo v2).</param>
    public static LossTerms Compute(Tensor queries, Tensor keys, Tensor negatives, double temperature)
    {
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be positive");
        if (queries.dim() != 2 || !queries.shape.SequenceEqual(keys.shape) || negatives.dim() != 2 || negatives.size(1) != queries.size(1))
            throw new ArgumentException($"queries and keys must be [N, D] and negatives [K, D]; got {LossTerms.Shape(queries)}, {LossTerms.Shape(keys)}, {LossTerms.Shape(negatives)}");
        using var scope = NewDisposeScope();
        var q = nn.functional.normalize(queries, dim: 1);
        var k = nn.functional.normalize(keys.detach(), dim: 1);
        var kNeg = nn.functional.normalize(negatives.detach(), dim: 1);
        var positive = (q * k).sum(1, keepdim: true);
        var logits = cat([positive, q.matmul(kNeg.t())], 1) / temperature;
        var targets = zeros([q.size(0)], ScalarType.Int64, q.device);
        var loss = nn.functional.cross_entropy(logits, targets);
        return LossTerms.FromScope(loss, ("positive_similarity", positive.mean()));
    }
}
