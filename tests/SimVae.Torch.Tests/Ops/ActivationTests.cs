using SimVae.Torch.Tests.TestSupport;

namespace SimVae.Torch.Tests.Ops;

[TestClass]
public class ActivationTests
{
    private static readonly double[] Xs = [-2, -0.5, 0, 1, 3];
    private static double Sig(double v) => 1 / (1 + Math.Exp(-v));

    [TestMethod]
    public void ElementwiseActivations_MatchTheirFormulas()
    {
        using var scope = DisposeScope.Open();
        var x = T.D(Xs);
        TensorAssert.Exact(Functional.Relu(x), new double[] { 0, 0, 0, 1, 3 }, [5]);
        TensorAssert.Close(Functional.LeakyRelu(x), [-0.02, -0.005, 0, 1, 3], [5], 1e-15);
        TensorAssert.Close(Functional.LeakyRelu(x, 0.1), [-0.2, -0.05, 0, 1, 3], [5], 1e-15);
        TensorAssert.Close(Functional.Sigmoid(x), Xs.Select(Sig).ToArray(), [5], 1e-14);
        TensorAssert.Close(Functional.Silu(x), Xs.Select(v => v * Sig(v)).ToArray(), [5], 1e-14);
        TensorAssert.Close(Functional.Tanh(x), Xs.Select(Math.Tanh).ToArray(), [5], 1e-14);
        TensorAssert.Close(Functional.Softplus(x), Xs.Select(v => Math.Log(1 + Math.Exp(v))).ToArray(), [5], 1e-14);
        // softplus switches to the identity above threshold 20 (PyTorch default)
        TensorAssert.Close(Functional.Softplus(T.D([30])), [30], [1], 1e-15);
        // GELU = x * Phi(x), Phi the standard normal CDF: Phi(-2) = 0.02275013, Phi(-0.5) = 0.30853754,
        // Phi(1) = 0.84134475, Phi(3) = 0.99865010
        TensorAssert.Close(Functional.Gelu(x), [-2 * 0.0227501319, -0.5 * 0.3085375387, 0, 0.8413447461, 3 * 0.9986501020], [5], 1e-9);
        // tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        double Approx(double v) => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
        TensorAssert.Close(Functional.Gelu(x, tanhApproximation: true), Xs.Select(Approx).ToArray(), [5], 1e-14);
        // float32 in -> float32 out
        Assert.AreEqual(ScalarType.Float32, Functional.Gelu(T.F([1])).DType);
    }

    [TestMethod]
    public void SoftmaxAndLogSoftmax_AlongDims()
    {
        using var scope = DisposeScope.Open();
        var x = T.D([1, 2, 3, 1, 1, 1], 2, 3);
        double z = Math.E + Math.Exp(2) + Math.Exp(3);
        TensorAssert.Close(Functional.Softmax(x, 1), [Math.E / z, Math.Exp(2) / z, Math.Exp(3) / z, 1.0 / 3, 1.0 / 3, 1.0 / 3], [2, 3], 1e-14);
        TensorAssert.Close(Functional.Softmax(x, -1), [Math.E / z, Math.Exp(2) / z, Math.Exp(3) / z, 1.0 / 3, 1.0 / 3, 1.0 / 3], [2, 3], 1e-14);
        // along dim 0: columns (1,1) -> 1/2, (2,1) -> sigmoid(1), (3,1) -> sigmoid(2)
        TensorAssert.Close(Functional.Softmax(x, 0), [0.5, Sig(1), Sig(2), 0.5, Sig(-1), Sig(-2)], [2, 3], 1e-14);
        double lz = Math.Log(z);
        TensorAssert.Close(Functional.LogSoftmax(x, 1), [1 - lz, 2 - lz, 3 - lz, -Math.Log(3), -Math.Log(3), -Math.Log(3)], [2, 3], 1e-14);
        // stable for large logits
        TensorAssert.Close(Functional.LogSoftmax(T.D([1000, 0]), 0), [-Math.Log(1 + Math.Exp(-1000)), -1000], [2], 1e-14);
    }

    [TestMethod]
    public void Dropout_TrainingZeroesAndRescales_EvalIsIdentity()
    {
        using var scope = DisposeScope.Open();
        var x = Tensor.Ones([10000], ScalarType.Float64);
        TensorAssert.Exact(Functional.Dropout(x, 0.5, training: false), Enumerable.Repeat(1.0, 10000).ToArray(), [10000]);
        TensorAssert.Exact(Functional.Dropout(x, 0, training: true), Enumerable.Repeat(1.0, 10000).ToArray(), [10000]);
        TorchRuntime.ManualSeed(3);
        var d = Functional.Dropout(x, 0.25, training: true).ToArray<double>();
        // kept elements are scaled by 1 / (1 - p) = 4/3
        Assert.IsTrue(d.All(v => v == 0 || Math.Abs(v - 4.0 / 3) < 1e-15));
        double dropped = d.Count(v => v == 0) / 10000.0;
        Assert.IsTrue(dropped is > 0.22 and < 0.28, $"dropped fraction {dropped}");
        TorchRuntime.ManualSeed(3);
        CollectionAssert.AreEqual(d, Functional.Dropout(x, 0.25, training: true).ToArray<double>());
    }
}
