using SimVae.Backbones;
using SimVae.Engine;
using SimVae.Losses;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace SimVae.Methods;

/// <summary>
/// DINO's head (Caron et al. 2021, §3.1 and its code): an MLP d → hidden → hidden → bottleneck with GELU, then
/// L2 normalisation and a weight-normalised Linear to K outputs without bias whose norm is fixed at 1 (each output
/// row of the weight is divided by its norm). State dict: <c>mlp.*</c>, <c>last_weight</c>.
/// </summary>
public sealed class DinoHead : nn.Module<Tensor, Tensor>
{
    private readonly Sequential mlp;
    // Not readonly: moving the module to a device replaces its parameters through the fields named after them.
    [ComponentName(Name = "last_weight")]
    private Parameter lastWeight;

    /// <summary>Creates the head.</summary>
    /// <param name="inputs">Input width (the backbone's d).</param>
    /// <param name="hidden">Hidden width of the MLP.</param>
    /// <param name="bottleneck">Width before the normalised last layer.</param>
    /// <param name="outputs">K.</param>
    /// <param name="batchNorm">Batch norm after the hidden layers (DINO's <c>use_bn_in_head</c>).</param>
    public DinoHead(long inputs, long hidden, long bottleneck, long outputs, bool batchNorm) : base(nameof(DinoHead))
    {
        mlp = ProjectionHead.Create([inputs, hidden, hidden, bottleneck], batchNorm, gelu: true);
        using (no_grad()) lastWeight = new Parameter(randn([outputs, bottleneck], device: ModuleAllocation.Device).mul_(1 / Math.Sqrt(bottleneck)));
        lastWeight.DetachFromDisposeScope();
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        // The normalised last layer runs in float32: its weight is normalised on every call, outside the bf16 layers.
        var x = nn.functional.normalize(MixedPrecision.ToFloat32(mlp.forward(input)), dim: 1);
        return nn.functional.linear(x, nn.functional.normalize(lastWeight, dim: 1)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// DINO: the student (backbone + <see cref="DinoHead"/>) sees every crop, the teacher the two global crops;
/// <see cref="DinoLoss"/> with the teacher temperature of the current step; the centre (buffer <c>center</c>) follows the
/// teacher outputs' batch mean after each training loss.
/// </summary>
public sealed class DinoModel : MomentumModel
{
    // Not readonly: moving the module to a device replaces the buffer through this field.
    private Tensor center;
    private double teacherTemperature;

    /// <summary>Creates student, teacher and centre (zeros, as DINO's code).</summary>
    public DinoModel(DinoOptions options)
        : base(options, d => new DinoHead(d, options.HeadHidden, options.HeadBottleneck, options.OutputDim, options.HeadBatchNorm))
    {
        center = zeros([1, options.OutputDim], device: ModuleAllocation.Device).DetachFromDisposeScope();
        register_buffer("center", center);
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
        using var scope = NewDisposeScope();
        var global = views.narrow(0, 0, 2 * n);
        var student = Embed(global);
        if (o.Views > 2)
        {
            var local = views.narrow(0, 2 * n, (o.Views - 2) * n);
            // Multi-crop proper: backbones with global pooling take the local crops at a lower resolution.
            if (o.SmallLocalCrops)
                local = nn.functional.interpolate(local, [o.LocalCropSize, o.LocalCropSize], mode: InterpolationMode.Bilinear, align_corners: false);
            student = cat([student, Embed(local)]);
        }
        var teacher = MixedPrecision.ToFloat32(Teacher.forward(global));
        using var float32 = MixedPrecision.Disable();
        var terms = DinoLoss.Compute(student, teacher, center, o.Views, o.StudentTemperature, teacherTemperature);
        if (training) DinoLoss.UpdateCenter(center, teacher, o.CenterMomentum);
        return terms.MoveToOuterScope();
    }
}
