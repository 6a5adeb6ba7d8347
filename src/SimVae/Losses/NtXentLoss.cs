using static TorchSharp.torch;

namespace SimVae.Losses;

/// <summary>
/// NT-Xent, the normalised-temperature cross-entropy of SimCLR (Chen et al. 2020, eq. 1): the 2N projected
/// views are L2-normalised; each view's positive is the other view of its image, scored by cosine similarity / τ
/// against the other 2N − 2 views (the view itself is excluded). The loss is the mean over all 2N anchors.
/// </summary>
public static class NtXentLoss
{
    /// <summary>Computes the loss for two batches of projections [N, D] whose rows correspond.</summary>
    /// <param name="view1">Projections of the first views.</param>
    /// <param name="view2">Projections of the second views.</param>
    /// <param name="temperature">τ &gt; 0 (0.5 is SimCLR's small-batch CIFAR setting).</param>
    public static LossTerms Compute(Tensor view1, Tensor view2, double temperature = 0.5)
    {
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be positive");
        if (view1.dim() != 2 || !view1.shape.SequenceEqual(view2.shape))
            throw new ArgumentException($"views must both be [N, D]; got {LossTerms.Shape(view1)} and {LossTerms.Shape(view2)}");
        long n = view1.size(0);
        if (n < 2) throw new ArgumentException("NT-Xent needs at least 2 images per batch (negatives come from the batch)");
        using var scope = NewDisposeScope();
        var z = nn.functional.normalize(cat([view1, view2]), dim: 1);
        var logits = z.matmul(z.t()) / temperature;
        var self = eye(2 * n, dtype: ScalarType.Bool, device: z.device);
        var masked = logits.masked_fill(self, double.NegativeInfinity);
        // Row k's positive is row k + N (first half) or k − N (second half).
        var targets = cat([arange(n, 2 * n, 1, device: z.device), arange(0, n, 1, device: z.device)]);
        var loss = nn.functional.cross_entropy(masked, targets);
        return LossTerms.FromScope(loss);
    }
}
