using SimVae.Bundles;

namespace SimVae.Pipelines;

/// <summary>
/// Saving and loading fitted featurizers (<c>ssl.Model</c>), as ML.NET's <c>mlContext.Model</c>. The file is one
/// <see cref="ModelBundle"/> (a validated zip of options, weights and input description).
/// </summary>
public sealed class SslModelOperations
{
    private readonly SslContext context;

    internal SslModelOperations(SslContext context) => this.context = context;

    /// <summary>Saves <paramref name="transformer"/> to <paramref name="path"/> (same as <see cref="SslFeaturizerTransformer.Save(string)"/>).</summary>
    public void Save(SslFeaturizerTransformer transformer, string path)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        transformer.Save(path);
    }

    /// <summary>Loads a saved featurizer onto the context's device.</summary>
    /// <param name="path">A file written by <see cref="SslFeaturizerTransformer.Save(string)"/> (or any model bundle).</param>
    /// <param name="batchSize">Images per forward pass of the loaded transformer.</param>
    /// <exception cref="InvalidDataException">The file is not a valid model bundle; the message names the problem.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public SslFeaturizerTransformer Load(string path, int batchSize = Defaults.TransformBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var transformer = new SslFeaturizerTransformer(ModelBundle.Load(path, context.Device), batchSize);
        context.Write(nameof(SslModelOperations), $"loaded {transformer} from '{path}'");
        return transformer;
    }

    /// <summary>Loads a saved featurizer from <paramref name="stream"/> (from its position to its end; left open).</summary>
    /// <param name="stream">A readable stream holding a model bundle.</param>
    /// <param name="batchSize">Images per forward pass of the loaded transformer.</param>
    /// <exception cref="InvalidDataException">The data is not a valid model bundle.</exception>
    public SslFeaturizerTransformer Load(Stream stream, int batchSize = Defaults.TransformBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return new SslFeaturizerTransformer(ModelBundle.Load(stream, context.Device), batchSize);
    }
}
