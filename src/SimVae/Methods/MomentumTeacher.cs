using SimVae.Torch;
using SimVae.Torch.Nn;

namespace SimVae.Methods;

/// <summary>
/// A momentum (EMA) teacher, shared by MoCo, BYOL and DINO: a copy of student modules whose parameters follow
/// θ_teacher ← m·θ_teacher + (1 − m)·θ_student after each optimiser step (MoCo eq. 2, BYOL eq. 1, DINO §3.1) and get
/// no gradients. Registered in its model, so its weights are in the model's state dict, hence in checkpoints (exact
/// resume) and bundles. Its batch-norm layers keep their own running statistics, as in the papers' code.
/// </summary>
public sealed class MomentumTeacher : Module<Tensor, Tensor>
{
    private readonly Tensor[] studentParameters;
    private readonly Tensor[] teacherParameters;
    private readonly Sequential network;

    /// <summary>Builds the teacher from <paramref name="copies"/> (same architecture as <paramref name="students"/>, in the same order), initialised to the students' weights.</summary>
    /// <param name="students">The student modules, applied in sequence (not owned).</param>
    /// <param name="copies">Freshly built modules of the same types and shapes (owned from now on).</param>
    public MomentumTeacher(IReadOnlyList<Module<Tensor, Tensor>> students, IReadOnlyList<Module<Tensor, Tensor>> copies)
    {
        ArgumentNullException.ThrowIfNull(students);
        ArgumentNullException.ThrowIfNull(copies);
        network = RegisterModule("network", new Sequential(copies));
        studentParameters = students.SelectMany(s => s.Parameters()).ToArray();
        teacherParameters = network.Parameters().ToArray();
        if (studentParameters.Length != teacherParameters.Length
            || studentParameters.Zip(teacherParameters).Any(p => !p.First.Shape.SequenceEqual(p.Second.Shape)))
            throw new ArgumentException("the teacher's modules must have the students' architecture", nameof(copies));
        using var noGrad = Autograd.NoGrad();
        foreach (var (s, t) in studentParameters.Zip(teacherParameters))
        {
            t.Copy_(s);
            t.RequiresGrad = false;
        }
    }

    /// <summary>θ_teacher ← m·θ_teacher + (1 − m)·θ_student for every parameter.</summary>
    /// <param name="momentum">m in [0, 1] (1 keeps the teacher, 0 copies the student).</param>
    public void Update(double momentum)
    {
        if (!(momentum is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1]");
        using var noGrad = Autograd.NoGrad();
        foreach (var (s, t) in studentParameters.Zip(teacherParameters)) t.Mul_(momentum).Add_(s, 1 - momentum);
    }

    /// <summary>The teacher's output, without gradients.</summary>
    public override Tensor Forward(Tensor input)
    {
        using var noGrad = Autograd.NoGrad();
        return network.Forward(input);
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
