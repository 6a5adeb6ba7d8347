using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Losses;

/// <summary>
/// DINO's loss (Caron et al. 2021, eq. 3 and Algorithm 1): the teacher's outputs for the 2 global crops, centred and
/// sharpened, P_t = softmax((t − c)/τ_t), are targets for the student's outputs of every other crop,
/// −Σ_k P_t,k·log softmax(s/τ_s)_k, averaged over the batch and over the (global, other crop) pairs.
/// </summary>
public static class DinoLoss
{
    /// <summary>Computes the loss (term <c>teacher_entropy</c>: mean entropy of the teacher targets, a collapse signal).</summary>
    /// <param name="student">Student outputs [V·N, K], view-major (views 0 and 1 the global crops).</param>
    /// <param name="teacher">Teacher outputs of the global crops [2·N, K] (no gradient flows into them).</param>
    /// <param name="center">The centre c [1, K].</param>
    /// <param name="views">V, the crops per image (≥ 2).</param>
    /// <param name="studentTemperature">τ_s &gt; 0.</param>
    /// <param name="teacherTemperature">τ_t &gt; 0.</param>
    public static LossTerms Compute(Tensor student, Tensor teacher, Tensor center, int views, double studentTemperature, double teacherTemperature)
    {
        if (!(studentTemperature > 0)) throw new ArgumentOutOfRangeException(nameof(studentTemperature), studentTemperature, "must be positive");
        if (!(teacherTemperature > 0)) throw new ArgumentOutOfRangeException(nameof(teacherTemperature), teacherTemperature, "must be positive");
        if (views < 2 || student.dim() != 2 || student.size(0) % views != 0 || teacher.dim() != 2 || teacher.size(0) * views != student.size(0) * 2
            || teacher.size(1) != student.size(1) || center.numel() != student.size(1))
            throw new ArgumentException($"expected student [V·N, K], teacher [2·N, K] and centre [1, K] with V = {views}; got {LossTerms.Shape(student)}, {LossTerms.Shape(teacher)}, {LossTerms.Shape(center)}");
        long n = teacher.size(0) / 2;
        using var scope = NewDisposeScope();
        var logProbabilities = nn.functional.log_softmax(student / studentTemperature, 1);
        var targets = nn.functional.softmax((teacher.detach() - center.reshape(1, -1)) / teacherTemperature, 1);
        Tensor? total = null;
        int pairs = 0;
        for (int g = 0; g < 2; g++)
        {
            var target = targets.narrow(0, g * n, n);
            for (int v = 0; v < views; v++)
            {
                if (v == g) continue;
                var crossEntropy = -(target * logProbabilities.narrow(0, v * n, n)).sum(1).mean();
                total = total is null ? crossEntropy : total + crossEntropy;
                pairs++;
            }
        }
        var loss = total! / pairs;
        var entropy = -(targets * (targets + 1e-12).log()).sum(1).mean();
        return LossTerms.FromScope(loss, ("teacher_entropy", entropy));
    }

    /// <summary>c ← m·c + (1 − m)·mean over rows of <paramref name="teacher"/> (in place, no gradient).</summary>
    public static void UpdateCenter(Tensor center, Tensor teacher, double momentum)
    {
        if (!(momentum is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "must be in [0, 1]");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using Scalar keep = momentum, add = 1 - momentum;   // held: see MomentumTeacher.Update
        center.mul_(keep).add_(teacher.mean([0], keepdim: true).reshape(center.shape), alpha: add);
    }
}
