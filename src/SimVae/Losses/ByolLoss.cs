using static TorchSharp.torch;

namespace SimVae.Losses;

/// <summary>
/// BYOL's loss (Grill et al. 2020, eq. 2): the normalised MSE ‖p̄ − z̄′‖² = 2 − 2·cos(p, z′) between the online
/// prediction p of one view and the target projection z′ of the other, averaged over the batch, symmetrised:
/// L(p₁, z′₂) + L(p₂, z′₁). No gradient flows into the targets.
/// </summary>
public static class ByolLoss
{
    /// <summary>Computes the symmetrised loss for predictions and targets [N, D] of the two views.</summary>
    public static LossTerms Compute(Tensor prediction1, Tensor prediction2, Tensor target1, Tensor target2)
    {
        if (prediction1.dim() != 2 || new[] { prediction2, target1, target2 }.Any(t => !t.shape.SequenceEqual(prediction1.shape)))
            throw new ArgumentException($"predictions and targets must all be [N, D]; got {LossTerms.Shape(prediction1)}, {LossTerms.Shape(prediction2)}, {LossTerms.Shape(target1)}, {LossTerms.Shape(target2)}");
        using var scope = NewDisposeScope();
        var loss = NormalizedMse(prediction1, target2) + NormalizedMse(prediction2, target1);
        return LossTerms.FromScope(loss);
    }

    /// <summary>Mean over rows of 2 − 2·cos(p, z).</summary>
    private static Tensor NormalizedMse(Tensor prediction, Tensor target)
    {
        var cosine = (nn.functional.normalize(prediction, dim: 1) * nn.functional.normalize(target.detach(), dim: 1)).sum(1);
        return (2 - cosine * 2).mean();
    }
}
