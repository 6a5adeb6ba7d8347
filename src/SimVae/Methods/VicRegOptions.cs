using SimVae.Losses;

namespace SimVae.Methods;

/// <summary>
/// VICReg (Bardes, Ponce, LeCun 2022): λ = μ = 25, ν = 1 on an expander MLP (three layers of
/// <see cref="ExpanderDim"/>); features are the backbone's output. Adam lr 1e-3 (LARS targets large batches).
/// </summary>
public sealed record VicRegOptions : SslOptions
{
    /// <summary>Loss coefficients.</summary>
    public VicRegLossOptions Loss { get; init; } = new();
    /// <summary>Width of each expander layer.</summary>
    public int ExpanderDim { get; init; } = 512;

    /// <inheritdoc />
    public override string MethodName => "vicreg";

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Require(Views == 2, nameof(Views), Views, "must be 2 for VICReg");
        RequireWidth(ExpanderDim, nameof(ExpanderDim));
    }
}
