using SimVae.Torch.Nn;

namespace SimVae.Torch.Tests.Nn;

[TestClass]
public class ModuleTests
{
    private static Sequential Mlp() => new()
    {
        new Linear(784, 2000), new ReLU(), new Linear(2000, 500), new ReLU(),
        new Linear(500, 500), new ReLU(), new Linear(500, 20),
    };

    private static Sequential ConvNet() => new()
    {
        new Conv2d(1, 32, 4, stride: 2, padding: 1), new BatchNorm2d(32), new ReLU(),
        new Conv2d(32, 64, 4, stride: 2, padding: 1, bias: false), new BatchNorm2d(64), new ReLU(),
        new Flatten(), new Linear(64 * 7 * 7, 10), new BatchNorm1d(10),
    };

    private sealed class TwoPart : Module<Tensor, Tensor>
    {
        public TwoPart()
        {
            Encoder = RegisterModule("encoder", new Sequential { new Linear(4, 3), new Tanh() });
            Scale = RegisterParameter("scale", Tensor.Ones(3));
            Decoder = RegisterModule("decoder", new Linear(3, 4, bias: false));
        }

        public Sequential Encoder { get; }
        public Tensor Scale { get; }
        public Linear Decoder { get; }

        public void RegisterTwice() => RegisterParameter("scale", Tensor.Ones(1));
        public void RegisterDotted() => RegisterBuffer("a.b", Tensor.Ones(1));

        public override Tensor Forward(Tensor input)
        {
            using var h = Encoder.Forward(input);
            using var s = h * Scale;
            return Decoder.Forward(s);
        }
    }

    [TestMethod]
    public void MlpParameterNamesShapesAndCountMatchPyTorch()
    {
        // nn.Sequential(nn.Linear(784,2000), nn.ReLU(), nn.Linear(2000,500), nn.ReLU(), nn.Linear(500,500), nn.ReLU(), nn.Linear(500,20))
        using var mlp = Mlp();
        var expected = new (string, long[])[]
        {
            ("0.weight", [2000, 784]), ("0.bias", [2000]), ("2.weight", [500, 2000]), ("2.bias", [500]),
            ("4.weight", [500, 500]), ("4.bias", [500]), ("6.weight", [20, 500]), ("6.bias", [20]),
        };
        var actual = mlp.NamedParameters().ToList();
        CollectionAssert.AreEqual(expected.Select(e => e.Item1).ToList(), actual.Select(a => a.Key).ToList());
        for (int k = 0; k < expected.Length; k++) CollectionAssert.AreEqual(expected[k].Item2, actual[k].Value.Shape);
        Assert.AreEqual(2831020L, mlp.ParameterCount); // sum(p.numel() for p in m.parameters())
        using var x = Tensor.Randn([5, 784]);
        using var y = mlp.Forward(x);
        CollectionAssert.AreEqual(new long[] { 5, 20 }, y.Shape);
    }

    [TestMethod]
    public void ConvNetStateDictKeysAndCountMatchPyTorch()
    {
        using var net = ConvNet();
        // list(c.state_dict().keys()) for the same nn.Sequential in PyTorch 1.13
        var expected = new[]
        {
            "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
            "3.weight", "4.weight", "4.bias", "4.running_mean", "4.running_var", "4.num_batches_tracked",
            "7.weight", "7.bias", "8.weight", "8.bias", "8.running_mean", "8.running_var", "8.num_batches_tracked",
        };
        var sd = net.StateDict();
        try
        {
            CollectionAssert.AreEqual(expected, sd.Keys.ToArray());
            Assert.AreEqual(ScalarType.Int64, sd["1.num_batches_tracked"].DType);
            Assert.IsFalse(sd["0.weight"].RequiresGrad);
        }
        finally
        {
            foreach (var t in sd.Values) t.Dispose();
        }
        Assert.AreEqual(64894L, net.ParameterCount);
        Assert.AreEqual(11, net.NamedParameters().Count());
        Assert.AreEqual(9, net.NamedBuffers().Count());
        using var x = Tensor.Randn([4, 1, 28, 28]);
        using var y = net.Forward(x);
        CollectionAssert.AreEqual(new long[] { 4, 10 }, y.Shape);
    }

