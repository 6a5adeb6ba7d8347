namespace SimVae.Torch.Native;

/// <summary>One argument of a generic operator call; converts implicitly from the usual C# types.</summary>
internal readonly struct OpArg
{
    internal readonly ValueKind Kind;
    internal readonly long I;
    internal readonly double D;
    internal readonly object? Ref;

    private OpArg(ValueKind kind, long i = 0, double d = 0, object? reference = null)
    {
        Kind = kind;
        I = i;
        D = d;
        Ref = reference;
    }

    /// <summary>Python's None (an absent optional argument).</summary>
    internal static readonly OpArg None = new(ValueKind.None);

    /// <summary>Use the schema's default value for this position.</summary>
    internal static readonly OpArg Default = new(ValueKind.Default);

    public static implicit operator OpArg(Tensor? t) => t is null ? None : new(ValueKind.Tensor, reference: t);
    public static implicit operator OpArg(long v) => new(ValueKind.Int, i: v);
    public static implicit operator OpArg(int v) => new(ValueKind.Int, i: v);
    public static implicit operator OpArg(double v) => new(ValueKind.Double, d: v);
    public static implicit operator OpArg(bool v) => new(ValueKind.Bool, i: v ? 1 : 0);
    public static implicit operator OpArg(long[]? v) => v is null ? None : new(ValueKind.IntList, reference: v);
    public static implicit operator OpArg(double[]? v) => v is null ? None : new(ValueKind.DoubleList, reference: v);
    public static implicit operator OpArg(bool[]? v) => v is null ? None : new(ValueKind.BoolList, reference: v);
    public static implicit operator OpArg(Tensor[]? v) => v is null ? None : new(ValueKind.TensorList, reference: v);
    public static implicit operator OpArg(string? v) => v is null ? None : new(ValueKind.String, reference: v);
    public static implicit operator OpArg(ScalarType v) => new(ValueKind.Int, i: (long)v);
    public static implicit operator OpArg(Device v) => new(ValueKind.Device, i: (long)v.Type, d: v.Index);

    /// <summary>An optional scalar type: None when null.</summary>
    internal static OpArg Of(ScalarType? v) => v is null ? None : (OpArg)v.Value;

    /// <summary>An optional double: None when null.</summary>
    internal static OpArg Of(double? v) => v is null ? None : (OpArg)v.Value;

    /// <summary>An optional integer: None when null.</summary>
    internal static OpArg Of(long? v) => v is null ? None : (OpArg)v.Value;

    /// <summary>A list of optional tensors (for advanced indexing); null entries are None.</summary>
    internal static OpArg OptionalTensors(Tensor?[] v) => new(ValueKind.OptionalTensorList, reference: v);
}
