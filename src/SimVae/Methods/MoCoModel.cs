using SimVae.Backbones;
using SimVae.Engine;
using SimVae.Losses;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace SimVae.Methods;

/// <summary>
/// MoCo v2: queries from view 1 through backbone and head, keys from view 2 through the momentum teacher, InfoNCE
/// against the queue (<see cref="InfoNceLoss"/>); each step's keys then replace the oldest in the queue. The queue and
/// its write position are buffers (<c>queue</c>, <c>queue_position</c>), so checkpoints hold them.
/// </summary>
public sealed class MoCoModel : MomentumModel
{
    // Not readonly: moving the model to a device replaces its buffers through the fields named after them.
    private Tensor queue;
    [ComponentName(Name = "queue_position")]
    private Tensor position;

    /// <summary>Creates the model; the queue starts as random unit vectors (as MoCo's code).</summary>
    public MoCoModel(MoCoOptions options)
        : base(options, d => ProjectionHead.Create([d, options.ProjectionHidden, options.ProjectionDim], batchNorm: options.HeadBatchNorm))
    {
        using (var random = randn([options.QueueSize, options.ProjectionDim], device: ModuleAllocation.Device)) queue = nn.functional.normalize(random, dim: 1).DetachFromDisposeScope();
        position = zeros([1], ScalarType.Int64, ModuleAllocation.Device).DetachFromDisposeScope();
        register_buffer("queue", queue);
        register_buffer("queue_position", position);
    }

    /// <inheritdoc />
    public override LossTerms Loss(Tensor views)
    {
        long n = ImagesIn(views);
        var o = (MoCoOptions)Options;
        using var scope = NewDisposeScope();
        var queries = Embed(views.narrow(0, 0, n));
        var keys = MixedPrecision.ToFloat32(Teacher.forward(views.narrow(0, n, n)));
        using var float32 = MixedPrecision.Disable();
        var terms = InfoNceLoss.Compute(queries, keys, queue, o.Temperature);
        if (training) Enqueue(nn.functional.normalize(keys, dim: 1));
        return terms.MoveToOuterScope();
    }

    /// <summary>Writes <paramref name="keys"/> over the oldest entries (wrapping around the end).</summary>
    private void Enqueue(Tensor keys)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long size = queue.size(0), n = keys.size(0), start = position.cpu().item<long>();
        long first = Math.Min(n, size - start);
        queue.narrow(0, start, first).copy_(keys.narrow(0, 0, first));
        if (first < n) queue.narrow(0, 0, n - first).copy_(keys.narrow(0, first, n - first));
        position.fill_((start + n) % size);
    }
}
