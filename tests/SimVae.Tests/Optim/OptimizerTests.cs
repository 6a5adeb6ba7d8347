using SimVae.Methods;
using SimVae.Optim;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SimVae.Tests.Optim;

/// <summary>LARS against hand computations, the warm-up + cosine schedule, and the optimiser state as named tensors.</summary>
[TestClass]
public class OptimizerTests
{
    private static Parameter Param(double[] values, params long[] shape) =>
        new(tensor(values.Select(v => (float)v).ToArray(), shape.Length == 0 ? [values.Length] : shape));

    private static void SetGrad(Tensor p, double[] g) => p.grad = tensor(g.Select(v => (float)v).ToArray(), p.shape);

    private static double[] Values(Tensor t) => t.to(ScalarType.Float64).data<double>().ToArray();

    private static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.AreEqual(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
            Assert.AreEqual(expected[k], actual[k], tolerance, $"element {k}: expected {expected[k]}, got {actual[k]}");
    }

    [TestMethod]
    public void LarsScalesTheStepByTheTrustRatio()
    {
        using var w = Param([3, 4, 0]);
        using var opt = new Lars([w], lr: 1, momentum: 0.9, eta: 0.001, weightDecay: 0.01);
        SetGrad(w, [0.3, 0, 0.4]);
        opt.step();
        // ‖θ‖ = 5, ‖g‖ = 0.5 → λ = 1·0.001·5/(0.5 + 0.01·5) = 0.005/0.55 = 0.00909090..
        // d = g + 0.01·θ = [0.33, 0.04, 0.4]; b = d;  θ = θ − λ·b
        double l1 = 0.005 / 0.55;
        double[] p1 = [3 - l1 * 0.33, 4 - l1 * 0.04, -l1 * 0.4];
        AssertClose(p1, Values(w), 1e-6);
        SetGrad(w, [0.3, 0, 0.4]);
        opt.step();
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
    public void LarsExemptsOneDimensionalParametersFromAdaptationAndDecay()
    {
        using var weight = Param([3, 4, 0], 1, 3);
        using var bias = Param([3, 4, 0]);
        using var opt = new Lars([weight, bias], lr: 1, momentum: 0.9, eta: 0.001, weightDecay: 0.01, excludeOneDimensional: true);
        SetGrad(bias, [0.3, 0, 0.4]);
        SetGrad(weight, [0.3, 0, 0.4]);
        opt.step();
        // The 2-D weight is adapted (λ = 0.005/0.55, with weight decay); the 1-D bias takes plain SGD at lr 1, no decay.
        double l1 = 0.005 / 0.55;
        AssertClose([3 - l1 * 0.33, 4 - l1 * 0.04, -l1 * 0.4], Values(weight), 1e-6);
        AssertClose([2.7, 4, -0.4], Values(bias), 1e-6);
    }

    [TestMethod]
    public void LarsTrustRatioIsOneWhenANormIsZeroAndSkipsParametersWithoutGradients()
    {
        using var zero = Param([0, 0]);
        using var idle = Param([1, 2]);
        using var opt = new Lars([zero, idle], lr: 0.5, momentum: 0, weightDecay: 0.1);
        SetGrad(zero, [1, -2]);
        opt.step();
        // ‖θ‖ = 0: ratio 1, d = g + 0.1·0 → θ = −0.5·g; idle has no gradient and stays.
        AssertClose([-0.5, 1], Values(zero), 1e-7);
        AssertClose([1, 2], Values(idle), 0);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Lars([idle], lr: 0.1, eta: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Lars([idle], lr: -1));
    }

    [TestMethod]
    public void WarmupCosineScheduleAtChosenSteps()
    {
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
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CosineWithWarmupSchedule(1, 5, 4));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => cosine.At(-1));
    }

    [TestMethod]
    public void GroupsKeepTheirPeakRatioUnderTheScheduleAndZeroGradSkipsIdleParameters()
    {
        using var a = Param([1, 1]);
        using var b = Param([1, 1]);
        var options = new SimClrOptions { Optimizer = OptimizerKind.Sgd, LearningRate = 0.1, OptimizerMomentum = 0, Schedule = LearningRateSchedule.WarmupCosine, WarmupFraction = 0.5 };
        using var setup = OptimizerSetup.FromOptions(options, [new ParameterGroup([a]), new ParameterGroup([b], learningRate: 1)], totalSteps: 4);
        setup.BeginStep(0);   // warm-up: (0 + 1)/2 of the peaks
        Assert.AreEqual(0.05, setup.ParamGroups[0].LearningRate, 1e-12);
        Assert.AreEqual(0.5, setup.ParamGroups[1].LearningRate, 1e-12);
        SetGrad(a, [1, 1]);
        SetGrad(b, [1, 1]);
        setup.Step();
        AssertClose([0.95, 0.95], Values(a), 1e-7);
        AssertClose([0.5, 0.5], Values(b), 1e-7);
        setup.ZeroGrad();
        Assert.IsTrue(a.grad is null && b.grad is null, "gradients are cleared to none");
        SetGrad(a, [1, 1]);
        setup.BeginStep(1);   // end of warm-up: the peaks
        setup.Step();
        AssertClose([0.85, 0.85], Values(a), 1e-7);
        AssertClose([0.5, 0.5], Values(b), 0);
        Assert.AreEqual(2L, setup.StepCount);
    }

    private static readonly Func<OptimizerKind, SslOptions> OptionsFor = kind => new SimClrOptions
    {
        Optimizer = kind, LearningRate = kind is OptimizerKind.Adam or OptimizerKind.AdamW ? 0.01 : 0.1, WeightDecay = 1e-3,
        Schedule = LearningRateSchedule.WarmupCosine, WarmupFraction = 0.2,
    };

    private static void TrainSteps(SimVae.Engine.Linear model, OptimizerSetup setup, Tensor x, Tensor y, long from, long to)
    {
        for (long step = from; step < to; step++)
        {
            using var scope = NewDisposeScope();
            setup.BeginStep(step);
            setup.ZeroGrad();
            nn.functional.mse_loss(model.forward(x), y).backward();
            setup.Step();
        }
    }

    [TestMethod]
    [DataRow(OptimizerKind.Adam)]
    [DataRow(OptimizerKind.AdamW)]
    [DataRow(OptimizerKind.Sgd)]
    [DataRow(OptimizerKind.Lars)]
    public void SavedStateResumesExactly(OptimizerKind kind)
    {
        manual_seed(3);
        using var x = randn(16, 5);
        using var y = randn(16, 2);
        using var uninterrupted = new SimVae.Engine.Linear(5, 2);
        using var resumed = new SimVae.Engine.Linear(5, 2);
        using var setup = OptimizerSetup.FromOptions(OptionsFor(kind), [new ParameterGroup(uninterrupted.parameters())], 10);
        TrainSteps(uninterrupted, setup, x, y, 0, 3);

        // Checkpoint: model and optimiser state; the resumed optimiser is fresh.
        var state = setup.StateTensors();
        resumed.load_state_dict(uninterrupted.state_dict());
        using var setup2 = OptimizerSetup.FromOptions(OptionsFor(kind), [new ParameterGroup(resumed.parameters())], 10);
        setup2.LoadStateTensors(state);
        foreach (var t in state.Values) t.Dispose();
        Assert.AreEqual(3L, setup2.StepCount);

        TrainSteps(uninterrupted, setup, x, y, 3, 7);
        TrainSteps(resumed, setup2, x, y, 3, 7);
        CollectionAssert.AreEqual(Values(uninterrupted.weight), Values(resumed.weight), kind.ToString());
        CollectionAssert.AreEqual(Values(uninterrupted.bias!), Values(resumed.bias!), kind.ToString());
    }

    [TestMethod]
    public void StateTensorsNamesAndLoadErrors()
    {
        using var a = Param([1, -2, 3]);
        using var b = Param([1, 2]);
        using var setup = OptimizerSetup.FromOptions(new SimClrOptions(), [new ParameterGroup([a, b])], 10);
        SetGrad(a, [0.5, -1, 2]);
        setup.Step();   // b has no gradient: no state yet
        var state = setup.StateTensors();
        try
        {
            CollectionAssert.AreEquivalent(
                new[] { "step", "param_groups.0.lr", "state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq" }, state.Keys.ToArray());
            Assert.AreEqual(1L, state["state.0.step"].item<long>());
            Assert.AreEqual(2, setup.ParameterCount);
            // Copies, not views: a later step does not change the checkpoint.
            var saved = Values(state["state.0.exp_avg"]);
            SetGrad(a, [1, 1, -1]);
            setup.Step();
            CollectionAssert.AreEqual(saved, Values(state["state.0.exp_avg"]));

            using var wrongShape = zeros(2);
            var e1 = Assert.ThrowsExactly<InvalidOperationException>(() => setup.LoadStateTensors(new Dictionary<string, Tensor>(state) { ["state.0.exp_avg"] = wrongShape }));
            StringAssert.Contains(e1.Message, "'state.0.exp_avg' has shape [2] but parameter 0 has [3]");
            var e2 = Assert.ThrowsExactly<InvalidOperationException>(() => setup.LoadStateTensors(new Dictionary<string, Tensor>(state) { ["state.0.momentum_buffer"] = state["state.0.exp_avg"] }));
            StringAssert.Contains(e2.Message, "unexpected key 'state.0.momentum_buffer'");
            Assert.ThrowsExactly<InvalidOperationException>(() => setup.LoadStateTensors(new Dictionary<string, Tensor>(state) { ["state.5.step"] = state["state.0.step"] }));
            var partial = new Dictionary<string, Tensor>(state);
            partial.Remove("state.0.exp_avg_sq");
            StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => setup.LoadStateTensors(partial)).Message, "partial");
            Assert.AreEqual(2L, setup.StepCount, "failed loads change nothing");
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    [TestMethod]
    public void StepsKeepTheLiveTensorCountFlat()
    {
        foreach (var kind in new[] { OptimizerKind.Lars, OptimizerKind.Adam })
        {
            using var model = new SimVae.Engine.Linear(4, 3);
            using var setup = OptimizerSetup.FromOptions(OptionsFor(kind), [new ParameterGroup(model.parameters())], 10);
            using var x = randn(8, 4);
            using var target = randn(8, 3);
            TrainSteps(model, setup, x, target, 0, 1);
            long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            TrainSteps(model, setup, x, target, 1, 4);
            Assert.AreEqual(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount, kind.ToString());
        }
    }
}
