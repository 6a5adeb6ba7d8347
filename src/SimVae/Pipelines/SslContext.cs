using SimVae.Torch;

namespace SimVae.Pipelines;

/// <summary>
/// The entry point of the pipeline API, in the spirit of ML.NET's <c>MLContext</c>: it holds the seed and the compute
/// device shared by the components it creates, a <see cref="Log"/> event, the <see cref="Featurizers"/> catalog of
/// estimators and the <see cref="Model"/> operations (load a saved featurizer).
/// <code>
/// var ssl = new SslContext(seed: 1, device: Device.Cpu);
/// ssl.Log += (_, e) => Console.WriteLine(e.Message);
/// using var featurizer = ssl.Featurizers.SimVae(latentDimension: 10, epochs: 5).Fit(trainImages);
/// FeatureMatrix features = featurizer.Transform(testImages);
/// featurizer.Save("shapes.simvae");
/// using var loaded = ssl.Model.Load("shapes.simvae");
/// </code>
/// Training is deterministic: the same seed, options and data give the same weights.
/// </summary>
public sealed class SslContext
{
    /// <summary>Creates a context.</summary>
    /// <param name="seed">Seed of weights, data order, augmentations and sampling noise (default <see cref="Defaults.Seed"/>).</param>
    /// <param name="device">Where training and featurizing run (default: CUDA when available, else the CPU).</param>
    public SslContext(int? seed = null, Device? device = null)
    {
        Seed = seed ?? Defaults.Seed;
        Device = device ?? Device.Auto;
        Featurizers = new FeaturizerCatalog(this);
        Model = new SslModelOperations(this);
    }

    /// <summary>The seed every estimator of this context trains with.</summary>
    public int Seed { get; }

    /// <summary>The device models are trained and run on.</summary>
    public Device Device { get; }

    /// <summary>Estimators that learn featurizers: SimVAE, VAE, β-VAE, SimCLR, VICReg.</summary>
    public FeaturizerCatalog Featurizers { get; }

    /// <summary>Loading (and saving) fitted featurizers.</summary>
    public SslModelOperations Model { get; }

    /// <summary>Messages from the components: start and end of training and its progress every <see cref="FitOptions.LogEvery"/> steps.</summary>
    public event EventHandler<SslLogEventArgs>? Log;

    internal void Write(string source, string message, Training.TrainingProgress? progress = null) =>
        Log?.Invoke(this, new SslLogEventArgs(source, message, progress));
}
