using SimVae.Backbones;
using SimVae.Losses;
using SimVae.Optim;
using static TorchSharp.torch;

namespace SimVae.Methods;

/// <summary>Barlow Twins: projector Linear–BN–ReLU ×2 then Linear, <see cref="BarlowTwinsLoss"/>, and the paper's two learning rates.</summary>
public sealed class BarlowTwinsModel(BarlowTwinsOptions options)
    : TwoViewModel(options, d => ProjectionHead.Create([d, options.ProjectionDim, options.ProjectionDim, options.ProjectionDim], batchNorm: true))
{
    /// <inheritdoc />
    protected override LossTerms PairLoss(Tensor first, Tensor second) =>
        BarlowTwinsLoss.Compute(first, second, ((BarlowTwinsOptions)Options).EffectiveLambda);

    /// <exception cref="NotSupportedException">In a data-parallel run: the projector's batch norms would need synchronised statistics.</exception>
    public override void OnTrainingStep(long step, long totalSteps) => RefuseDataParallel("its projector's batch norms would need statistics synchronised across processes");

    /// <summary>Weights at the base rate; biases and batch-norm parameters (1-D) at <see cref="BarlowTwinsOptions.BiasLearningRateRatio"/> of it.</summary>
    protected override IEnumerable<ParameterGroup> ParameterGroups()
    {
        var o = (BarlowTwinsOptions)Options;
        var parameters = TrainableParameters().ToList();
        return [new ParameterGroup(parameters.Where(p => p.dim() > 1)), new ParameterGroup(parameters.Where(p => p.dim() <= 1), o.LearningRate * o.BiasLearningRateRatio)];
    }
}
