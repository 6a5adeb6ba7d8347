using SimVae.Torch.Native;

namespace SimVae.Torch;

/// <summary>Comparisons, masks and selection. (The C# <c>==</c> keeps reference semantics; use <see cref="Eq(Tensor)"/>.)</summary>
public sealed partial class Tensor
{
    private static readonly Op GtOp = new("aten::gt", "Tensor");
    private static readonly Op GtScalarOp = new("aten::gt", "Scalar");
    private static readonly Op LtOp = new("aten::lt", "Tensor");
    private static readonly Op LtScalarOp = new("aten::lt", "Scalar");
    private static readonly Op GeScalarOp = new("aten::ge", "Scalar");
    private static readonly Op LeScalarOp = new("aten::le", "Scalar");
    private static readonly Op EqOp = new("aten::eq", "Tensor");
    private static readonly Op EqScalarOp = new("aten::eq", "Scalar");
    private static readonly Op NeScalarOp = new("aten::ne", "Scalar");
    private static readonly Op LogicalAndOp = new("aten::logical_and");
    private static readonly Op LogicalOrOp = new("aten::logical_or");
    private static readonly Op LogicalNotOp = new("aten::logical_not");
    private static readonly Op WhereOp = new("aten::where", "self");
    private static readonly Op MaskedFillOp = new("aten::masked_fill", "Scalar");
    private static readonly Op IsFiniteOp = new("aten::isfinite");
    private static readonly Op AllOp = new("aten::all");
    private static readonly Op AnyOp = new("aten::any");
    private static readonly Op AllCloseOp = new("aten::allclose");

    /// <summary><c>this &gt; other</c> (bool).</summary>
    public Tensor Gt(Tensor other) => GtOp.Call(this, other);
    /// <summary><c>this &gt; value</c> (bool).</summary>
    public Tensor Gt(double value) => GtScalarOp.Call(this, value);
    /// <summary><c>this &lt; other</c> (bool).</summary>
    public Tensor Lt(Tensor other) => LtOp.Call(this, other);
    /// <summary><c>this &lt; value</c> (bool).</summary>
    public Tensor Lt(double value) => LtScalarOp.Call(this, value);
    /// <summary><c>this &gt;= value</c> (bool).</summary>
    public Tensor Ge(double value) => GeScalarOp.Call(this, value);
    /// <summary><c>this &lt;= value</c> (bool).</summary>
    public Tensor Le(double value) => LeScalarOp.Call(this, value);
    /// <summary>Elementwise equality (bool).</summary>
    public Tensor Eq(Tensor other) => EqOp.Call(this, other);
    /// <summary>Elementwise equality with a scalar (bool).</summary>
    public Tensor Eq(double value) => EqScalarOp.Call(this, value);
    /// <summary>Elementwise inequality with a scalar (bool).</summary>
    public Tensor Ne(double value) => NeScalarOp.Call(this, value);
    /// <summary>Logical and.</summary>
    public Tensor LogicalAnd(Tensor other) => LogicalAndOp.Call(this, other);
    /// <summary>Logical or.</summary>
    public Tensor LogicalOr(Tensor other) => LogicalOrOp.Call(this, other);
    /// <summary>Logical not.</summary>
    public Tensor LogicalNot() => LogicalNotOp.Call(this);
    /// <summary>True where the element is neither NaN nor infinite.</summary>
    public Tensor IsFinite() => IsFiniteOp.Call(this);
    /// <summary>Whether all elements are true (non-zero).</summary>
    public bool All() { using var r = AllOp.Call(this); return r.Item<bool>(); }
    /// <summary>Whether any element is true (non-zero).</summary>
    public bool Any() { using var r = AnyOp.Call(this); return r.Item<bool>(); }
    /// <summary>Whether <c>|this - other| &lt;= atol + rtol * |other|</c> everywhere.</summary>
    public bool AllClose(Tensor other, double rtol = 1e-5, double atol = 1e-8) => AllCloseOp.CallScalar(this, other, rtol, atol, false) != 0;

    /// <summary>Picks <paramref name="whenTrue"/> where <paramref name="condition"/> holds, else <paramref name="whenFalse"/>.</summary>
    public static Tensor Where(Tensor condition, Tensor whenTrue, Tensor whenFalse) => WhereOp.Call(condition, whenTrue, whenFalse);
    /// <summary>Replaces elements where <paramref name="mask"/> is true by <paramref name="value"/>.</summary>
    public Tensor MaskedFill(Tensor mask, double value) => MaskedFillOp.Call(this, mask, value);
}
