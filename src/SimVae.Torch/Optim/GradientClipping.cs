namespace SimVae.Torch.Optim;

/// <summary>Gradient clipping (PyTorch's <c>torch.nn.utils.clip_grad_norm_</c>).</summary>
public static class GradientClipping
{
    /// <summary>
    /// Computes the norm of all gradients together (as if concatenated into one vector) and, when it exceeds
    /// <paramref name="maxNorm"/>, scales every gradient in place by <c>maxNorm / (norm + 1e-6)</c>.
    /// Parameters without a gradient are ignored.
    /// </summary>
    /// <param name="parameters">The parameters whose gradients are clipped.</param>
    /// <param name="maxNorm">Largest allowed total norm.</param>
    /// <param name="normType">The p of the p-norm; <see cref="double.PositiveInfinity"/> for the max norm.</param>
    /// <returns>The total norm before clipping (0 when no parameter has a gradient).</returns>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm >= 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "must be non-negative");
        if (!(normType > 0)) throw new ArgumentOutOfRangeException(nameof(normType), normType, "must be positive");
        using var scope = DisposeScope.Open();
        using var noGrad = Autograd.NoGrad();
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return 0;
        var device = grads[0].Device;
        bool inf = double.IsPositiveInfinity(normType);
        var norms = grads.Select(g => (inf ? g.Abs().Max() : g.Norm(normType)).To(device)).ToArray();
        using var stacked = Tensor.Stack(norms);
        double total = (inf ? stacked.Max() : stacked.Norm(normType)).ToDouble();
        double coefficient = maxNorm / (total + 1e-6);
        if (coefficient < 1)
            foreach (var g in grads) g.Mul_(coefficient);
        return total;
    }
}
