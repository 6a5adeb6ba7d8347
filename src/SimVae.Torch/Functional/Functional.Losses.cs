using SimVae.Torch.Native;

namespace SimVae.Torch;

/// <summary>How a loss reduces its per-element values.</summary>
public enum Reduction
{
    /// <summary>No reduction: one value per element.</summary>
    None = 0,
    /// <summary>The mean.</summary>
    Mean = 1,
    /// <summary>The sum.</summary>
    Sum = 2,
}

public static partial class Functional
{
    private static readonly Op CrossEntropyOp = new("aten::cross_entropy_loss");
    private static readonly Op BceOp = new("aten::binary_cross_entropy");
    private static readonly Op BceLogitsOp = new("aten::binary_cross_entropy_with_logits");
    private static readonly Op MseOp = new("aten::mse_loss");
    private static readonly Op CdistOp = new("aten::cdist");

    /// <summary>Cross-entropy of <paramref name="logits"/> (N, C) against int64 class indices (N).</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, Reduction reduction = Reduction.Mean, double labelSmoothing = 0) =>
        CrossEntropyOp.Call(logits, target, OpArg.None, (long)reduction, -100L, labelSmoothing);

    /// <summary>Binary cross-entropy of probabilities in [0, 1] against targets in [0, 1].</summary>
    public static Tensor BinaryCrossEntropy(Tensor probabilities, Tensor target, Reduction reduction = Reduction.Mean) =>
        BceOp.Call(probabilities, target, OpArg.None, (long)reduction);

    /// <summary>Binary cross-entropy of <c>sigmoid(logits)</c>, computed stably from the logits.</summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor target, Reduction reduction = Reduction.Mean) =>
        BceLogitsOp.Call(logits, target, OpArg.None, OpArg.None, (long)reduction);

    /// <summary>Squared error.</summary>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) => MseOp.Call(input, target, (long)reduction);

    /// <summary>Pairwise p-norm distances between the rows of <paramref name="x1"/> (N, D) and <paramref name="x2"/> (M, D).</summary>
    public static Tensor Cdist(Tensor x1, Tensor x2, double p = 2) => CdistOp.Call(x1, x2, p);

    /// <summary>Divides each vector along <paramref name="dim"/> by its p-norm (at least <paramref name="eps"/>).</summary>
    public static Tensor Normalize(Tensor x, double p = 2, int dim = 1, double eps = 1e-12)
    {
        using var norm = x.Norm(p, [dim], keepDim: true);
        using var clamped = norm.Clamp(min: eps);
        return x / clamped;
    }
}
