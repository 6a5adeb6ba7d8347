// The SimVae featurizer as an ML.NET pipeline step, written with ML.NET's public CustomMapping API: maps the Pixels
// column to a Features column with a trained SimVae model bundle. ML.NET stores only the contract name in the saved
// MLModel.zip, not the weights, so the bundle file travels next to it (see SimVaeFeaturizerFactory.BundlePath).
// The SimVae.MLNet adapter (src/SimVae.MLNet, in progress) packages this as a catalog extension with the bundle
// embedded; switch to it when it lands.
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using SimVae.Featurization;
using SimVae.Torch;

namespace FashionMLNet;

/// <summary>The Features column the featurizer adds.</summary>
public sealed class FeaturesRow
{
    /// <summary>The model's features (posterior means for SimVAE); the sample's bundles have 10.</summary>
    [VectorType(SimVaeFeaturizerFactory.FeatureDimension)]
    public float[] Features { get; set; } = [];
}

/// <summary>Creates the mapping; ML.NET finds it by its contract name when a saved model is loaded.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class SimVaeFeaturizerFactory : CustomMappingFactory<ModelInput, FeaturesRow>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "SimVaeFeaturizer";

    /// <summary>Feature dimension of the bundles this sample trains (SimVAE's default d = 10).</summary>
    public const int FeatureDimension = 10;

    private static readonly object Gate = new();
    private static Featurizer? featurizer;
    private static string? loadedPath;

    /// <summary>The model bundle the mapping uses; set it before fitting or loading a pipeline.</summary>
    public static string BundlePath { get; set; } = "featurizer.simvae";

    /// <inheritdoc />
    public override Action<ModelInput, FeaturesRow> GetMapping() => Map;

    /// <summary>Featurizes one row (the featurizer is thread-safe; ML.NET may call this from several threads).</summary>
    public static void Map(ModelInput input, FeaturesRow output)
    {
        var f = Featurizer();
        using var pixels = Tensor.FromArray(input.Pixels, [1, 1, 28, 28]);
        output.Features = f.Transform(pixels).Values;
    }

    private static Featurizer Featurizer()
    {
        lock (Gate)
        {
            if (featurizer is null || loadedPath != BundlePath)
            {
                featurizer?.Dispose();
                featurizer = SimVae.Featurization.Featurizer.Load(BundlePath);
                if (featurizer.FeatureDimension != FeatureDimension)
                    throw new InvalidOperationException($"{BundlePath} gives {featurizer.FeatureDimension} features; this sample's column has {FeatureDimension}");
                loadedPath = BundlePath;
            }
            return featurizer;
        }
    }
}
