using SimVae.Torch.Native;

namespace SimVae.Torch;

/// <summary>Linear-algebra operators used by evaluation code (eigenvalues, log-determinants).</summary>
public sealed partial class Tensor
{
    private static readonly Op EigvalshOp = new("aten::linalg_eigvalsh", "");
    private static readonly Op LogdetOp = new("aten::logdet", "");

    /// <summary>
    /// Eigenvalues of a symmetric (Hermitian) matrix [.., n, n], ascending (<c>torch.linalg.eigvalsh</c>, lower triangle used).
    /// </summary>
    public Tensor Eigvalsh() => EigvalshOp.Call(this, "L");

    /// <summary>log det of a square matrix [.., n, n] (<c>torch.logdet</c>): NaN for a negative determinant, −∞ for a singular one.</summary>
    public Tensor Logdet() => LogdetOp.Call(this);
}
