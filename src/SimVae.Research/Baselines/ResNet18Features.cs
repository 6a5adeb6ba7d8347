using Microsoft.ML;
using Microsoft.ML.Data;
using SimVae.Featurization;
using static TorchSharp.torch;

namespace SimVae.Research.Baselines;

/// <summary>
/// ML.NET's pretrained ResNet-18 featurizer, the one-line choice of a Model Builder user: each image is made RGB (grey
/// copied into R, G and B), resized to 224 × 224 as ML.NET's <c>ResizeImages</c> does (<see cref="MitchellResize"/>),
/// quantised to 8 bits as its bitmaps are, and its 0–255 pixels (planar R, G, B, as <c>ExtractPixels</c> gives them) go
/// through <c>DnnFeaturizeImage</c> with <c>ResNet18</c>: the package's ONNX preprocessing and network, run by ML.NET's
/// OnnxTransformer row by row, 512 features.
/// </summary>
public sealed class ResNet18Features : BaselineFeatures
{
    /// <summary>The side of ResNet-18's input images.</summary>
    public const int InputSize = 224;

    private const int PixelCount = 3 * InputSize * InputSize;
    private const string FeaturesColumn = "Features";

    /// <summary>Images resized per chunk (each is 600 KB as 224 × 224 × 3 floats).</summary>
    private const int Chunk = 128;

    private readonly MLContext ml = new(seed: 0);
    private readonly ITransformer model;

    /// <summary>Fits the (parameter-free) featurizing pipeline.</summary>
    public ResNet18Features()
    {
        var pipeline = ml.Transforms.DnnFeaturizeImage(FeaturesColumn, m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn), nameof(PixelRow.Pixels));
        model = pipeline.Fit(ml.Data.LoadFromEnumerable(new List<PixelRow>()));
    }

    /// <inheritdoc/>
    public override FeatureMatrix Transform(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[1] is not (1 or 3)) throw new ArgumentException($"expected (n, 1 or 3, H, W) images, got ({string.Join(", ", images.shape)})", nameof(images));
        int n = (int)images.shape[0];
        var values = new List<float>(n * 512);
        for (int start = 0; start < n; start += Chunk)
        {
            var rows = Pixels(images.narrow(0, start, Math.Min(Chunk, n - start)));
            foreach (var features in model.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float[]>(FeaturesColumn))
                values.AddRange(features);
        }
        return new FeatureMatrix([.. values], n, n == 0 ? 0 : values.Count / n);
    }

    /// <summary>ResNet-18's input rows: RGB, 224 × 224, 8-bit values as floats, planar.</summary>
    private static List<PixelRow> Pixels(Tensor images)
    {
        using var scope = NewDisposeScope();
        var rgb = images.shape[1] == 1 ? images.expand(-1, 3, -1, -1) : images;
        var resized = MitchellResize.Apply(rgb.to(float32).cpu(), InputSize, InputSize).mul(255).round().clamp(0, 255).contiguous();
        var all = resized.data<float>().ToArray();
        return Enumerable.Range(0, (int)images.shape[0]).Select(i => new PixelRow { Pixels = all[(i * PixelCount)..((i + 1) * PixelCount)] }).ToList();
    }

    /// <summary>A row of the pipeline's input.</summary>
    private sealed class PixelRow
    {
        [VectorType(PixelCount)]
        public float[] Pixels { get; set; } = [];
    }
}
