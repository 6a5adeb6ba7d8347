using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SimVae.Methods;

/// <summary>
/// A momentum (EMA) teacher, shared by MoCo, BYOL and DINO: a copy of student modules whose parameters follow
/// θ_teacher ← m·θ_teacher + (1 − m)·θ_student after each optimiser step (MoCo eq. 2, BYOL eq. 1, DINO §3.1) and get
/// no gradients. Registered in its model, so its weights are in the model's state dict, hence in checkpoints (exact
/// resume) and bundles. Its batch-norm layers keep their own running statistics, as in the papers' code.
/// </summary>
public sealed class MomentumTeacher : nn.Module<Tensor, Tensor>
{
    // The students, not their parameters: moving a module to a device replaces its parameter objects.
    private readonly nn.Module<Tensor, Tensor>[] students;
    private readonly Sequential network;

    /// <summary>Builds the teacher from <paramref name="copies"/> (same architecture as <paramref name="students"/>, in the same order), initialised to the students' weights.</summary>
    /// <param name="students">The student modules, applied in sequence (not owned).</param>
    /// <param name="copies">Freshly built modules of the same types and shapes (owned from now on).</param>
    /// <exception cref="ArgumentException">The copies' parameters do not match the students' in number or shape.</exception>
    public MomentumTeacher(IReadOnlyList<nn.Module<Tensor, Tensor>> students, IReadOnlyList<nn.Module<Tensor, Tensor>> copies) : base(nameof(MomentumTeacher))
    {
        ArgumentNullException.ThrowIfNull(students);
        ArgumentNullException.ThrowIfNull(copies);
        this.students = [.. students];
        network = nn.Sequential(copies);
        var pairs = Pairs();
        if (pairs.Student.Length != pairs.Teacher.Length || pairs.Student.Zip(pairs.Teacher).Any(p => !p.First.shape.SequenceEqual(p.Second.shape)))
            throw new ArgumentException("the teacher's modules must have the students' architecture", nameof(copies));
        using var noGrad = no_grad();
        foreach (var (s, t) in pairs.Student.Zip(pairs.Teacher))
        {
            t.copy_(s);
            t.requires_grad = false;
        }
        register_module("network", network);
    }

    private (Parameter[] Student, Parameter[] Teacher) Pairs() => ([.. students.SelectMany(s => s.parameters())], [.. network.parameters()]);

    /// <summary>θ_teacher ← m·θ_teacher + (1 − m)·θ_student for every parameter.</summary>
    /// <param name="momentum">m in [0, 1] (1 keeps the teacher, 0 copies the student).</param>
    public void Update(double momentum)
    {
        if (!(momentum is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1]");
        using var noGrad = no_grad();
        var (student, teacher) = Pairs();
        // Scalars held in variables: an implicit double → Scalar is unreachable during the native call, and a garbage
        // collection then frees it while libtorch reads it (TorchSharp 0.107; see UpdatesSurviveGarbageCollectionsDuringTheNativeCalls).
        using Scalar keep = momentum, add = 1 - momentum;
        foreach (var (s, t) in student.Zip(teacher)) t.mul_(keep).add_(s, alpha: add);
    }

    /// <summary>The teacher's output, without gradients.</summary>
    public override Tensor forward(Tensor input)
    {
        using var noGrad = no_grad();
        return network.forward(input);
    }

    /// <summary>
    /// BYOL's cosine schedule of the momentum (Grill et al. 2020, §3.2): m_k = end − (end − start)·(cos(πk/K) + 1)/2,
    /// rising from <paramref name="start"/> at step 0 to <paramref name="end"/> at step K (DINO uses it too).
    /// </summary>
    public static double CosineMomentum(double start, double end, long step, long totalSteps)
    {
        double t = totalSteps <= 0 ? 1 : Math.Clamp((double)step / totalSteps, 0, 1);
        return end - (end - start) * (Math.Cos(Math.PI * t) + 1) / 2;
    }
}
