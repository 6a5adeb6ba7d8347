using SimVae.Torch;

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
        if (queries.Dim != 2 || !queries.Shape.SequenceEqual(keys.Shape) || negatives.Dim != 2 || negatives.Size(1) != queries.Size(1))
            throw new ArgumentException($"queries and keys must be [N, D] and negatives [K, D]; got [{string.Join(", ", queries.Shape)}], [{string.Join(", ", keys.Shape)}], [{string.Join(", ", negatives.Shape)}]");
        using var scope = DisposeScope.Open();
        var q = Functional.Normalize(queries, dim: 1);
        var k = Functional.Normalize(keys.Detach(), dim: 1);
        var kNeg = Functional.Normalize(negatives.Detach(), dim: 1);
        var positive = (q * k).Sum(1, keepDim: true);
        var logits = Tensor.Cat([positive, q.MatMul(kNeg.T())], 1).Div(temperature);
        var targets = Tensor.Zeros([q.Size(0)], ScalarType.Int64, q.Device);
        var loss = Functional.CrossEntropy(logits, targets);
        return LossTerms.FromScope(loss, ("positive_similarity", positive.Mean()));
    }
}
