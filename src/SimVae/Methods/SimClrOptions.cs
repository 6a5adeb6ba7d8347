namespace SimVae.Methods;

/// <summary>
/// SimCLR (Chen et al. 2020): NT-Xent over two views with a projection head (Linear–ReLU–Linear).
/// Features are the backbone's output, before the head. Trained here with Adam (lr 1e-3) rather than LARS,
/// which targets batches of thousands.
/// </summary>
public sealed record SimClrOptions : SslOptions
{
    /// <summary>τ of NT-Xent: 0.5, SimCLR's small-batch CIFAR-10 setting.</summary>
    public const double DefaultTemperature = 0.5;

    /// <summary>τ of NT-Xent (<see cref="DefaultTemperature"/>).</summary>
    public double Temperature { get; init; } = DefaultTemperature;
    /// <summary>Hidden width of the projection head.</summary>
    public int ProjectionHidden { get; init; } = 512;
    /// <summary>Output width of the projection head.</summary>
    public int ProjectionDim { get; init; } = 128;

    /// <inheritdoc />
    public override string MethodName => "simclr";

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Require(Views == 2, nameof(Views), Views, "must be 2 for SimCLR");
        RequirePositive(Temperature, nameof(Temperature));
        RequireWidth(ProjectionHidden, nameof(ProjectionHidden));
        RequireWidth(ProjectionDim, nameof(ProjectionDim));
    }
}
