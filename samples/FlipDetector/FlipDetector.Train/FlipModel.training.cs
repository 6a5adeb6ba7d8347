// Training code of the flip detector: the pipeline (built in one method), training, evaluation and saving.
using System.Diagnostics;
using SimVae.Bundles;
using SimVae.Featurization;
using SimVae.Methods;
using SimVae.Samples;
using SimVae.Engine;
using SimVae.Training;

namespace FlipDetector;

public static partial class FlipModel
{
    /// <summary>The training pipeline: a self-supervised featurizer and the classifier trained on its features.</summary>
    /// <param name="Featurizer">The SimVae method learning features from the images alone (no labels).</param>
    /// <param name="Training">How long and where the featurizer trains.</param>
    /// <param name="Neighbours">k of the kNN classifier on the features.</param>
    public sealed record Pipeline(SslOptions Featurizer, TrainerOptions Training, int Neighbours);

    /// <summary>
    /// Builds the pipeline: SimVAE → features → kNN classifier. SimVAE is generative, so its features keep style
    /// (orientation, position, ...) that discriminative methods learn to discard; that is what this task needs.
    /// </summary>
    public static Pipeline BuildPipeline(int epochs) => new(
        Featurizer: new SimVaeOptions(),          // MLP encoder/decoder, d = 10, J = 2 views, Adam 8e-5
        Training: new TrainerOptions { Epochs = epochs, Device = Devices.Auto, LogEvery = 50 },
        Neighbours: 20);

    /// <summary>Trains the pipeline: the featurizer on the images (labels unused), then the classifier on features and labels.</summary>
    public static KnnClassifier Train(Pipeline pipeline, IReadOnlyList<ModelInput> data, string bundlePath)
    {
        var images = ToDataset(data);
        var trainer = new Trainer(pipeline.Training);
        var clock = Stopwatch.StartNew();
        trainer.Progress += p => Console.WriteLine($"  featurizer step {p.Step}/{p.TotalSteps}  loss {p.Losses["loss"]:F1}  {p.ViewsPerSecond:F0} views/s");
        using var model = trainer.CreateModel(pipeline.Featurizer);
        trainer.Train(model, images);
        ModelBundle.Save(bundlePath, model, DataFingerprint.Of(images));
        Console.WriteLine($"  featurizer trained in {clock.Elapsed.TotalSeconds:F0} s");

        var features = new Featurizer(model).Transform(images);
        return KnnClassifier.Fit(features.Values, features.Rows, features.Columns, images.Labels.ToArray(), 2, pipeline.Neighbours);
    }

    /// <summary>Accuracy of the saved model on labelled images.</summary>
    public static double Evaluate(string modelPath, IReadOnlyList<ModelInput> data)
    {
        var (featurizer, bundle, classifier, _) = ModelFile.Load(modelPath);
        using (bundle)
            return Predict(featurizer, classifier, data).Zip(data).Count(p => p.First.PredictedFlipped == p.Second.Flipped) / (double)data.Count;
    }

    /// <summary>Saves the featurizer bundle and the classifier as one model file.</summary>
    public static void Save(string modelPath, string bundlePath, KnnClassifier classifier) =>
        ModelFile.Save(modelPath, bundlePath, classifier, ClassNames);
}
