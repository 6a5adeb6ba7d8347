using SimVae.Torch.Native;

namespace SimVae.Torch;

/// <summary>Views, reshaping, joining and splitting.</summary>
public sealed partial class Tensor
{
    private static readonly Op ViewOp = new("aten::view");
    private static readonly Op ReshapeOp = new("aten::reshape");
    private static readonly Op PermuteOp = new("aten::permute");
    private static readonly Op TransposeOp = new("aten::transpose", "int");
    private static readonly Op TOp = new("aten::t");
    private static readonly Op FlattenOp = new("aten::flatten", "using_ints");
    private static readonly Op UnsqueezeOp = new("aten::unsqueeze");
    private static readonly Op SqueezeDimOp = new("aten::squeeze", "dim");
    private static readonly Op ExpandOp = new("aten::expand");
    private static readonly Op RepeatOp = new("aten::repeat");
    private static readonly Op CatOp = new("aten::cat");
    private static readonly Op StackOp = new("aten::stack");
    private static readonly Op SplitOp = new("aten::split", "Tensor");
    private static readonly Op SplitSizesOp = new("aten::split_with_sizes");
    private static readonly Op ChunkOp = new("aten::chunk");
    private static readonly Op FlipOp = new("aten::flip");
    private static readonly Op ContiguousOp = new("aten::contiguous");
    private static readonly Op CloneOp = new("aten::clone");
    private static readonly Op DetachOp = new("aten::detach");
    private static readonly Op ToDTypeOp = new("aten::to", "dtype");
    private static readonly Op ToDeviceOp = new("aten::to", "device");
    private static readonly Op DiagonalOp = new("aten::diagonal");
    private static readonly Op DiagEmbedOp = new("aten::diag_embed");

    /// <summary>A view with another shape (one entry may be -1); the data must be laid out compatibly.</summary>
    public Tensor View(params long[] shape) => ViewOp.Call(this, shape);
    /// <summary>The same data with another shape (a view when possible, else a copy).</summary>
    public Tensor Reshape(params long[] shape) => ReshapeOp.Call(this, shape);
    /// <summary>Reorders dimensions.</summary>
    public Tensor Permute(params long[] dims) => PermuteOp.Call(this, dims);
    /// <summary>Swaps two dimensions.</summary>
    public Tensor Transpose(int dim0, int dim1) => TransposeOp.Call(this, dim0, dim1);
    /// <summary>Transpose of a 2-D tensor.</summary>
    public Tensor T() => TOp.Call(this);
    /// <summary>Merges dimensions <paramref name="startDim"/>..<paramref name="endDim"/> into one.</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1) => FlattenOp.Call(this, startDim, endDim);
    /// <summary>Inserts a dimension of size 1.</summary>
    public Tensor Unsqueeze(int dim) => UnsqueezeOp.Call(this, dim);
    /// <summary>Removes dimension <paramref name="dim"/> if its size is 1.</summary>
    public Tensor Squeeze(int dim) => SqueezeDimOp.Call(this, dim);
    /// <summary>A broadcast view with the given shape (-1 keeps a dimension).</summary>
    public Tensor Expand(params long[] shape) => ExpandOp.Call(this, shape);
    /// <summary>Tiles the tensor.</summary>
    public Tensor Repeat(params long[] repeats) => RepeatOp.Call(this, repeats);
    /// <summary>Reverses the order of elements along <paramref name="dims"/>.</summary>
    public Tensor Flip(params long[] dims) => FlipOp.Call(this, dims);
    /// <summary>A contiguous (row-major) tensor with the same data.</summary>
    public Tensor Contiguous() => ContiguousOp.Call(this);
    /// <summary>A copy that still takes part in autograd.</summary>
    public Tensor Clone() => CloneOp.Call(this);
    /// <summary>The same data, cut from the autograd graph.</summary>
    public Tensor Detach() => DetachOp.Call(this);
    /// <summary>Converts the element type.</summary>
    public Tensor To(ScalarType dtype) => ToDTypeOp.Call(this, dtype);
    /// <summary>Moves to <paramref name="device"/> (and converts to <paramref name="dtype"/> when given).</summary>
    public Tensor To(Device device, ScalarType? dtype = null) => ToDeviceOp.Call(this, device, dtype ?? DType);
    /// <summary>The diagonal of a matrix (or of the last two dimensions).</summary>
    public Tensor Diagonal(int offset = 0, int dim1 = 0, int dim2 = 1) => DiagonalOp.Call(this, offset, dim1, dim2);
    /// <summary>Square matrices with the last dimension on their diagonal.</summary>
    public Tensor DiagEmbed() => DiagEmbedOp.Call(this);

    /// <summary>Concatenates along an existing dimension.</summary>
    public static Tensor Cat(Tensor[] tensors, int dim = 0) => CatOp.Call(tensors, dim);
    /// <summary>Stacks along a new dimension.</summary>
    public static Tensor Stack(Tensor[] tensors, int dim = 0) => StackOp.Call(tensors, dim);
    /// <summary>Splits into pieces of <paramref name="splitSize"/> (the last may be smaller).</summary>
    public Tensor[] Split(long splitSize, int dim = 0) => SplitOp.CallMany(MaxPieces(dim, splitSize), this, splitSize, dim);
    /// <summary>Splits into pieces of the given sizes.</summary>
    public Tensor[] Split(long[] sizes, int dim = 0) => SplitSizesOp.CallMany(sizes.Length, this, sizes, dim);
    /// <summary>Splits into <paramref name="chunks"/> pieces of (nearly) equal size.</summary>
    public Tensor[] Chunk(int chunks, int dim = 0) => ChunkOp.CallMany(Math.Max(chunks, 1), this, chunks, dim);

    private int MaxPieces(int dim, long splitSize)
    {
        if (splitSize <= 0) throw new ArgumentOutOfRangeException(nameof(splitSize), splitSize, "split size must be positive");
        return (int)Math.Max(1, (Size(dim) + splitSize - 1) / splitSize);
    }
}
