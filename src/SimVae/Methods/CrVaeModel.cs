using SimVae.Losses;
using SimVae.Torch;

namespace SimVae.Methods;

/// <summary>CR-VAE (Sinha &amp; Dieng 2021): a VAE on x and t(x) plus the consistency term, <see cref="CrVaeLoss"/>.</summary>
public sealed class CrVaeModel(CrVaeOptions options) : VariationalModel(options)
{
    /// <inheritdoc />
    public override LossTerms Loss(Tensor views)
    {
        long n = ImagesIn(views);
        using var scope = DisposeScope.Open();
        var (mean, logVar) = Posterior(views);
        var z = SampleLatents(mean, logVar, 2, n);
        var decoded = Decode(z);
        using var float32 = Autocast.Disable();
        (decoded, z, mean, logVar) = (Autocast.ToFloat32(decoded), Autocast.ToFloat32(z), Autocast.ToFloat32(mean), Autocast.ToFloat32(logVar));
        var terms = CrVaeLoss.Compute(views.Flatten(1), decoded.Flatten(1), z, mean, logVar, n, LossOptions, ((CrVaeOptions)Options).ConsistencyWeight);
        return terms.MoveToOuterScope();
    }
}
