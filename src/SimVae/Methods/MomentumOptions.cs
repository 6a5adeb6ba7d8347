namespace SimVae.Methods;

/// <summary>
/// Settings shared by the methods with a momentum teacher (MoCo, BYOL, DINO): the teacher's EMA momentum rises from
/// <see cref="TeacherMomentum"/> to <see cref="TeacherMomentumEnd"/> on BYOL's cosine schedule (equal values: constant).
/// </summary>
public abstract record MomentumOptions : SslOptions
{
    /// <summary>Momentum m of the teacher's EMA at the first step.</summary>
    public double TeacherMomentum { get; init; } = 0.996;

    /// <summary>Momentum at the last step.</summary>
    public double TeacherMomentumEnd { get; init; } = 1;

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        RequireUnit(TeacherMomentum, nameof(TeacherMomentum));
        RequireUnit(TeacherMomentumEnd, nameof(TeacherMomentumEnd));
    }
}
