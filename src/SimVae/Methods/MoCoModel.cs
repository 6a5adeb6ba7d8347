using SimVae.Backbones;
using SimVae.Losses;
using SimVae.Torch;

namespace SimVae.Methods;

/// <summary>
/// MoCo v2: queries from view 1 through backbone and head, keys from view 2 through the momentum teacher, InfoNCE
/// against the queue (<see cref="InfoNceLoss"/>); each step's keys then replace the oldest in the queue. The queue and
/// its write position are buffers (<c>queue</c>, <c>queue_position</c>), so checkpoints hold them.
/// </summary>
public sealed class MoCoModel : MomentumModel
{
    private readonly Tensor queue;
    private readonly Tensor position;

    /// <summary>Creates the model; the queue starts as random unit vectors (as MoCo's code).</summary>
    public MoCoModel(MoCoOptions options)
        : base(options, d => ProjectionHead.Create([d, options.ProjectionHidden, options.ProjectionDim], batchNorm: options.HeadBatchNorm))
    {
        using var scope = DisposeScope.Open();
        queue = RegisterBuffer("queue", Functional.Normalize(Tensor.Randn([options.QueueSize, options.ProjectionDim]), dim: 1));
        position = RegisterBuffer("queue_position", Tensor.Zeros([1], ScalarType.Int64));
    }

    /// <inheritdoc />
    public override LossTerms Loss(Tensor views)
    {
        long n = ImagesIn(views);
        var o = (MoCoOptions)Options;
        using var scope = DisposeScope.Open();
        var queries = Embed(views.Narrow(0, 0, n));
        var keys = Autocast.ToFloat32(Teacher.Forward(views.Narrow(0, n, n)));
        using var float32 = Autocast.Disable();
        var terms = InfoNceLoss.Compute(queries, keys, queue, o.Temperature);
        if (Training) Enqueue(Functional.Normalize(keys, dim: 1));
        return terms.MoveToOuterScope();
    }

    /// <summary>Writes <paramref name="keys"/> over the oldest entries (wrapping around the end).</summary>
    private void Enqueue(Tensor keys)
    {
        using var noGrad = Autograd.NoGrad();
        using var scope = DisposeScope.Open();
        long size = queue.Size(0), n = keys.Size(0), start = position.Reshape(1).Item<long>();
        long first = Math.Min(n, size - start);
        queue.Narrow(0, start, first).Copy_(keys.Narrow(0, 0, first));
        if (first < n) queue.Narrow(0, 0, n - first).Copy_(keys.Narrow(0, first, n - first));
        position.Fill_((start + n) % size);
    }
}
