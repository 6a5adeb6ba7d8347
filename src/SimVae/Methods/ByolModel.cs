using SimVae.Backbones;
using SimVae.Losses;
using SimVae.Torch;
using SimVae.Torch.Nn;

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
        predictor = RegisterModule("predictor", ProjectionHead.Create([options.ProjectionDim, options.ProjectionHidden, options.ProjectionDim], batchNorm: true));
    }

    /// <inheritdoc />
    public override LossTerms Loss(Tensor views)
    {
        long n = ImagesIn(views);
        using var scope = DisposeScope.Open();
        var online = Autocast.ToFloat32(predictor.Forward(Embed(views)));
        var target = Autocast.ToFloat32(Teacher.Forward(views));
        using var float32 = Autocast.Disable();
        var terms = ByolLoss.Compute(online.Narrow(0, 0, n), online.Narrow(0, n, n), target.Narrow(0, 0, n), target.Narrow(0, n, n));
        return terms.MoveToOuterScope();
    }
}
