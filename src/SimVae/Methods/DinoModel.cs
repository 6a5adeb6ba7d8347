using SimVae.Backbones;
using SimVae.Losses;
using SimVae.Torch;
using SimVae.Torch.Nn;

namespace SimVae.Methods;

/// <summary>
/// DINO's head (Caron et al. 2021, §3.1 and its code): an MLP d → hidden → hidden → bottleneck with GELU, then
/// L2 normalisation and a weight-normalised Linear to K outputs without bias whose norm is fixed at 1 (each output
/// row of the weight is divided by its norm).
/// </summary>
public sealed class DinoHead : Module<Tensor, Tensor>
{
    private readonly Sequential mlp;
    private readonly Tensor lastWeight;

    /// <summary>Creates the head.</summary>
    /// <param name="inputs">Input width (the backbone's d).</param>
    /// <param name="hidden">Hidden width of the MLP.</param>
    /// <param name="bottleneck">Width before the normalised last layer.</param>
    /// <param name="outputs">K.</param>
    /// <param name="batchNorm">Batch norm after the hidden layers (DINO's <c>use_bn_in_head</c>).</param>
    public DinoHead(long inputs, long hidden, long bottleneck, long outputs, bool batchNorm)
    {
        mlp = RegisterModule("mlp", ProjectionHead.Create([inputs, hidden, hidden, bottleneck], batchNorm, gelu: true));
        using var scope = DisposeScope.Open();
        lastWeight = RegisterParameter("last_weight", (Tensor.Randn([outputs, bottleneck]) * (1 / Math.Sqrt(bottleneck))).Detach());
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        using var scope = DisposeScope.Open();
        var x = Functional.Normalize(mlp.Forward(input), dim: 1);
        return Functional.Linear(x, Functional.Normalize(lastWeight, dim: 1)).MoveToOuterScope();
    }
}

/// <summary>
/// DINO: the student (backbone + <see cref="DinoHead"/>) sees every crop, the teacher the two global crops;
/// <see cref="DinoLoss"/> with the teacher temperature of the current step; the centre (buffer <c>center</c>) follows the
/// teacher outputs' batch mean after each training loss.
/// </summary>
public sealed class DinoModel : MomentumModel
{
    private readonly Tensor center;
    private double teacherTemperature;

    /// <summary>Creates student, teacher and centre (zeros, as DINO's code).</summary>
    public DinoModel(DinoOptions options)
        : base(options, d => new DinoHead(d, options.HeadHidden, options.HeadBottleneck, options.OutputDim, options.HeadBatchNorm))
    {
        center = RegisterBuffer("center", Tensor.Zeros([1, options.OutputDim]));
        teacherTemperature = options.TeacherTemperatureStart;
    }

    /// <summary>τ_t at step <paramref name="step"/> of <paramref name="totalSteps"/>: linear warm-up, then constant.</summary>
    public double TeacherTemperatureAt(long step, long totalSteps)
    {
        var o = (DinoOptions)Options;
        double warmup = o.TeacherTemperatureWarmupFraction * totalSteps;
        double t = warmup <= 0 ? 1 : Math.Min(1, step / warmup);
        return o.TeacherTemperatureStart + (o.TeacherTemperature - o.TeacherTemperatureStart) * t;
    }

    /// <inheritdoc />
    public override void OnTrainingStep(long step, long totalSteps)
    {
        base.OnTrainingStep(step, totalSteps);
        teacherTemperature = TeacherTemperatureAt(step, totalSteps);
    }

    /// <inheritdoc />
    public override LossTerms Loss(Tensor views)
    {
        long n = ImagesIn(views);
        var o = (DinoOptions)Options;
        using var scope = DisposeScope.Open();
        var global = views.Narrow(0, 0, 2 * n);
        var student = Embed(global);
        if (o.Views > 2)
        {
            var local = views.Narrow(0, 2 * n, (o.Views - 2) * n);
            // Multi-crop proper: backbones with global pooling take the local crops at a lower resolution.
            if (o.SmallLocalCrops) local = Functional.Interpolate(local, o.LocalCropSize, o.LocalCropSize);
            student = Tensor.Cat([student, Embed(local)]);
        }
        var teacher = Autocast.ToFloat32(Teacher.Forward(global));
        using var float32 = Autocast.Disable();
        var terms = DinoLoss.Compute(student, teacher, center, o.Views, o.StudentTemperature, teacherTemperature);
        if (Training) DinoLoss.UpdateCenter(center, teacher, o.CenterMomentum);
        return terms.MoveToOuterScope();
    }
}
