using System.Numerics;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SimVae.Engine;

/// <summary>
/// Adam (Kingma &amp; Ba 2015, PyTorch's formulation: L2 weight decay added to the gradient) with the whole update of a
/// parameter in one pass over its memory, for float32 parameters on the CPU. TorchSharp's <see cref="Adam"/> makes eight
/// libtorch calls per parameter, each a full pass over megabytes (the authors' MLP: 5.7 M parameters), which cost more
/// than the forward and backward passes together; one fused pass reads parameter, gradient and both moments once and
/// writes three of them once. State, parameter groups, learning-rate schedules and state dicts are <see cref="Adam"/>'s
/// own, so checkpoints written by either load into the other. A step with any parameter that is not a contiguous
/// float32 CPU tensor (a GPU run) runs <see cref="Adam"/>'s own step.
/// </summary>
public sealed class FusedAdam : Adam
{
    private const int ChunkElements = 1 << 16;

    /// <summary>Creates the optimiser over <paramref name="groups"/> (each group may override the rate and the other options).</summary>
    public FusedAdam(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
        : base(groups, lr, beta1, beta2, eps, weightDecay)
    {
    }

    /// <inheritdoc />
    public override Tensor step(Func<Tensor>? closure = null)
    {
        if (!parameters().All(Fusable)) return base.step(closure!);
        return _step<ParamGroup>(group =>
        {
            var options = (Options)group.Options;
            var (beta1, beta2, eps, decay, lr) = (options.beta1!.Value, options.beta2!.Value, options.eps!.Value, options.weight_decay!.Value, options.LearningRate!.Value);
            if (options.amsgrad == true || options.maximize == true)
                throw new NotSupportedException("FusedAdam implements plain Adam (no AMSGrad, no maximize)");
            foreach (var param in group.Parameters)
            {
                using var grad = param.grad;
                if (grad is null) continue;
                var state = (State)_state[param.Handle];
                state.step += 1;
                var coefficients = new Coefficients(
                    (float)beta1, (float)beta2, (float)eps, (float)decay,
                    StepSize: (float)(lr / (1 - Math.Pow(beta1, state.step))),
                    InverseRootBiasCorrection2: (float)(1 / Math.Sqrt(1 - Math.Pow(beta2, state.step))));
                Update(param, grad, state.exp_avg, state.exp_avg_sq, coefficients);
            }
        }, closure);
    }

    private static bool Fusable(Parameter p) =>
        p.device_type == DeviceType.CPU && p.dtype == ScalarType.Float32 && p.is_contiguous() &&
        (p.grad is not { } g || (g.dtype == ScalarType.Float32 && g.is_contiguous()));

    private readonly record struct Coefficients(float Beta1, float Beta2, float Eps, float Decay, float StepSize, float InverseRootBiasCorrection2);

    // Chunks run in parallel on libtorch's thread count; each chunk is one vectorised pass.
    private static unsafe void Update(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Coefficients c)
    {
        long n = param.numel();
        float* p = Pointer(param), g = Pointer(grad), m = Pointer(expAvg), v = Pointer(expAvgSq);
        long chunks = (n + ChunkElements - 1) / ChunkElements;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, torch.get_num_threads()) };
        if (chunks == 1) Kernel(p, g, m, v, 0, n, c);
        else Parallel.For(0, chunks, parallel, k => Kernel(p, g, m, v, k * ChunkElements, Math.Min(n, (k + 1) * ChunkElements), c));
    }

    private static unsafe float* Pointer(Tensor t)
    {
        var bytes = t.bytes;
        return (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref MemoryMarshal.GetReference(bytes));
    }

    // g ← g + λ·p; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − (lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε).
    private static unsafe void Kernel(float* p, float* g, float* m, float* v, long start, long end, Coefficients c)
    {
        long i = start;
        int width = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var (b1, b2, oneMinusB1, oneMinusB2) = (new Vector<float>(c.Beta1), new Vector<float>(c.Beta2), new Vector<float>(1 - c.Beta1), new Vector<float>(1 - c.Beta2));
            var (eps, decay, stepSize, invRoot) = (new Vector<float>(c.Eps), new Vector<float>(c.Decay), new Vector<float>(c.StepSize), new Vector<float>(c.InverseRootBiasCorrection2));
            for (; i + width <= end; i += width)
            {
                var pv = Vector.Load(p + i);
                var gv = Vector.Load(g + i) + decay * pv;
                var mv = b1 * Vector.Load(m + i) + oneMinusB1 * gv;
                var vv = b2 * Vector.Load(v + i) + oneMinusB2 * gv * gv;
                mv.Store(m + i);
                vv.Store(v + i);
                (pv - stepSize * mv / (Vector.SquareRoot(vv) * invRoot + eps)).Store(p + i);
            }
        }
        for (; i < end; i++)
        {
            float gi = g[i] + c.Decay * p[i];
            float mi = m[i] = c.Beta1 * m[i] + (1 - c.Beta1) * gi;
            float vi = v[i] = c.Beta2 * v[i] + (1 - c.Beta2) * gi * gi;
            p[i] -= c.StepSize * mi / (MathF.Sqrt(vi) * c.InverseRootBiasCorrection2 + c.Eps);
        }
    }
}
