using static TorchSharp.torch;

namespace SimVae.Losses;

/// <summary>
/// The CR-VAE loss (Sinha &amp; Dieng 2021, eq. 4), minimised: −ELBO(x) − ELBO(t(x)) + λ·KL(q(z|t(x)) ‖ q(z|x)), summed
/// over the batch like <see cref="SimVaeLoss"/> (whose J = 1 form gives each −ELBO). For diagonal Gaussians
/// KL(N(μa, σa²) ‖ N(μb, σb²)) = ½·Σ (log σb² − log σa² + (σa² + (μa − μb)²)/σb² − 1).
/// </summary>
public static class CrVaeLoss
{
    /// <summary>Computes the loss and its terms (<c>recon</c>, <c>entropy</c>, <c>prior</c> of both ELBOs, <c>consistency</c>).</summary>
    /// <param name="x">Targets [2N, D], rows 0..N−1 the images x, rows N..2N−1 their augmentations t(x).</param>
    /// <param name="decoded">Decoder outputs [2N, D].</param>
    /// <param name="z">Sampled latents [2N, d].</param>
    /// <param name="mean">Posterior means [2N, d].</param>
    /// <param name="logVar">Posterior log-variances [2N, d].</param>
    /// <param name="images">N.</param>
    /// <param name="options">Likelihood and prior settings of the ELBOs.</param>
    /// <param name="consistencyWeight">λ ≥ 0.</param>
    public static LossTerms Compute(Tensor x, Tensor decoded, Tensor z, Tensor mean, Tensor logVar, long images, SimVaeLossOptions options, double consistencyWeight)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(consistencyWeight >= 0)) throw new ArgumentOutOfRangeException(nameof(consistencyWeight), consistencyWeight, "must be non-negative");
        using var scope = NewDisposeScope();
        // Each view is its own group of one: the VAE ELBO of x plus that of t(x).
        var elbo = SimVaeLoss.Compute(x.unsqueeze(1), decoded.unsqueeze(1), z.unsqueeze(1), logVar.unsqueeze(1), options);
        var consistency = GaussianKl(mean.narrow(0, images, images), logVar.narrow(0, images, images), mean.narrow(0, 0, images), logVar.narrow(0, 0, images));
        var total = elbo.Total + consistency * consistencyWeight;
        return LossTerms.FromScope(total, ("recon", elbo.Terms["recon"]), ("entropy", elbo.Terms["entropy"]), ("prior", elbo.Terms["prior"]), ("consistency", consistency));
    }

    /// <summary>Σ over rows and dimensions of KL(N(μa, σa²) ‖ N(μb, σb²)).</summary>
    public static Tensor GaussianKl(Tensor meanA, Tensor logVarA, Tensor meanB, Tensor logVarB)
    {
        using var scope = NewDisposeScope();
        var kl = (logVarB - logVarA + ((logVarA.exp() + (meanA - meanB).square()) / logVarB.exp()) - 1).sum() * 0.5;
        return kl.MoveToOuterDisposeScope();
    }
}
