using SimVae.Engine;
using SimVae.Losses;
using static TorchSharp.torch;

namespace SimVae.Methods;

/// <summary>CR-VAE (Sinha &amp; Dieng 2021): a VAE on x and t(x) plus the consistency term, <see cref="CrVaeLoss"/>.</summary>
public sealed class CrVaeModel(CrVaeOptions options) : VariationalModel(options)
{
    /// <inheritdoc />
    public override LossTerms Loss(Tensor views)
    {
        long n = ImagesIn(views);
        using var scope = NewDisposeScope();
        var (mean, logVar) = Posterior(views);
        var z = SampleLatents(mean, logVar, 2, n);
        var decoded = Decode(z);
        using var float32 = MixedPrecision.Disable();
        (decoded, z, mean, logVar) = (MixedPrecision.ToFloat32(decoded), MixedPrecision.ToFloat32(z), MixedPrecision.ToFloat32(mean), MixedPrecision.ToFloat32(logVar));
        var terms = CrVaeLoss.Compute(views.flatten(1), decoded.flatten(1), z, mean, logVar, n, LossOptions, ((CrVaeOptions)Options).ConsistencyWeight);
        return terms.MoveToOuterScope();
    }
}
