using SimVae.Torch.Native;

namespace SimVae.Torch;

// Small operators needed by SimVae.Torch.Nn and SimVae.Torch.Optim (kept in their own file).
public sealed partial class Tensor
{
    private static readonly Op AddScalarInPlaceOp = new("aten::add_", "Scalar");

    /// <summary>Adds an integer in place, keeping the tensor's type (e.g. BatchNorm's int64 batch counter).</summary>
    internal Tensor AddScalarInPlace(long value)
    {
        AddScalarInPlaceOp.CallInPlace(this, value);
        return this;
    }
}