    [TestMethod]
    public void NestedModulesGetDottedNamesInPyTorchOrder()
    {
        using var m = new TwoPart();
        CollectionAssert.AreEqual(new[] { "scale", "encoder.0.weight", "encoder.0.bias", "decoder.weight" },
            m.NamedParameters().Select(p => p.Key).ToArray());
        CollectionAssert.AreEqual(new[] { "", "encoder", "encoder.0", "encoder.1", "decoder" },
            m.NamedModules().Select(p => p.Key).ToArray());
        Assert.IsTrue(m.Parameters().All(p => p.RequiresGrad));
        Assert.ThrowsExactly<ArgumentException>(m.RegisterTwice);
        Assert.ThrowsExactly<ArgumentException>(m.RegisterDotted);
    }

    [TestMethod]
    public void LayerOutputShapes()
    {
        using var x = Tensor.Randn([2, 3, 16, 16]);
        using (var conv = new Conv2d(3, 8, 3, stride: 2, padding: 1))
        using (var y = conv.Forward(x)) CollectionAssert.AreEqual(new long[] { 2, 8, 8, 8 }, y.Shape);
        using (var conv = new Conv2d(3, 8, 5))
        using (var y = conv.Forward(x)) CollectionAssert.AreEqual(new long[] { 2, 8, 12, 12 }, y.Shape);
        // (16 - 1)·2 − 2·1 + 4 + 1 = 33
        using (var deconv = new ConvTranspose2d(3, 5, 4, stride: 2, padding: 1, outputPadding: 1))
        using (var y = deconv.Forward(x)) CollectionAssert.AreEqual(new long[] { 2, 5, 33, 33 }, y.Shape);
        using (var deconv = new ConvTranspose2d(3, 5, 4, stride: 2, padding: 1))
        using (var y = deconv.Forward(x)) CollectionAssert.AreEqual(new long[] { 2, 5, 32, 32 }, y.Shape);
        using (var flat = new Flatten())
        using (var y = flat.Forward(x)) CollectionAssert.AreEqual(new long[] { 2, 768 }, y.Shape);
        using (var id = new Identity())
        using (var y = id.Forward(x)) CollectionAssert.AreEqual(x.Shape, y.Shape);
        foreach (Module<Tensor, Tensor> act in new Module<Tensor, Tensor>[] { new ReLU(), new LeakyReLU(0.2), new GELU(), new SiLU(), new Sigmoid(), new Tanh(), new Dropout(0.3) })
        {
            using (act)
            using (var y = act.Forward(x)) CollectionAssert.AreEqual(x.Shape, y.Shape);
        }
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ConvTranspose2d(3, 5, 4, stride: 2, outputPadding: 2));
    }

    [TestMethod]
    public void ActivationValues()
    {
        using var x = Tensor.FromArray(new float[] { -2, 0, 3 });
        float[] Run(Module<Tensor, Tensor> m) { using (m) using (var y = m.Forward(x)) return y.ToArray<float>(); }
        CollectionAssert.AreEqual(new float[] { 0, 0, 3 }, Run(new ReLU()));
        CollectionAssert.AreEqual(new float[] { -0.4f, 0, 3 }, Run(new LeakyReLU(0.2)));
        var tanh = Run(new Tanh());
        Assert.AreEqual(Math.Tanh(-2), tanh[0], 1e-6);
        var sig = Run(new Sigmoid());
        Assert.AreEqual(1 / (1 + Math.Exp(-3)), sig[2], 1e-6);
        var silu = Run(new SiLU());
        Assert.AreEqual(3 / (1 + Math.Exp(-3)), silu[2], 1e-6);
    }

    [TestMethod]
    public void DefaultInitMatchesPyTorchBounds()
    {
        using var linear = new Linear(500, 1000);
        double bound = 1 / Math.Sqrt(500);
        var w = linear.Weight.ToArray<float>();
        Assert.IsTrue(w.All(v => Math.Abs(v) <= bound));
        Assert.IsTrue(w.Max() > 0.99 * bound && w.Min() < -0.99 * bound, "weights should fill U(-b, b)");
        Assert.AreEqual(0, w.Average(v => (double)v), 0.01 * bound);
        // Variance of U(-b, b) is b²/3.
        Assert.AreEqual(bound * bound / 3, w.Average(v => (double)v * v), 0.03 * bound * bound / 3);
        Assert.IsTrue(linear.Bias!.ToArray<float>().All(v => Math.Abs(v) <= bound));

        // ConvTranspose2d: PyTorch computes fan_in on weight dim 1 → out·k·k = 32·16 = 512 (not 16·16 = 256).
        using var deconv = new ConvTranspose2d(16, 32, 4);
        double tBound = 1 / Math.Sqrt(512);
        var tw = deconv.Weight.ToArray<float>();
        Assert.IsTrue(tw.All(v => Math.Abs(v) <= tBound));
        Assert.IsTrue(tw.Max() > 0.98 * tBound);

        using var conv = new Conv2d(8, 4, 3);
        double cBound = 1 / Math.Sqrt(8 * 9);
        Assert.IsTrue(conv.Weight.ToArray<float>().All(v => Math.Abs(v) <= cBound));
        Assert.IsTrue(conv.Bias!.ToArray<float>().All(v => Math.Abs(v) <= cBound));

        using var bn = new BatchNorm2d(3);
        CollectionAssert.AreEqual(new float[] { 1, 1, 1 }, bn.Weight!.ToArray<float>());
        CollectionAssert.AreEqual(new float[] { 0, 0, 0 }, bn.Bias!.ToArray<float>());
        CollectionAssert.AreEqual(new float[] { 1, 1, 1 }, bn.RunningVar.ToArray<float>());
    }

    [TestMethod]
    public void SeededInitEqualsPyTorchValues()
    {
        // torch.manual_seed(0); l = nn.Linear(3, 2); print(l.weight.flatten().tolist(), l.bias.tolist())
        TorchRuntime.ManualSeed(0);
        using var linear = new Linear(3, 2);
        AssertClose(new[] { -0.004322517663240433, 0.3097158372402191, -0.4751853346824646, -0.4248946011066437, -0.2223689705133438, 0.15482072532176971 },
            linear.Weight.ToArray<float>(), 1e-7);
        AssertClose(new[] { -0.011439144611358643, 0.45777493715286255 }, linear.Bias!.ToArray<float>(), 1e-7);

        // torch.manual_seed(0); t = nn.ConvTranspose2d(2, 3, 2); print(t.bias.tolist())  (+ first weights)
        TorchRuntime.ManualSeed(0);
        using var deconv = new ConvTranspose2d(2, 3, 2);
        AssertClose(new[] { -0.0021612588316202164, 0.15485791862010956, -0.2375926673412323 }, deconv.Weight.ToArray<float>().Take(3).ToArray(), 1e-7);
        AssertClose(new[] { -0.046529628336429596, 0.030545899644494057, 0.2613884508609772 }, deconv.Bias!.ToArray<float>(), 1e-7);
    }

    [TestMethod]
    public void BatchNormRunningStatsAfterOneStepEqualHandValues()
    {
        using var bn = new BatchNorm1d(2);
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 6, 5, 10 }, [3, 2]);
        using var y = bn.Forward(x);
        // Channel 0: 1, 3, 5 → mean 3, unbiased var (4 + 0 + 4)/2 = 4, biased var 8/3.
        // Channel 1: 2, 6, 10 → mean 6, unbiased var (16 + 0 + 16)/2 = 16, biased var 32/3.
        // running_mean = 0.9·0 + 0.1·mean = [0.3, 0.6]; running_var = 0.9·1 + 0.1·unbiased = [1.3, 2.5].
        AssertClose(new[] { 0.3, 0.6 }, bn.RunningMean.ToArray<float>(), 1e-6);
        AssertClose(new[] { 1.3, 2.5 }, bn.RunningVar.ToArray<float>(), 1e-6);
        Assert.AreEqual(1L, bn.NumBatchesTracked.Item<long>());
        // Output uses the biased batch variance: (1 − 3)/√(8/3 + 1e-5).
        Assert.AreEqual(-2 / Math.Sqrt(8.0 / 3 + 1e-5), y.ToArray<float>()[0], 1e-5);

        using var x2 = Tensor.FromArray(new float[] { 0, 0, 2, 4 }, [2, 2]);
        using (bn.Forward(x2)) { }
        // Batch 2: means [1, 2], unbiased vars [2, 8] → running_mean = 0.9·[0.3, 0.6] + 0.1·[1, 2] = [0.37, 0.74],
        // running_var = 0.9·[1.3, 2.5] + 0.1·[2, 8] = [1.37, 3.05].
        AssertClose(new[] { 0.37, 0.74 }, bn.RunningMean.ToArray<float>(), 1e-6);
        AssertClose(new[] { 1.37, 3.05 }, bn.RunningVar.ToArray<float>(), 1e-6);
        Assert.AreEqual(2L, bn.NumBatchesTracked.Item<long>());

        bn.Eval();
        using var ye = bn.Forward(x);
        Assert.AreEqual((1 - 0.37) / Math.Sqrt(1.37 + 1e-5), ye.ToArray<float>()[0], 1e-5);
        Assert.AreEqual(2L, bn.NumBatchesTracked.Item<long>(), "eval mode must not count batches");
    }

    [TestMethod]
    public void BatchNormCumulativeAverageAndChecks()
    {
        using var bn = new BatchNorm2d(1, momentum: null);
        using var a = Tensor.Full([2, 1, 2, 2], 1.0);
        using var b = Tensor.Full([2, 1, 2, 2], 3.0);
        using (bn.Forward(a)) { }
        using (bn.Forward(b)) { }
        // Factor 1/n: mean after batch 1 = 1, after batch 2 = 1 + (3 − 1)/2 = 2.
        Assert.AreEqual(2.0, bn.RunningMean.ToArray<float>()[0], 1e-6);
        using var one = Tensor.Randn([1, 1, 1, 1]);
        Assert.ThrowsExactly<ArgumentException>(() => bn.Forward(one));
        using var wrongRank = Tensor.Randn([2, 1]);
        Assert.ThrowsExactly<ArgumentException>(() => bn.Forward(wrongRank));
    }

    [TestMethod]
    public void TrainEvalIsRecursiveAndControlsDropout()
    {
        using var net = new Sequential { new Linear(4, 4), new Sequential { new Dropout(0.5) } };
        Assert.IsTrue(net.NamedModules().All(m => m.Value.Training));
        net.Eval();
        Assert.IsTrue(net.NamedModules().All(m => !m.Value.Training));
        using var x = Tensor.Ones([1000]);
        var drop = (Dropout)((Sequential)net[1])[0];
        using (var y = drop.Forward(x)) CollectionAssert.AreEqual(x.ToArray<float>(), y.ToArray<float>());
        net.Train();
        using (var y = drop.Forward(x))
        {
            var v = y.ToArray<float>();
            Assert.IsTrue(v.All(e => e == 0 || e == 2));
            Assert.IsTrue(v.Count(e => e == 0) is > 400 and < 600);
        }
    }

    [TestMethod]
    public void ToDeviceKeepsReferencesAndConvertsTypesInPlace()
    {
        using var net = ConvNet();
        var conv = (Conv2d)net[0];
        var bn = (BatchNorm2d)net[1];
        var weight = conv.Weight;
        var before = net.Parameters().ToList();
        Assert.AreSame(net, net.To(Device.Cpu));
        Assert.AreSame(weight, conv.Weight);
        Assert.IsFalse(weight.IsDisposed);
        CollectionAssert.AreEqual(before, net.Parameters().ToList());

        net.To(Device.Cpu, ScalarType.Float64);
        Assert.AreSame(weight, conv.Weight);
        Assert.AreEqual(ScalarType.Float64, weight.DType);
        Assert.IsTrue(weight.RequiresGrad);
        Assert.AreEqual(ScalarType.Float64, bn.RunningMean.DType);
        Assert.AreEqual(ScalarType.Int64, bn.NumBatchesTracked.DType);
        using var x = Tensor.Randn([2, 1, 28, 28], ScalarType.Float64);
        using var y = net.Forward(x);
        Assert.AreEqual(ScalarType.Float64, y.DType);
        using var loss = y.Sum();
        loss.Backward();
        using (var g = weight.Grad) Assert.IsNotNull(g);
        net.ZeroGrad();
        Assert.IsTrue(net.Parameters().All(p => { using var g = p.Grad; return g is null; }));
    }

    [TestMethod]
    public void StateDictRoundTripReproducesOutputs()
    {
        using var a = ConvNet();
        using var b = ConvNet();
        using var x = Tensor.Randn([3, 1, 28, 28]);
        using (a.Forward(x)) { } // move a's running statistics off their defaults
        a.Eval();
        b.Eval();
        using var ya = a.Forward(x);
        using (var yb0 = b.Forward(x)) Assert.IsFalse(ya.AllClose(yb0));
        var sd = a.StateDict();
        try
        {
            var (missing, unexpected) = b.LoadStateDict(sd);
            Assert.AreEqual(0, missing.Count);
            Assert.AreEqual(0, unexpected.Count);
        }
        finally
        {
            foreach (var t in sd.Values) t.Dispose();
        }
        using var yb = b.Forward(x);
        Assert.IsTrue(ya.AllClose(yb, 0, 0));
        Assert.AreEqual(1L, ((BatchNorm2d)b[1]).NumBatchesTracked.Item<long>());
        Assert.IsTrue(b.Parameters().All(p => p.RequiresGrad && p.IsLeaf));
    }

    [TestMethod]
    public void LoadStateDictReportsMissingUnexpectedAndMismatchedKeys()
    {
        using var net = new Sequential { new Linear(3, 2), new ReLU(), new Linear(2, 1) };
        using var w0 = Tensor.Zeros(2, 3);
        using var wrong = Tensor.Zeros(5, 5);
        using var extra = Tensor.Zeros(1);
        var before = net.Parameters().Select(p => p.ToArray<float>()).ToList();

        var missing = new Dictionary<string, Tensor> { ["0.weight"] = w0 };
        var e1 = Assert.ThrowsExactly<InvalidOperationException>(() => net.LoadStateDict(missing));
        StringAssert.Contains(e1.Message, "missing key(s): '0.bias', '2.weight', '2.bias'");

        var withExtra = new Dictionary<string, Tensor> { ["0.weight"] = w0, ["3.weight"] = extra };
        var e2 = Assert.ThrowsExactly<InvalidOperationException>(() => net.LoadStateDict(withExtra));
        StringAssert.Contains(e2.Message, "unexpected key(s): '3.weight'");

        var mismatched = new Dictionary<string, Tensor> { ["0.weight"] = wrong };
        var e3 = Assert.ThrowsExactly<InvalidOperationException>(() => net.LoadStateDict(mismatched, strict: false));
        StringAssert.Contains(e3.Message, "size mismatch for '0.weight': checkpoint has shape [5, 5], the module has [2, 3]");

        // Nothing was copied by the failed loads.
        CollectionAssert.AreEqual(before[0], net.Parameters().First().ToArray<float>());

        var (miss, unexp) = net.LoadStateDict(withExtra, strict: false);
        CollectionAssert.AreEqual(new[] { "0.bias", "2.weight", "2.bias" }, miss.ToArray());
        CollectionAssert.AreEqual(new[] { "3.weight" }, unexp.ToArray());
        CollectionAssert.AreEqual(new float[6], net.Parameters().First().ToArray<float>());
        CollectionAssert.AreEqual(before[1], net.Parameters().ElementAt(1).ToArray<float>());
    }

    [TestMethod]
    public void SequentialForwardDoesNotLeakAndDisposeReleasesParameters()
    {
        var net = Mlp();
        using var x = Tensor.Randn([2, 784]);
        long live = TorchRuntime.LiveTensorCount;
        using (Autograd.NoGrad())
        {
            for (int k = 0; k < 3; k++) net.Forward(x).Dispose();
        }
        Assert.AreEqual(live, TorchRuntime.LiveTensorCount);
        var parameters = net.Parameters().ToList();
        net.Dispose();
        Assert.IsTrue(parameters.All(p => p.IsDisposed));
        Assert.AreEqual(live - 8, TorchRuntime.LiveTensorCount);
    }

    [TestMethod]
    public void ParametersSurviveTheDisposeScopeTheyWereCreatedIn()
    {
        Linear linear;
        using (DisposeScope.Open()) linear = new Linear(2, 2);
        using (linear)
        {
            Assert.IsFalse(linear.Weight.IsDisposed);
            using var x = Tensor.Ones(1, 2);
            using var y = linear.Forward(x);
            CollectionAssert.AreEqual(new long[] { 1, 2 }, y.Shape);
        }
    }

    internal static void AssertClose(double[] expected, float[] actual, double tolerance)
    {
        Assert.AreEqual(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
            Assert.AreEqual(expected[k], actual[k], tolerance, $"element {k}");
    }
}
