using SimVae.Torch.Nn;
using SimVae.Torch.Optim;

namespace SimVae.Torch.Tests.Optim;

// The Adam tests below (hand values, PyTorch values, fused vs reference at lr 0.1) need native/src/optim.cpp's
// adam_kernel to receive 1 − β1 and 1 − β2 computed in double: computing (1.0f − b2) from β2 = 0.999f gives
// 0.00099998713 instead of 0.001, a 1.3e-5 relative error in v and a 6.5e-6 relative error in every Adam step
// (PyTorch computes 1 − β2 in double). They fail by ~1.3e-6 until that one-line native fix is applied.
[TestClass]
public class OptimizerTests
{
    private static readonly double[] P0 = [1, -2, 3];
    private static readonly double[] G1 = [0.5, -1, 2];
    private static readonly double[] G2 = [1, 1, -1];

    private static Tensor Param(double[] values, ScalarType dtype = ScalarType.Float32)
    {
        using var d = Tensor.FromArray(values);
        return d.To(dtype).RequiresGrad_();
    }

    private static void SetGrad(Tensor p, double[] g)
    {
        using var d = Tensor.FromArray(g);
        using var t = d.To(p.DType);
        p.Grad = t;
    }

    private static double[] Values(Tensor t)
    {
        using var d = t.To(ScalarType.Float64);
        return d.ToArray<double>();
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.AreEqual(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
            Assert.AreEqual(expected[k], actual[k], tolerance, $"element {k}: expected {expected[k]}, got {actual[k]}");
    }

    [TestMethod]
    public void AdamTwoStepsEqualHandComputedValues()
    {
        using var p = Param(P0);
        using var opt = new Adam([p], lr: 0.1);
        SetGrad(p, G1);
        opt.Step();
        // Step 1: m = 0.1·g = [0.05, −0.1, 0.2], v = 0.001·g² = [0.00025, 0.001, 0.004];
        // m̂ = m/(1−0.9) = g, v̂ = v/(1−0.999) = g²  →  θ −= 0.1·g/(|g| + 1e-8) ≈ 0.1·sign(g).
        double[] p1 = [1 - 0.1 * 0.5 / (0.5 + 1e-8), -2 + 0.1 * 1 / (1 + 1e-8), 3 - 0.1 * 2 / (2 + 1e-8)];
        AssertClose(p1, Values(p), 1e-6);
        SetGrad(p, G2);
        opt.Step();
        // Step 2 (g = [1, 1, −1]): m = 0.9·m + 0.1·g = [0.145, 0.01, 0.08];
        // v = 0.999·v + 0.001·g² = [0.00124975, 0.001999, 0.004996];
        // bias corrections 1 − 0.9² = 0.19 and 1 − 0.999² = 0.001999.
        double[] m = [0.145, 0.01, 0.08];
        double[] v = [0.00124975, 0.001999, 0.004996];
        var p2 = new double[3];
        for (int k = 0; k < 3; k++) p2[k] = p1[k] - 0.1 / 0.19 * m[k] / (Math.Sqrt(v[k]) / Math.Sqrt(0.001999) + 1e-8);
        // = [0.9 − 0.0965.., −1.9 − 0.00526.., 2.9 − 0.02663..]
        AssertClose(p2, Values(p), 1e-6);
        Assert.AreEqual(2L, opt.StepCount);
    }

    [TestMethod]
    public void AdamWDecaysWeightsBeforeTheAdamUpdate()
    {
        using var p = Param(P0);
        using var opt = new AdamW([p], lr: 0.1, weightDecay: 0.1);
        SetGrad(p, G1);
        opt.Step();
        // θ ← θ·(1 − 0.1·0.1) = θ·0.99, then the same Adam update as above (moments do not see θ in AdamW):
        // [0.99 − 0.1, −1.98 + 0.1, 2.97 − 0.1] = [0.89, −1.88, 2.87] (up to ε).
        double[] p1 = [0.99 - 0.1 * 0.5 / (0.5 + 1e-8), -1.98 + 0.1 / (1 + 1e-8), 2.97 - 0.1 * 2 / (2 + 1e-8)];
        AssertClose(p1, Values(p), 1e-6);
        SetGrad(p, G2);
        opt.Step();
        double[] m = [0.145, 0.01, 0.08];
        double[] v = [0.00124975, 0.001999, 0.004996];
        var p2 = new double[3];
        for (int k = 0; k < 3; k++) p2[k] = 0.99 * p1[k] - 0.1 / 0.19 * m[k] / (Math.Sqrt(v[k]) / Math.Sqrt(0.001999) + 1e-8);
        AssertClose(p2, Values(p), 1e-6);
    }

    [TestMethod]
    public void AdamL2WeightDecayAddsToTheGradient()
    {
        using var p = Param([2, 2, 2]);
        using var opt = new Adam([p], lr: 0.01, weightDecay: 0.5);
        SetGrad(p, [-2, -1, 0]);
        opt.Step();
        // g' = g + 0.5·θ = [−1, 0, 1] → first step moves by −0.01·sign(g') (0 where g' = 0).
        AssertClose([2.01, 2, 1.99], Values(p), 1e-6);
    }

    [TestMethod]
    public void SgdNesterovWithWeightDecayEqualsHandValues()
    {
        using var p = Param(P0);
        using var opt = new Sgd([p], lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true);
        SetGrad(p, G1);
        opt.Step();
        // d = g + 0.01·θ = [0.51, −1.02, 2.03]; b = d (first step); d ← d + 0.9·b = 1.9·d = [0.969, −1.938, 3.857]
        // θ = θ − 0.1·d = [0.9031, −1.8062, 2.6143]
        AssertClose([0.9031, -1.8062, 2.6143], Values(p), 1e-6);
        SetGrad(p, G2);
        opt.Step();
        // d = [1, 1, −1] + 0.01·θ = [1.009031, 0.981938, −0.973857]
        // b = 0.9·[0.51, −1.02, 2.03] + d = [1.468031, 0.063938, 0.853143]
        // d ← d + 0.9·b = [2.3302589, 1.0394822, −0.2060283];  θ = θ − 0.1·d
        AssertClose([0.9031 - 0.23302589, -1.8062 - 0.10394822, 2.6143 + 0.02060283], Values(p), 1e-6);
    }

    [TestMethod]
    public void SgdMomentumWithDampeningEqualsHandValues()
    {
        using var p = Param(P0);
        using var opt = new Sgd([p], lr: 0.1, momentum: 0.9, dampening: 0.5);
        SetGrad(p, G1);
        opt.Step();
        // First step: b = g (no dampening, as PyTorch) → θ = [0.95, −1.9, 2.8]
        AssertClose([0.95, -1.9, 2.8], Values(p), 1e-6);
        SetGrad(p, G2);
        opt.Step();
        // b = 0.9·[0.5, −1, 2] + 0.5·[1, 1, −1] = [0.95, −0.4, 1.3] → θ = [0.855, −1.86, 2.67]
        AssertClose([0.855, -1.86, 2.67], Values(p), 1e-6);
    }

    [TestMethod]
    public void LarsScalesTheStepByTheTrustRatio()
    {
        using var w = Param([3, 4, 0]);
        using var opt = new Lars([w], lr: 1, momentum: 0.9, eta: 0.001, weightDecay: 0.01);
        SetGrad(w, [0.3, 0, 0.4]);
        opt.Step();
        // ‖θ‖ = 5, ‖g‖ = 0.5 → λ = 1·0.001·5/(0.5 + 0.01·5) = 0.005/0.55 = 0.00909090..
        // d = g + 0.01·θ = [0.33, 0.04, 0.4]; b = d;  θ = θ − λ·b
        double l1 = 0.005 / 0.55;
        double[] p1 = [3 - l1 * 0.33, 4 - l1 * 0.04, -l1 * 0.4];
        AssertClose(p1, Values(w), 1e-6);
        SetGrad(w, [0.3, 0, 0.4]);
        opt.Step();
        // Step 2: λ = 0.001·‖θ1‖/(0.5 + 0.01·‖θ1‖); d = g + 0.01·θ1; b = 0.9·[0.33, 0.04, 0.4] + d; θ2 = θ1 − λ·b
        double n1 = Math.Sqrt(p1.Sum(x => x * x));
        double l2 = 0.001 * n1 / (0.5 + 0.01 * n1);
        double[] g = [0.3, 0, 0.4];
        double[] b1 = [0.33, 0.04, 0.4];
        var p2 = new double[3];
        for (int k = 0; k < 3; k++) p2[k] = p1[k] - l2 * (0.9 * b1[k] + g[k] + 0.01 * p1[k]);
        AssertClose(p2, Values(w), 1e-6);
    }

    [TestMethod]
    public void LarsCanExcludeOneDimensionalParameters()
    {
        using var weight = Tensor.FromArray(new float[] { 3, 4, 0 }, [1, 3]).RequiresGrad_();
        using var bias = Param([3, 4, 0]);
        using var opt = new Lars([weight, bias], lr: 1, momentum: 0.9, eta: 0.001, weightDecay: 0.01, excludeOneDimensional: true);
        SetGrad(bias, [0.3, 0, 0.4]);
        using (var g = Tensor.FromArray(new float[] { 0.3f, 0, 0.4f }, [1, 3])) weight.Grad = g;
        opt.Step();
        // The 2-D weight is adapted (λ = 0.005/0.55, with weight decay); the 1-D bias takes plain SGD at lr 1, no decay.
        double l1 = 0.005 / 0.55;
        AssertClose([3 - l1 * 0.33, 4 - l1 * 0.04, -l1 * 0.4], Values(weight).ToArray(), 1e-6);
        AssertClose([2.7, 4, -0.4], Values(bias), 1e-6);
    }

    [TestMethod]
    public void FusedAdamOverSeveralTensorsAgreesWithFloat64Reference()
    {
        // Several tensors in one fused step, with 2 optimizer threads: the large ones are split between the threads,
        // the small ones (below the parallel grain) run on the calling thread before, between and after them.
        long[] sizes = [5, 70_000, 3, 40_001];
        int before = TorchRuntime.Threads;
        TorchRuntime.SetThreads(1, blasThreads: 2);
        TorchRuntime.ManualSeed(11);
        using var scope = DisposeScope.Open();
        try
        {
            var p64 = sizes.Select(n => Tensor.Randn([n], ScalarType.Float64).RequiresGrad_()).ToArray();
            var p32 = p64.Select(p => p.Detach().To(ScalarType.Float32).RequiresGrad_()).ToArray();
            using var o32 = new Adam(p32, lr: 0.1, weightDecay: 1e-2);
            using var o64 = new Adam(p64, lr: 0.1, weightDecay: 1e-2);
            for (int step = 0; step < 3; step++)
            {
                for (int k = 0; k < sizes.Length; k++)
                {
                    var g = Tensor.Randn([sizes[k]], ScalarType.Float64);
                    p64[k].Grad = g;
                    p32[k].Grad = g.To(ScalarType.Float32);
                }
                o32.Step();
                o64.Step();
            }
            for (int k = 0; k < sizes.Length; k++)
            {
                double maxDiff = (p32[k].To(ScalarType.Float64) - p64[k]).Abs().Max().ToDouble();
                Assert.IsTrue(maxDiff < 1e-6, $"tensor {k} ({sizes[k]} elements): max |fused − reference| = {maxDiff}");
            }
        }
        finally
        {
            TorchRuntime.SetThreads(before);
        }
    }

    [TestMethod]
    public void FusedFloat32StepsAgreeWithFloat64Reference()
    {
        // float32 contiguous CPU tensors take the fused kernel; float64 ones take the ATen fallback (the
        // reference arithmetic of torch.optim). 100k elements span several parallel chunks. The learning rates are
        // large enough that a relative error of 1e-5 in the step (e.g. 1 − β2 rounded in float32) shows up.
        const int n = 100_000;
        TorchRuntime.ManualSeed(7);
        using var init = Tensor.Randn([n], ScalarType.Float64);
        var grads = Enumerable.Range(0, 3).Select(_ => Tensor.Randn([n], ScalarType.Float64).DetachFromScope()).ToArray();
        try
        {
            foreach (var make in new Func<Tensor, Optimizer>[]
            {
                p => new Adam([p], lr: 0.1, weightDecay: 1e-2),
                p => new AdamW([p], lr: 0.1, weightDecay: 0.1),
                p => new Sgd([p], lr: 0.05, momentum: 0.9, weightDecay: 1e-3, nesterov: true),
                p => new Sgd([p], lr: 0.05),
                p => new Lars([p], lr: 1, momentum: 0.9, weightDecay: 1e-4),
            })
            {
                using var p32 = init.To(ScalarType.Float32).RequiresGrad_();
                using var p64 = init.Clone().RequiresGrad_();
                using var o32 = make(p32);
                using var o64 = make(p64);
                foreach (var g in grads)
                {
                    using (var g32 = g.To(ScalarType.Float32)) p32.Grad = g32;
                    p64.Grad = g;
                    o32.Step();
                    o64.Step();
                }
                using var a = p32.To(ScalarType.Float64);
                using var diff = (a - p64).Abs();
                double maxDiff = diff.Max().ToDouble();
                Assert.IsTrue(maxDiff < 1e-6, $"{o32.GetType().Name}: max |fused − reference| = {maxDiff}");
                using var moved = (p64 - init).Abs();
                Assert.IsTrue(moved.Max().ToDouble() > 1e-3, $"{o32.GetType().Name} did not move the parameters");
            }
        }
        finally
        {
            foreach (var g in grads) g.Dispose();
        }
    }

    [TestMethod]
    public void LinearAdamStepsMatchPyTorch()
    {
        // /usr/bin/python3 (PyTorch 1.13.1):
        //   l = nn.Linear(3, 2)
        //   with torch.no_grad():
        //       l.weight.copy_(torch.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]])); l.bias.copy_(torch.tensor([0.05, -0.05]))
        //   opt = torch.optim.Adam(l.parameters(), lr=0.1)
        //   x = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]]); y = torch.tensor([[0.5, -1.0], [1.0, 0.0]])
        //   for _ in range(2):
        //       opt.zero_grad(); loss = ((l(x) - y) ** 2).mean(); loss.backward(); opt.step()
        //   print(l.weight.flatten().tolist(), l.bias.tolist())
        using var linear = new Linear(3, 2);
        using (var w = Tensor.FromArray(new float[] { 0.1f, -0.2f, 0.3f, 0.4f, 0.5f, -0.6f }, [2, 3]))
        using (var b = Tensor.FromArray(new float[] { 0.05f, -0.05f }))
            linear.LoadStateDict(new Dictionary<string, Tensor> { ["weight"] = w, ["bias"] = b });
        using var opt = new Adam(linear.Parameters(), lr: 0.1);
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, -1, 0.5f, 2 }, [2, 3]);
        using var y = Tensor.FromArray(new float[] { 0.5f, -1, 1, 0 }, [2, 2]);
        for (int step = 0; step < 2; step++)
        {
            using var scope = DisposeScope.Open();
            opt.ZeroGrad();
            var loss = Functional.MseLoss(linear.Forward(x), y);
            loss.Backward();
            opt.Step();
        }
        AssertClose([-0.09660961478948593, -0.37844645977020264, 0.4236967861652374, 0.20059001445770264, 0.30314791202545166, -0.4239282011985779],
            Values(linear.Weight), 1e-6);
        AssertClose([0.20725339651107788, 0.14232070744037628], Values(linear.Bias!), 1e-6);
    }

    private static void TrainSteps(Linear model, Optimizer opt, Tensor x, Tensor y, int steps, long firstStep)
    {
        var schedule = new CosineWithWarmupSchedule(0.05, 2, 10);
        for (int k = 0; k < steps; k++)
        {
            using var scope = DisposeScope.Open();
            opt.LearningRate = schedule.At(firstStep + k);
            opt.ZeroGrad();
            var loss = Functional.MseLoss(model.Forward(x), y);
            loss.Backward();
            opt.Step();
        }
    }

    [TestMethod]
    public void SavedStateResumesExactly()
    {
        foreach (var make in new Func<IEnumerable<Tensor>, Optimizer>[]
        {
            ps => new Adam(ps, weightDecay: 1e-3),
            ps => new AdamW(ps),
            ps => new Sgd(ps, lr: 0.1, momentum: 0.9, nesterov: true),
            ps => new Lars(ps, lr: 0.1, weightDecay: 1e-4, excludeOneDimensional: true),
        })
        {
            TorchRuntime.ManualSeed(3);
            using var x = Tensor.Randn([16, 5]);
            using var y = Tensor.Randn([16, 2]);
            using var uninterrupted = new Linear(5, 2);
            using var resumed = new Linear(5, 2);
            using var opt = make(uninterrupted.Parameters());
            TrainSteps(uninterrupted, opt, x, y, 3, 0);

            // Checkpoint: model and optimizer state.
            var modelState = uninterrupted.StateDict();
            var optState = opt.StateTensors();
            resumed.LoadStateDict(modelState);
            using var opt2 = make(resumed.Parameters());
            opt2.LoadStateTensors(optState);
            foreach (var t in modelState.Values.Concat(optState.Values)) t.Dispose();
            Assert.AreEqual(3L, opt2.StepCount);
            Assert.AreEqual(opt.LearningRate, opt2.LearningRate);

            TrainSteps(uninterrupted, opt, x, y, 4, 3);
            TrainSteps(resumed, opt2, x, y, 4, 3);
            CollectionAssert.AreEqual(Values(uninterrupted.Weight), Values(resumed.Weight), opt.GetType().Name);
            CollectionAssert.AreEqual(Values(uninterrupted.Bias!), Values(resumed.Bias!), opt.GetType().Name);
        }
    }

    [TestMethod]
    public void StateTensorsNamesAndLoadErrors()
    {
        using var a = Param(P0);
        using var b = Param([1, 2]);
        using var opt = new Adam([a, b]);
        SetGrad(a, G1);
        opt.Step();
        var state = opt.StateTensors();
        try
        {
            CollectionAssert.AreEquivalent(
                new[] { "step", "param_groups.0.lr", "param_groups.0.weight_decay", "state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq" },
                state.Keys.ToArray());
            Assert.AreEqual(1L, state["state.0.step"].Item<long>());
            // Copies, not views: a later step does not change the checkpoint.
            var saved = Values(state["state.0.exp_avg"]);
            SetGrad(a, G2);
            opt.Step();
            CollectionAssert.AreEqual(saved, Values(state["state.0.exp_avg"]));

            using var wrongShape = Tensor.Zeros(2);
            var bad = new Dictionary<string, Tensor>(state) { ["state.0.exp_avg"] = wrongShape };
            var e1 = Assert.ThrowsExactly<InvalidOperationException>(() => opt.LoadStateTensors(bad));
            StringAssert.Contains(e1.Message, "'state.0.exp_avg' has shape [2] but parameter 0 has [3]");
            var unknown = new Dictionary<string, Tensor>(state) { ["state.0.momentum_buffer"] = state["state.0.exp_avg"] };
            var e2 = Assert.ThrowsExactly<InvalidOperationException>(() => opt.LoadStateTensors(unknown));
            StringAssert.Contains(e2.Message, "unexpected key 'state.0.momentum_buffer'");
            var outOfRange = new Dictionary<string, Tensor>(state) { ["state.5.step"] = state["state.0.step"] };
            Assert.ThrowsExactly<InvalidOperationException>(() => opt.LoadStateTensors(outOfRange));
            Assert.AreEqual(2L, opt.StepCount, "failed loads change nothing");
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    [TestMethod]
    public void ParamGroupsLearningRatesAndSkippedParameters()
    {
        using var a = Param(P0);
        using var b = Param(P0);
        using var c = Param(P0);
        using var opt = new Sgd([new ParamGroup([a]), new ParamGroup([b, c], learningRate: 1.0, weightDecay: 0.5)], lr: 0.1);
        Assert.AreEqual(0.1, opt.ParamGroups[0].LearningRate);
        Assert.AreEqual(1.0, opt.ParamGroups[1].LearningRate);
        Assert.AreEqual(0.0, opt.ParamGroups[0].WeightDecay);
        SetGrad(a, [1, 1, 1]);
        SetGrad(b, [1, 1, 1]);
        opt.Step(); // c has no gradient: skipped
        AssertClose([0.9, -2.1, 2.9], Values(a), 1e-6);
        // b: d = 1 + 0.5·θ = [1.5, 0, 2.5], lr 1
        AssertClose([-0.5, -2, 0.5], Values(b), 1e-6);
        AssertClose(P0, Values(c), 0);
        opt.LearningRate = 0.01;
        Assert.IsTrue(opt.ParamGroups.All(g => g.LearningRate == 0.01));
        opt.ZeroGrad();
        Assert.IsTrue(new[] { a, b, c }.All(p => { using var g = p.Grad; return g is null; }));
        Assert.ThrowsExactly<ArgumentException>(() => new Sgd([a, a], lr: 0.1));
        Assert.ThrowsExactly<ArgumentException>(() => new Sgd([b], lr: 0.1, momentum: 0, nesterov: true));
    }

    [TestMethod]
    public void AdamBiasCorrectionUsesEachParametersOwnStepCount()
    {
        using var a = Param(P0);
        using var b = Param(P0);
        using var opt = new Adam([a, b], lr: 0.1);
        SetGrad(a, G1);
        opt.Step(); // b has no gradient yet
        SetGrad(a, G2);
        SetGrad(b, G1);
        opt.Step();
        // b's first update is a first Adam step (bias-corrected with t = 1): ≈ 0.1·sign(g).
        AssertClose([0.9, -1.9, 2.9], Values(b), 1e-6);
        var state = opt.StateTensors();
        try
        {
            Assert.AreEqual(2L, state["state.0.step"].Item<long>());
            Assert.AreEqual(1L, state["state.1.step"].Item<long>());
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    [TestMethod]
    public void StepsDoNotLeakTensors()
    {
        using var model = new Linear(4, 3);
        using var opt = new Adam(model.Parameters());
        using var x = Tensor.Randn([8, 4]);
        void Step()
        {
            using var scope = DisposeScope.Open();
            opt.ZeroGrad();
            model.Forward(x).Sum().Backward();
            opt.Step();
        }
        Step();
        long live = TorchRuntime.LiveTensorCount;
        for (int k = 0; k < 3; k++) Step();
        Assert.AreEqual(live, TorchRuntime.LiveTensorCount);
    }

    [TestMethod]
    public void SchedulesAtChosenSteps()
    {
        var constant = new ConstantSchedule(0.3);
        Assert.AreEqual(0.3, constant.At(0));
        Assert.AreEqual(0.3, constant.At(1_000_000));

        var cosine = new CosineWithWarmupSchedule(baseLr: 1.0, warmupSteps: 10, totalSteps: 110, finalLr: 0.1);
        Assert.AreEqual(0.1, cosine.At(0), 1e-12);    // 1·(0+1)/10
        Assert.AreEqual(0.5, cosine.At(4), 1e-12);    // 1·5/10
        Assert.AreEqual(1.0, cosine.At(9), 1e-12);    // end of warm-up
        Assert.AreEqual(1.0, cosine.At(10), 1e-12);   // t = 0: cos 0 = 1
        Assert.AreEqual(0.55, cosine.At(60), 1e-12);  // t = 0.5: 0.1 + 0.9·(1 + 0)/2
        Assert.AreEqual(0.1 + 0.9 * (1 + Math.Cos(Math.PI * 0.25)) / 2, cosine.At(35), 1e-12);
        Assert.AreEqual(0.1, cosine.At(110), 1e-12);
        Assert.AreEqual(0.1, cosine.At(500), 1e-12);
        Assert.AreEqual(0.0, new CosineWithWarmupSchedule(2, 0, 4).At(4), 1e-12);
        Assert.AreEqual(1.0, new CosineWithWarmupSchedule(2, 0, 4).At(2), 1e-12);

        var stepped = new StepSchedule(0.1, stepSize: 30, gamma: 0.5);
        Assert.AreEqual(0.1, stepped.At(29), 1e-15);
        Assert.AreEqual(0.05, stepped.At(30), 1e-15);
        Assert.AreEqual(0.025, stepped.At(89), 1e-15);
        Assert.AreEqual(0.0125, stepped.At(90), 1e-15);
    }

    [TestMethod]
    public void ClipGradNormEqualsHandValue()
    {
        using var a = Param([0, 0]);
        using var b = Param([0]);
        using var unused = Param([0]);
        SetGrad(a, [3, 4]);
        SetGrad(b, [12]);
        // ‖(3, 4, 12)‖ = √(9 + 16 + 144) = 13; not clipped at max 20.
        Assert.AreEqual(13.0, GradientClipping.ClipGradNorm([a, b, unused], 20), 1e-6);
        using (var g = a.Grad!) AssertClose([3, 4], Values(g), 0);
        // At max 6.5 every gradient is scaled by 6.5/(13 + 1e-6) ≈ 0.5.
        Assert.AreEqual(13.0, GradientClipping.ClipGradNorm([a, b, unused], 6.5), 1e-6);
        double c = 6.5 / (13 + 1e-6);
        using (var g = a.Grad!) AssertClose([3 * c, 4 * c], Values(g), 1e-6);
        using (var g = b.Grad!) AssertClose([12 * c], Values(g), 1e-6);
        // The max norm: max |g| = 12·c ≈ 6.
        Assert.AreEqual(12 * c, GradientClipping.ClipGradNorm([a, b], 100, double.PositiveInfinity), 1e-6);
        Assert.AreEqual(0.0, GradientClipping.ClipGradNorm([unused], 1));
    }
}
