using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Distributed;

/// <summary>
/// The differentiable all-gather of <see cref="ProcessGroup.AllGather"/> as an autograd function. Forward: [n, ...] →
/// [world·n, ...]. Backward: the gradient of every rank's loss with respect to this rank's rows is the sum over ranks of
/// their gradients of the gathered tensor at those rows, so the incoming gradient is all-reduced (summed) and this
/// rank's slice is returned.
/// </summary>
internal sealed class AllGatherFunction : autograd.SingleTensorFunction<AllGatherFunction>
{
    /// <inheritdoc />
    public override string Name => "SimVaeAllGather";

    /// <summary>Arguments: the input tensor and the <see cref="ProcessGroup"/>.</summary>
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var group = (ProcessGroup)vars[1];
        ctx.save_data("group", group);
        ctx.save_data("rows", input.shape[0]);
        return group.GatherRows(input);
    }

    /// <summary>The gradient of the input, and none for the group.</summary>
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var group = (ProcessGroup)ctx.get_data("group");
        return [group.GatherBackward(grad_output, (long)ctx.get_data("rows")), null!];
    }
}
