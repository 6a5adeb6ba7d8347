using SimVae.Backbones;
using SimVae.Losses;
using SimVae.Torch;
using SimVae.Torch.Nn;

namespace SimVae.Methods;

/// <summary>
/// A joint-embedding method whose loss compares the two views' head outputs directly (no teacher): SimCLR, VICReg,
/// Barlow Twins. Subclasses give the head and the pairwise loss.
/// </summary>
public abstract class TwoViewModel(SslOptions options, Func<long, Module<Tensor, Tensor>> createHead) : JointEmbeddingModel(options, createHead)
{
    /// <inheritdoc />
    public override LossTerms Loss(Tensor views)
    {
        long n = ImagesIn(views);
        using var scope = DisposeScope.Open();
        var projected = Embed(views);
        using var float32 = Autocast.Disable();
        var terms = PairLoss(projected.Narrow(0, 0, n), projected.Narrow(0, n, n));
        return terms.MoveToOuterScope();
    }

    /// <summary>The loss between the two views' head outputs, rows corresponding.</summary>
    protected abstract LossTerms PairLoss(Tensor first, Tensor second);
}

/// <summary>SimCLR: projection head Linear(d→hidden)–ReLU–Linear(hidden→proj) and NT-Xent.</summary>
public sealed class SimClrModel(SimClrOptions options)
    : TwoViewModel(options, d => new Mlp(d, options.ProjectionHidden, options.ProjectionDim))
{
    /// <inheritdoc />
    protected override LossTerms PairLoss(Tensor first, Tensor second) =>
        NtXentLoss.Compute(first, second, ((SimClrOptions)Options).Temperature);
}

/// <summary>VICReg: expander of three Linear layers (ReLU between) and the variance–invariance–covariance loss.</summary>
public sealed class VicRegModel(VicRegOptions options)
    : TwoViewModel(options, d => new Mlp(d, options.ExpanderDim, options.ExpanderDim, options.ExpanderDim))
{
    /// <inheritdoc />
    protected override LossTerms PairLoss(Tensor first, Tensor second) =>
        VicRegLoss.Compute(first, second, ((VicRegOptions)Options).Loss);
}
