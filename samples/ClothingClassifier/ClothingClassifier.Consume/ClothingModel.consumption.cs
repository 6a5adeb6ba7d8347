// Consumption code of the clothing classifier (content task): what a trained ClothingModel.zip takes and gives,
// and how to load it and predict. Shared with the training project.
using SimVae.Bundles;
using SimVae.Featurization;
using SimVae.Samples;

namespace ClothingClassifier;

/// <summary>Predicts the clothing class of a 28×28 gray image (FashionMNIST's ten classes).</summary>
public static partial class ClothingModel
{
    /// <summary>One image and, for training and evaluation, its class.</summary>
    public sealed class ModelInput
    {
        /// <summary>28 × 28 gray pixels, row by row (0 = black, 255 = white; FashionMNIST's convention: a light item on black).</summary>
        public byte[] Pixels { get; set; } = [];

        /// <summary>The class name (e.g. "Sneaker"); ignored by <see cref="Predict"/>.</summary>
        public string Label { get; set; } = "";
    }

    /// <summary>The prediction for one image.</summary>
    public sealed class ModelOutput
    {
        /// <summary>The most probable class.</summary>
        public string PredictedLabel { get; set; } = "";

        /// <summary>The probability of each class, in <see cref="ClassNames"/> order.</summary>
        public float[] Score { get; set; } = [];

        /// <summary>The class names, index = position in <see cref="Score"/>.</summary>
        public string[] ClassNames { get; set; } = [];
    }

    /// <summary>Where the training project saves the model and the consumption project looks for it.</summary>
    public const string ModelPath = "ClothingModel.zip";

    /// <summary>Image side in pixels.</summary>
    public const int Side = 28;

    private static readonly Dictionary<string, Lazy<(Featurizer Featurizer, ModelBundle Bundle, KnnClassifier Classifier, string[] Labels)>> Loaded = new();

    /// <summary>Predicts the class of one image with the model file at <paramref name="modelPath"/> (loaded once, then reused).</summary>
    public static ModelOutput Predict(ModelInput input, string modelPath = ModelPath)
    {
        Lazy<(Featurizer Featurizer, ModelBundle Bundle, KnnClassifier Classifier, string[] Labels)> lazy;
        lock (Loaded)
            if (!Loaded.TryGetValue(modelPath, out lazy!))
                Loaded[modelPath] = lazy = new(() => ModelFile.Load(modelPath));
        var (featurizer, _, classifier, labels) = lazy.Value;
        return Predict(featurizer, classifier, labels, [input])[0];
    }

    /// <summary>Predicts a batch of images with a loaded featurizer and classifier.</summary>
    public static ModelOutput[] Predict(Featurizer featurizer, KnnClassifier classifier, string[] labels, IReadOnlyList<ModelInput> inputs)
    {
        var features = featurizer.Transform(ToDataset(inputs, labels));
        var outputs = new ModelOutput[inputs.Count];
        for (int i = 0; i < inputs.Count; i++)
        {
            var score = classifier.Predict(features.Row(i));
            int best = Array.IndexOf(score, score.Max());
            outputs[i] = new ModelOutput { PredictedLabel = labels[best], Score = score, ClassNames = labels };
        }
        return outputs;
    }

    /// <summary>Packs inputs into an image data set (labels by name when known, else none).</summary>
    public static SimVae.Data.ImageDataset ToDataset(IReadOnlyList<ModelInput> inputs, IReadOnlyList<string> classNames)
    {
        var pixels = new byte[inputs.Count * Side * Side];
        for (int i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].Pixels.Length != Side * Side) throw new ArgumentException($"input {i} has {inputs[i].Pixels.Length} pixels, expected {Side * Side}");
            inputs[i].Pixels.CopyTo(pixels, i * Side * Side);
        }
        int[]? labels = inputs.All(x => classNames.Contains(x.Label)) ? inputs.Select(x => classNames.ToList().IndexOf(x.Label)).ToArray() : null;
        return new SimVae.Data.ImageDataset(pixels, inputs.Count, 1, Side, Side, labels, classNames, name: "clothing images");
    }
}
