using SimVae.Backbones;
using SimVae.Engine;
using SimVae.Losses;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SimVae.Methods;

/// <summary>
/// BYOL: projector (head) and predictor are Linear–BN–ReLU–Linear (Grill et al. 2020, §3.3); the online predictions of
/// both views regress the teacher's projections of the other view (<see cref="ByolLoss"/>).
/// </summary>
public sealed class ByolModel : MomentumModel
{
    private readonly Sequential predictor;

    /// <summary>Creates the online network, its predictor and the target (teacher).</summary>
    public ByolModel(ByolOptions options)
        : base(options, d => ProjectionHead.Create([d, options.ProjectionHidden, options.ProjectionDim], batchNorm: true))
    {
        predictor = ProjectionHead.Create([options.ProjectionDim, options.ProjectionHidden, options.ProjectionDim], batchNorm: true);
        register_module("predictor", predictor);
    }

    /// <inheritdoc />
    public override LossTerms Loss(Tensor views)
    {
        long n = ImagesIn(views);
        using var scope = NewDisposeScope();
        var online = MixedPrecision.ToFloat32(predictor.forward(Embed(views)));
        var target = MixedPrecision.ToFloat32(Teacher.forward(views));
        using var float32 = MixedPrecision.Disable();
        var terms = ByolLoss.Compute(online.narrow(0, 0, n), online.narrow(0, n, n), target.narrow(0, 0, n), target.narrow(0, n, n));
        return terms.MoveToOuterScope();
    }
}
