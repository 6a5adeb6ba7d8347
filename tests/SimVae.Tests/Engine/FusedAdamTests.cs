using SimVae.Engine;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SimVae.Tests.Engine;

/// <summary>The fused Adam step equals TorchSharp's Adam (same state, same state dict), and falls back where it cannot fuse.</summary>
[TestClass]
public class FusedAdamTests
{
    private static (nn.Module<Tensor, Tensor> Model, Tensor X) Problem(int seed, ScalarType dtype = ScalarType.Float32)
    {
        manual_seed(seed);
        var model = nn.Sequential(new SimVae.Engine.Linear(37, 300), nn.ReLU(), new SimVae.Engine.Linear(300, 5));
        model.to(dtype);
        return (model, randn(16, 37, dtype: dtype));
    }

    private static void Train(nn.Module<Tensor, Tensor> model, Tensor x, optim.Optimizer optimizer, int steps)
    {
        for (int k = 0; k < steps; k++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            model.forward(x).square().sum().backward();
            optimizer.step();
        }
    }

    private static double MaxDifference(nn.Module<Tensor, Tensor> a, nn.Module<Tensor, Tensor> b) =>
        a.parameters().Zip(b.parameters()).Max(p => (p.First - p.Second).abs().max().ToDouble());

    [TestMethod]
    public void MatchesTorchSharpsAdamWithWeightDecayAndGroups()
    {
        var (reference, x) = Problem(11);
        var (fused, _) = Problem(11);
        var referenceGroups = reference.parameters().Select((p, i) => new Adam.ParamGroup { Parameters = [p], Options = new Adam.Options { LearningRate = i == 0 ? 3e-3 : 1e-3 } });
        var fusedGroups = fused.parameters().Select((p, i) => new Adam.ParamGroup { Parameters = [p], Options = new Adam.Options { LearningRate = i == 0 ? 3e-3 : 1e-3 } });
        using var adam = new Adam(referenceGroups, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-4, weight_decay: 0.01);
        using var fusedAdam = new FusedAdam(fusedGroups, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-4, weightDecay: 0.01);
        Assert.IsTrue(MaxDifference(reference, fused) == 0, "same start");
        Train(reference, x, adam, 25);
        Train(fused, x, fusedAdam, 25);
        double moved = reference.parameters().Zip(Problem(11).Model.parameters()).Max(p => (p.First - p.Second).abs().max().ToDouble());
        double difference = MaxDifference(reference, fused);
        Console.WriteLine($"fused-vs-torchsharp-adam max |Δw| = {difference:E2} after 25 steps (weights moved up to {moved:E2})");
        Assert.IsTrue(moved > 1e-2, "the steps must move the weights");
        Assert.IsTrue(difference < 1e-5, $"max |Δw| = {difference}");
    }

    [TestMethod]
    public void AStateDictOfOneContinuesInTheOther()
    {
        var (a, x) = Problem(12);
        using var fused = new FusedAdam([new Adam.ParamGroup { Parameters = a.parameters() }]);
        Train(a, x, fused, 3);
        var (c, _) = Problem(12);
        c.load_state_dict(a.state_dict());
        using var plain = new Adam(c.parameters());
        plain.load_state_dict(fused.state_dict());
        Train(a, x, fused, 4);
        Train(c, x, plain, 4);
        double difference = MaxDifference(a, c);
        Assert.IsTrue(difference < 1e-5, $"Adam resumed from FusedAdam's state dict diverges: max |Δw| = {difference}");
    }

    [TestMethod]
    public void NonFloat32ParametersTakeAdamsOwnStep()
    {
        var (reference, x) = Problem(13, ScalarType.Float64);
        var (fused, _) = Problem(13, ScalarType.Float64);
        Train(reference, x, new Adam(reference.parameters()), 5);
        Train(fused, x, new FusedAdam([new Adam.ParamGroup { Parameters = fused.parameters() }]), 5);
        Assert.AreEqual(0, MaxDifference(reference, fused), "float64 parameters are not fused: the same arithmetic");
    }
}
