// Training code of the clothing classifier: the pipeline (built in one method), training, evaluation and saving.
using System.Diagnostics;
using SimVae.Bundles;
using SimVae.Featurization;
using SimVae.Methods;
using SimVae.Samples;
using SimVae.Engine;
using SimVae.Training;

namespace ClothingClassifier;

public static partial class ClothingModel
{
    /// <summary>The training pipeline: a self-supervised featurizer and the classifier trained on its features.</summary>
    /// <param name="Featurizer">The SimVae method learning features from the images alone (no labels).</param>
    /// <param name="Training">How long and where the featurizer trains.</param>
    /// <param name="Neighbours">k of the kNN classifier on the features.</param>
    public sealed record Pipeline(SslOptions Featurizer, TrainerOptions Training, int Neighbours);

    /// <summary>Builds the pipeline: SimVAE (the authors' FashionMNIST setting) → features → kNN classifier.</summary>
    public static Pipeline BuildPipeline(int epochs) => new(
        Featurizer: new SimVaeOptions(),          // MLP encoder/decoder, d = 10, J = 2 views, Adam 8e-5
        Training: new TrainerOptions { Epochs = epochs, Device = Devices.Auto, LogEvery = 50 },
        Neighbours: 20);

    /// <summary>Trains the pipeline: the featurizer on the images, then the classifier on their features and labels.</summary>
    /// <returns>The featurizer's bundle file (written to <paramref name="bundlePath"/>) and the fitted classifier.</returns>
    public static KnnClassifier Train(Pipeline pipeline, IReadOnlyList<ModelInput> data, IReadOnlyList<string> classNames, string bundlePath)
    {
        var images = ToDataset(data, classNames);
        var trainer = new Trainer(pipeline.Training);
        var clock = Stopwatch.StartNew();
        trainer.Progress += p => Console.WriteLine($"  featurizer step {p.Step}/{p.TotalSteps}  loss {p.Losses["loss"]:F1}  {p.ViewsPerSecond:F0} views/s");
        using var model = trainer.CreateModel(pipeline.Featurizer);
        trainer.Train(model, images);
        ModelBundle.Save(bundlePath, model, DataFingerprint.Of(images));
        Console.WriteLine($"  featurizer trained in {clock.Elapsed.TotalSeconds:F0} s");

        var features = new Featurizer(model).Transform(images);
        return KnnClassifier.Fit(features.Values, features.Rows, features.Columns, images.Labels.ToArray(), classNames.Count, pipeline.Neighbours);
    }

    /// <summary>Accuracy of the saved model on labelled images.</summary>
    public static double Evaluate(string modelPath, IReadOnlyList<ModelInput> data)
    {
        var (featurizer, bundle, classifier, labels) = ModelFile.Load(modelPath);
        using (bundle)
        {
            var predictions = Predict(featurizer, classifier, labels, data);
            return predictions.Zip(data).Count(p => p.First.PredictedLabel == p.Second.Label) / (double)data.Count;
        }
    }

    /// <summary>Saves the featurizer bundle and the classifier as one model file.</summary>
    public static void Save(string modelPath, string bundlePath, KnnClassifier classifier, IReadOnlyList<string> classNames) =>
        ModelFile.Save(modelPath, bundlePath, classifier, classNames);
}
