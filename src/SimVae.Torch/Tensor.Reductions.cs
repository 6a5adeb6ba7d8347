using SimVae.Torch.Native;

namespace SimVae.Torch;

/// <summary>Reductions over all elements or over given dimensions.</summary>
public sealed partial class Tensor
{
    private static readonly Op SumOp = new("aten::sum");
    private static readonly Op SumDimOp = new("aten::sum", "dim_IntList");
    private static readonly Op MeanOp = new("aten::mean");
    private static readonly Op MeanDimOp = new("aten::mean", "dim");
    private static readonly Op VarOp = new("aten::var", "correction");
    private static readonly Op StdOp = new("aten::std", "correction");
    private static readonly Op MaxOp = new("aten::max");
    private static readonly Op MinOp = new("aten::min");
    private static readonly Op MaxDimOp = new("aten::max", "dim");
    private static readonly Op MinDimOp = new("aten::min", "dim");
    private static readonly Op AmaxOp = new("aten::amax");
    private static readonly Op AminOp = new("aten::amin");
    private static readonly Op ArgmaxOp = new("aten::argmax");
    private static readonly Op ArgminOp = new("aten::argmin");
    private static readonly Op TopkOp = new("aten::topk");
    private static readonly Op SortOp = new("aten::sort");
    private static readonly Op ArgsortOp = new("aten::argsort");
    private static readonly Op LogsumexpOp = new("aten::logsumexp");
    private static readonly Op NormOp = new("aten::linalg_vector_norm");
    private static readonly Op CumsumOp = new("aten::cumsum");

    /// <summary>Sum of all elements.</summary>
    public Tensor Sum() => SumOp.Call(this);
    /// <summary>Sum over <paramref name="dims"/>.</summary>
    public Tensor Sum(long[] dims, bool keepDim = false) => SumDimOp.Call(this, dims, keepDim);
    /// <summary>Sum over one dimension.</summary>
    public Tensor Sum(int dim, bool keepDim = false) => Sum([dim], keepDim);
    /// <summary>Mean of all elements.</summary>
    public Tensor Mean() => MeanOp.Call(this);
    /// <summary>Mean over <paramref name="dims"/>.</summary>
    public Tensor Mean(long[] dims, bool keepDim = false) => MeanDimOp.Call(this, dims, keepDim);
    /// <summary>Mean over one dimension.</summary>
    public Tensor Mean(int dim, bool keepDim = false) => Mean([dim], keepDim);
    /// <summary>Variance over <paramref name="dims"/> (all when null); unbiased (N−1) unless <paramref name="unbiased"/> is false.</summary>
    public Tensor Var(long[]? dims = null, bool unbiased = true, bool keepDim = false) => VarOp.Call(this, dims, unbiased ? 1L : 0L, keepDim);
    /// <summary>Standard deviation over <paramref name="dims"/> (all when null).</summary>
    public Tensor Std(long[]? dims = null, bool unbiased = true, bool keepDim = false) => StdOp.Call(this, dims, unbiased ? 1L : 0L, keepDim);
    /// <summary>Largest element.</summary>
    public Tensor Max() => MaxOp.Call(this);
    /// <summary>Smallest element.</summary>
    public Tensor Min() => MinOp.Call(this);
    /// <summary>Largest values along <paramref name="dim"/> and their indices.</summary>
    public (Tensor Values, Tensor Indices) Max(int dim, bool keepDim = false)
    {
        var r = MaxDimOp.CallMany(2, this, dim, keepDim);
        return (r[0], r[1]);
    }
    /// <summary>Smallest values along <paramref name="dim"/> and their indices.</summary>
    public (Tensor Values, Tensor Indices) Min(int dim, bool keepDim = false)
    {
        var r = MinDimOp.CallMany(2, this, dim, keepDim);
        return (r[0], r[1]);
    }
    /// <summary>Largest values over <paramref name="dims"/> (gradient spread evenly over ties).</summary>
    public Tensor Amax(long[] dims, bool keepDim = false) => AmaxOp.Call(this, dims, keepDim);
    /// <summary>Smallest values over <paramref name="dims"/>.</summary>
    public Tensor Amin(long[] dims, bool keepDim = false) => AminOp.Call(this, dims, keepDim);
    /// <summary>Index of the largest element along <paramref name="dim"/> (over the flattened tensor when null).</summary>
    public Tensor Argmax(int? dim = null, bool keepDim = false) => ArgmaxOp.Call(this, OpArg.Of(Of(dim)), keepDim);
    /// <summary>Index of the smallest element along <paramref name="dim"/> (over the flattened tensor when null).</summary>
    public Tensor Argmin(int? dim = null, bool keepDim = false) => ArgminOp.Call(this, OpArg.Of(Of(dim)), keepDim);
    /// <summary>The <paramref name="k"/> largest (or smallest) values along <paramref name="dim"/> and their indices.</summary>
    public (Tensor Values, Tensor Indices) TopK(int k, int dim = -1, bool largest = true, bool sorted = true)
    {
        var r = TopkOp.CallMany(2, this, k, dim, largest, sorted);
        return (r[0], r[1]);
    }
    /// <summary>Sorted values along <paramref name="dim"/> and the permutation that sorts them.</summary>
    public (Tensor Values, Tensor Indices) Sort(int dim = -1, bool descending = false)
    {
        var r = SortOp.CallMany(2, this, dim, descending);
        return (r[0], r[1]);
    }
    /// <summary>The permutation that sorts along <paramref name="dim"/>.</summary>
    public Tensor Argsort(int dim = -1, bool descending = false) => ArgsortOp.Call(this, dim, descending);
    /// <summary><c>log(sum(exp(this)))</c> over <paramref name="dims"/>, computed stably.</summary>
    public Tensor LogSumExp(long[] dims, bool keepDim = false) => LogsumexpOp.Call(this, dims, keepDim);
    /// <summary>The p-norm over <paramref name="dims"/> (all elements when null).</summary>
    public Tensor Norm(double p = 2, long[]? dims = null, bool keepDim = false) => NormOp.Call(this, p, dims, keepDim);
    /// <summary>Cumulative sum along <paramref name="dim"/>.</summary>
    public Tensor CumSum(int dim) => CumsumOp.Call(this, dim);

    private static long? Of(int? v) => v;
}
