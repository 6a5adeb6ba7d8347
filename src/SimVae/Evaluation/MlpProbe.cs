using SimVae.Engine;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SimVae.Evaluation;

/// <summary>Settings of the MLP probe. Defaults: the paper's optimiser (Adam, lr 3e-4), fewer epochs than its 200.</summary>
public sealed record MlpProbeOptions
{
    /// <summary>Hidden units of the single hidden layer (ReLU).</summary>
    public int Hidden { get; init; } = 256;
    /// <summary>Adam learning rate (3e-4, as the paper).</summary>
    public double LearningRate { get; init; } = 3e-4;
    /// <summary>Maximum epochs; the epoch with the best validation accuracy is kept (early stopping).</summary>
    public int Epochs { get; init; } = 20;
    /// <summary>Rows per mini-batch.</summary>
    public int BatchSize { get; init; } = 256;
    /// <summary>Seed of the initial weights and the batch order.</summary>
    public int Seed { get; init; }
}

/// <summary>
/// A 1-hidden-layer MLP classifier (Linear–ReLU–Linear) trained with Adam and cross-entropy on frozen features; the
/// epoch is chosen by validation accuracy and the test predictions of that epoch are returned.
/// </summary>
public static class MlpProbe
{
    /// <summary>Trains on the fit rows, selects the epoch on the validation rows, predicts the test rows.</summary>
    /// <returns>Test predictions of the best epoch, that epoch (1-based) and its validation accuracy.</returns>
    public static (int[] Predictions, int Epoch, double ValidationAccuracy) FitWithValidation(
        Tensor fitX, int[] fitLabels, Tensor validationX, int[] validationLabels, Tensor testX, int classes, MlpProbeOptions? options = null)
    {
        options ??= new MlpProbeOptions();
        int n = (int)fitX.size(0), f = (int)fitX.size(1);
        TorchRuntime.ManualSeed((ulong)options.Seed);
        using var model = nn.Sequential(nn.Linear(f, options.Hidden), nn.ReLU(), nn.Linear(options.Hidden, classes));
        model.to(fitX.device);
        using var optimizer = optim.Adam(model.parameters(), options.LearningRate);
        using var labels = torch.tensor(fitLabels.Select(l => (long)l).ToArray(), device: fitX.device);
        var random = new Random(options.Seed);
        var order = Enumerable.Range(0, n).ToArray();
        int[] bestPredictions = [];
        int bestEpoch = 0;
        double bestAccuracy = -1;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            random.Shuffle(order);
            model.train();
            for (int start = 0; start < n; start += options.BatchSize)
            {
                using var scope = NewDisposeScope();
                int rows = Math.Min(options.BatchSize, n - start);
                var index = torch.tensor(order.AsSpan(start, rows).ToArray().Select(i => (long)i).ToArray(), device: fitX.device);
                var loss = nn.functional.cross_entropy(model.forward(fitX.index_select(0, index)), labels.index_select(0, index));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
            model.eval();
            double accuracy = ProbeSplits.Accuracy(Predict(model, validationX), validationLabels);
            if (accuracy > bestAccuracy)
            {
                bestAccuracy = accuracy;
                bestEpoch = epoch;
                bestPredictions = Predict(model, testX);
            }
        }
        return (bestPredictions, bestEpoch, bestAccuracy);
    }

    private static int[] Predict(Sequential model, Tensor x)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return model.forward(x).argmax(1).to(ScalarType.Int32).cpu().data<int>().ToArray();
    }
}
