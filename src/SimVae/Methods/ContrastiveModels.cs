using SimVae.Backbones;
using SimVae.Engine;
using SimVae.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Methods;

/// <summary>
/// A joint-embedding method whose loss compares the two views' head outputs directly (no teacher): SimCLR, VICReg,
/// Barlow Twins. Subclasses give the head and the pairwise loss.
/// </summary>
public abstract class TwoViewModel(SslOptions options, Func<long, nn.Module<Tensor, Tensor>> createHead) : JointEmbeddingModel(options, createHead)
{
    /// <inheritdoc />
    public override LossTerms Loss(Tensor views)
    {
        long n = ImagesIn(views);
        using var scope = NewDisposeScope();
        var projected = Embed(views);
        using var float32 = MixedPrecision.Disable();
        if (DataParallel is { GatherGlobalBatch: true } parallel) (projected, n) = GatherGlobalBatch(projected, n, parallel);
        var terms = PairLoss(projected.narrow(0, 0, n), projected.narrow(0, n, n));
        return terms.MoveToOuterScope();
    }

    /// <summary>
    /// SimCLR's negatives and VICReg's variance and covariance are statistics of the whole batch, so a rank's shard
    /// alone would give another loss (solo-learn and lightly gather too): every rank's [2N, D] projections are gathered
    /// (differentiably: each rank gets back the gradient for its own rows) and reordered view-major into the global
    /// batch's [2·W·N, D], exactly the rows one process with the global batch computes.
    /// </summary>
    private static (Tensor Projected, long Images) GatherGlobalBatch(Tensor projected, long n, DataParallelContext parallel)
    {
        int world = parallel.WorldSize;
        var gathered = parallel.Group.AllGather(projected);
        var viewMajor = gathered.view(world, 2, n, -1).transpose(0, 1).reshape(2 * world * n, -1);
        return (viewMajor, world * n);
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
