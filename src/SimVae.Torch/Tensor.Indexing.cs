using SimVae.Torch.Native;

namespace SimVae.Torch;

/// <summary>Indexing and slicing. Basic indexing returns views that share storage.</summary>
public sealed partial class Tensor
{
    private static readonly Op SelectOp = new("aten::select", "int");
    private static readonly Op SliceOp = new("aten::slice", "Tensor");
    private static readonly Op NarrowOp = new("aten::narrow");
    private static readonly Op IndexSelectOp = new("aten::index_select");
    private static readonly Op IndexOp = new("aten::index", "Tensor");
    private static readonly Op GatherOp = new("aten::gather");
    private static readonly Op ScatterOp = new("aten::scatter", "value");
    private static readonly Op OneHotOp = new("aten::one_hot");

    /// <summary>The slice at <paramref name="index"/> along <paramref name="dim"/> (drops that dimension); a view.</summary>
    public Tensor Select(int dim, long index) => SelectOp.Call(this, dim, index);

    /// <summary><c>this[start:end:step]</c> along <paramref name="dim"/>; a view. Null bounds are open.</summary>
    public Tensor Slice(int dim, long? start, long? end, long step = 1) => SliceOp.Call(this, dim, OpArg.Of(start), OpArg.Of(end), step);

    /// <summary><paramref name="length"/> elements from <paramref name="start"/> along <paramref name="dim"/>; a view.</summary>
    public Tensor Narrow(int dim, long start, long length) => NarrowOp.Call(this, dim, start, length);

    /// <summary>Rows (or slices along <paramref name="dim"/>) picked by an int64 index tensor; a copy.</summary>
    public Tensor IndexSelect(int dim, Tensor index) => IndexSelectOp.Call(this, dim, index);

    /// <summary>Advanced indexing (<c>this[i0, i1, ...]</c>) with index or mask tensors; null entries take everything.</summary>
    public Tensor Index(params Tensor?[] indices) => IndexOp.Call(this, OpArg.OptionalTensors(indices));

    /// <summary><c>this[idx]</c> along dimension 0: a view of one row.</summary>
    [System.Runtime.CompilerServices.IndexerName("Row")]
    public Tensor this[long index] => Select(0, index);

    /// <summary>Gathers values along <paramref name="dim"/> at <paramref name="index"/>.</summary>
    public Tensor Gather(int dim, Tensor index) => GatherOp.Call(this, dim, index);

    /// <summary>A copy with <paramref name="value"/> written at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public Tensor Scatter(int dim, Tensor index, double value) => ScatterOp.Call(this, dim, index, value);

    /// <summary>One-hot encoding of an int64 tensor (int64 result).</summary>
    public Tensor OneHot(long numClasses = -1) => OneHotOp.Call(this, numClasses);
}
