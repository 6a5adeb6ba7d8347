using SimVae.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Methods;

/// <summary>
/// A joint-embedding method with a momentum teacher over its backbone and head (MoCo, BYOL, DINO): the teacher is
/// registered as <c>teacher</c>, excluded from the optimiser, and updated before each step's loss with the momentum
/// of <see cref="MomentumOptions"/>' schedule.
/// </summary>
public abstract class MomentumModel : JointEmbeddingModel
{
    private readonly MomentumTeacher teacher;

    /// <summary>Builds backbone, head and the teacher copy of both.</summary>
    protected MomentumModel(MomentumOptions options, Func<long, nn.Module<Tensor, Tensor>> createHead) : base(options, createHead)
    {
        var backboneCopy = BackboneFactory.Encoder(options.Backbone, options.Channels, options.Height, options.Width, options.LatentDim);
        teacher = new MomentumTeacher([Backbone, Head], [backboneCopy, createHead(options.LatentDim)]);
        register_module("teacher", teacher);
    }

    /// <summary>The teacher: EMA of backbone and head.</summary>
    protected MomentumTeacher Teacher => teacher;

    /// <summary>The momentum of the EMA update before step <paramref name="step"/> of <paramref name="totalSteps"/>.</summary>
    public double TeacherMomentumAt(long step, long totalSteps)
    {
        var o = (MomentumOptions)Options;
        return MomentumTeacher.CosineMomentum(o.TeacherMomentum, o.TeacherMomentumEnd, step, totalSteps);
    }

    /// <summary>Updates the teacher (MoCo updates its key encoder before computing keys; BYOL and DINO after each step, the same sequence).</summary>
    /// <exception cref="NotSupportedException">In a data-parallel run: MoCo's queue, DINO's centre and the teachers' batch norms would need the ranks' keys and outputs gathered, which is not implemented.</exception>
    public override void OnTrainingStep(long step, long totalSteps)
    {
        RefuseDataParallel("its queue, centre and teacher statistics are per process");
        teacher.Update(TeacherMomentumAt(step, totalSteps));
    }
}
