// Consumption code of the flip detector (style task): is a clothing image upside down? What a trained
// FlipModel.zip takes and gives, and how to load it and predict. Shared with the training project.
using SimVae.Bundles;
using SimVae.Featurization;
using SimVae.Samples;

namespace FlipDetector;

/// <summary>Predicts whether a 28×28 gray clothing image is upside down (a style of the image, not its content).</summary>
public static partial class FlipModel
{
    /// <summary>One image and, for training and evaluation, whether it is flipped.</summary>
    public sealed class ModelInput
    {
        /// <summary>28 × 28 gray pixels, row by row (0 = black, 255 = white).</summary>
        public byte[] Pixels { get; set; } = [];

        /// <summary>True when the image is upside down; ignored by <see cref="Predict"/>.</summary>
        public bool Flipped { get; set; }
    }

    /// <summary>The prediction for one image.</summary>
    public sealed class ModelOutput
    {
        /// <summary>Whether the image is predicted to be upside down.</summary>
        public bool PredictedFlipped { get; set; }

        /// <summary>The predicted probability that the image is upside down.</summary>
        public float Probability { get; set; }
    }

    /// <summary>Where the training project saves the model and the consumption project looks for it.</summary>
    public const string ModelPath = "FlipModel.zip";

    /// <summary>Image side in pixels.</summary>
    public const int Side = 28;

    /// <summary>The two classes: index 1 is "flipped".</summary>
    public static readonly string[] ClassNames = ["upright", "flipped"];

    private static readonly Dictionary<string, Lazy<(Featurizer Featurizer, ModelBundle Bundle, KnnClassifier Classifier, string[] Labels)>> Loaded = new();

    /// <summary>Predicts one image with the model file at <paramref name="modelPath"/> (loaded once, then reused).</summary>
    public static ModelOutput Predict(ModelInput input, string modelPath = ModelPath)
    {
        Lazy<(Featurizer Featurizer, ModelBundle Bundle, KnnClassifier Classifier, string[] Labels)> lazy;
        lock (Loaded)
            if (!Loaded.TryGetValue(modelPath, out lazy!))
                Loaded[modelPath] = lazy = new(() => ModelFile.Load(modelPath));
        var (featurizer, _, classifier, _) = lazy.Value;
        return Predict(featurizer, classifier, [input])[0];
    }

    /// <summary>Predicts a batch of images with a loaded featurizer and classifier.</summary>
    public static ModelOutput[] Predict(Featurizer featurizer, KnnClassifier classifier, IReadOnlyList<ModelInput> inputs)
    {
        var features = featurizer.Transform(ToDataset(inputs));
        return Enumerable.Range(0, inputs.Count).Select(i =>
        {
            float p = classifier.Predict(features.Row(i))[1];
            return new ModelOutput { PredictedFlipped = p > 0.5f, Probability = p };
        }).ToArray();
    }

    /// <summary>Packs inputs into an image data set labelled 1 for flipped images.</summary>
    public static SimVae.Data.ImageDataset ToDataset(IReadOnlyList<ModelInput> inputs)
    {
        var pixels = new byte[inputs.Count * Side * Side];
        for (int i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].Pixels.Length != Side * Side) throw new ArgumentException($"input {i} has {inputs[i].Pixels.Length} pixels, expected {Side * Side}");
            inputs[i].Pixels.CopyTo(pixels, i * Side * Side);
        }
        return new SimVae.Data.ImageDataset(pixels, inputs.Count, 1, Side, Side, inputs.Select(x => x.Flipped ? 1 : 0).ToArray(), ClassNames, name: "clothing images, some upside down");
    }

    /// <summary>The image turned upside down (rows in reverse order).</summary>
    public static byte[] FlipUpsideDown(ReadOnlySpan<byte> pixels)
    {
        var flipped = new byte[pixels.Length];
        for (int row = 0; row < Side; row++) pixels.Slice(row * Side, Side).CopyTo(flipped.AsSpan((Side - 1 - row) * Side, Side));
        return flipped;
    }
}
