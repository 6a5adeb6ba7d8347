using SimVae.Engine;
using SimVae.Losses;
using static TorchSharp.torch;

namespace SimVae.Methods;

/// <summary>
/// SimVAE (Bizeul, Schölkopf, Allen 2024) and, with J = 1, the VAE / β-VAE baselines: the loss is
/// <see cref="SimVaeLoss"/> over the J views of each image. Features are the posterior means μ(x).
/// </summary>
public sealed class SimVaeModel(SimVaeOptions options) : VariationalModel(options)
{
    /// <inheritdoc />
    public override LossTerms Loss(Tensor views)
    {
        long n = ImagesIn(views);
        int j = Options.Views;
        using var scope = NewDisposeScope();
        var (mean, logVar) = Posterior(views);
        var z = SampleLatents(mean, logVar, j, n);
        var decoded = Decode(z);
        // Under mixed precision the loss is still computed in float32 (docs/gpu.md).
        using var float32 = MixedPrecision.Disable();
        (decoded, z, logVar) = (MixedPrecision.ToFloat32(decoded), MixedPrecision.ToFloat32(z), MixedPrecision.ToFloat32(logVar));
        var terms = SimVaeLoss.Compute(Group(views.flatten(1), j, n), Group(decoded.flatten(1), j, n), Group(z, j, n), Group(logVar, j, n), LossOptions);
        return terms.MoveToOuterScope();
    }
}
