using System.Runtime.InteropServices;
using SimVae.Augmentations;
using SimVae.Bundles;
using SimVae.Data;
using SimVae.Engine;
using SimVae.Export;
using SimVae.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Featurization;

/// <summary>
/// Turns images into float feature vectors with a trained <see cref="SslModel"/>: batched, in eval mode, without
/// recording gradients, on the device the model's weights live on. Results come back as a <see cref="FeatureMatrix"/>
/// (one compact row-major float array, one row per image, in input order).
/// <para>
/// Inputs are either an <see cref="ImageDataset"/> (converted batch by batch, so the whole set never has to sit on
/// the device as floats) or a float32 tensor [N, C, H, W] on any device with values in [0, 1] (pixels / 255, what
/// <see cref="ImageDataset.ToTensor(Device?)"/> gives), of the shape the model's options describe.
/// </para>
/// <para>
/// Deterministic: the same input with the same arguments (batch size included: BLAS kernels may round differently
/// for different batch shapes) gives the same output, bit for bit. Thread-safe: one featurizer may be used from
/// several threads at once. Each call sets no-grad mode on its own thread (grad mode is thread-local in libtorch),
/// uses its own thread-static dispose scope, and eval-mode forward passes only read the weights. The model must stay
/// in eval mode while it is shared: calls fail if someone switched it to training mode. The one piece of global
/// state, libtorch's random generator, is only used by <see cref="AnomalyScores(ImageDataset, int, int, int)"/>,
/// which holds a process-wide lock while it seeds and draws.
/// </para>
/// </summary>
public sealed class Featurizer : IDisposable
{
    /// <summary>The default number of images per forward pass.</summary>
    public const int DefaultBatchSize = 256;

    /// <summary>Serialises every use of libtorch's process-global generator by featurizers (see <see cref="AnomalyScores(ImageDataset, int, int, int)"/>).</summary>
    private static readonly object GeneratorLock = new();

    private readonly ModelBundle? ownedBundle;

    /// <summary>Featurizes with <paramref name="model"/>, which is put in eval mode; the caller keeps ownership.</summary>
    public Featurizer(SslModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        ObjectDisposedException.ThrowIf(IsDisposed(model), model);
        Model = model;
        Model.eval();
    }

    /// <summary>Featurizes with a loaded bundle's model; the caller keeps ownership of the bundle.</summary>
    public Featurizer(ModelBundle bundle) : this((bundle ?? throw new ArgumentNullException(nameof(bundle))).Model)
    {
    }

    private Featurizer(ModelBundle bundle, bool owned) : this(bundle) => ownedBundle = owned ? bundle : null;

    /// <summary>Loads a bundle file (validated; see <see cref="ModelBundle.Load(string, Device?)"/>) into a featurizer that owns it.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid bundle.</exception>
    public static Featurizer Load(string bundlePath, Device? device = null) => new(ModelBundle.Load(bundlePath, device), owned: true);

    /// <summary>The model that computes the features.</summary>
    public SslModel Model { get; }

    /// <summary>The model's options (input shape, method, augmentation preset).</summary>
    public SslOptions Options => Model.Options;

    /// <summary>F, the length of the vectors <see cref="Transform(ImageDataset, int)"/> returns.</summary>
    public int FeatureDimension => Model.FeatureDimension;

    /// <summary>The latent dimension d of the generative (VAE-family) methods' posterior.</summary>
    public int LatentDimension => Options.LatentDim;

    /// <summary>Whether the model is a VAE-family model (SimVAE, VAE, β-VAE) with a posterior and an ELBO.</summary>
    public bool IsGenerative => Model is VariationalModel;

    /// <summary>Where the computation runs: the device of the model's weights.</summary>
    public Device Device => Model.parameters().FirstOrDefault()?.device ?? torch.CPU;

    /// <summary>
    /// Single-view features: <see cref="SslModel.Encode"/> of each image — the posterior mean μ(x) for the VAE
    /// family, the backbone output for SimCLR/VICReg. Returns N × <see cref="FeatureDimension"/>.
    /// </summary>
    /// <param name="images">The images.</param>
    /// <param name="batchSize">Images per forward pass.</param>
    public FeatureMatrix Transform(ImageDataset images, int batchSize = DefaultBatchSize) =>
        Run(Source.Of(images, Options), FeatureDimension, batchSize, (x, _) => Model.Encode(x));

    /// <summary>Single-view features of a float32 [N, C, H, W] tensor in [0, 1]; see <see cref="Transform(ImageDataset, int)"/>.</summary>
    /// <param name="images">The images (any device; not disposed).</param>
    /// <param name="batchSize">Images per forward pass.</param>
    public FeatureMatrix Transform(Tensor images, int batchSize = DefaultBatchSize) =>
        Run(Source.Of(images, Options), FeatureDimension, batchSize, (x, _) => Model.Encode(x));

    /// <summary>
    /// Content features: the model's estimate of the content latent y shared by an image's augmentations — the mean
    /// over <paramref name="views"/> augmented views of the posterior means (SimVAE's E[y | x_1..x_K] up to the prior's
    /// shrinkage) for the VAE family, and the mean of the views' features for SimCLR/VICReg. Views come from the
    /// model's own augmentation preset (<see cref="SslOptions.Augmentation"/>, via <see cref="AugmentationNames"/>);
    /// with the preset "none" every view is the image itself and this equals <see cref="Transform(ImageDataset, int)"/>.
    /// Deterministic for a given <paramref name="seed"/> and <paramref name="batchSize"/>: the views of the images in
    /// forward pass b are drawn from a <see cref="Random"/> seeded by (seed, b).
    /// </summary>
    /// <param name="images">The images.</param>
    /// <param name="views">K ≥ 1, augmented views per image.</param>
    /// <param name="seed">Seed of the augmentations.</param>
    /// <param name="batchSize">Views per forward pass (at least one image, i.e. K views, per pass).</param>
    public FeatureMatrix ContentFeatures(ImageDataset images, int views = 8, int seed = 0, int batchSize = DefaultBatchSize) =>
        Content(Source.Of(images, Options), views, seed, batchSize);

    /// <summary>Content features of a float32 [N, C, H, W] tensor in [0, 1]; see <see cref="ContentFeatures(ImageDataset, int, int, int)"/>.</summary>
    /// <param name="images">The images (any device; not disposed).</param>
    /// <param name="views">K ≥ 1, augmented views per image.</param>
    /// <param name="seed">Seed of the augmentations.</param>
    /// <param name="batchSize">Views per forward pass (at least one image, i.e. K views, per pass).</param>
    public FeatureMatrix ContentFeatures(Tensor images, int views = 8, int seed = 0, int batchSize = DefaultBatchSize) =>
        Content(Source.Of(images, Options), views, seed, batchSize);

    /// <summary>
    /// The posterior variance σ²(x) = exp(log σ²(x)) of q(z|x) per latent dimension: the model's uncertainty about
    /// each coordinate of the image's latent. VAE family only. Returns N × <see cref="LatentDimension"/>, all positive.
    /// </summary>
    /// <param name="images">The images.</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <exception cref="NotSupportedException">The model is not a VAE-family model.</exception>
    public FeatureMatrix PosteriorVariance(ImageDataset images, int batchSize = DefaultBatchSize) =>
        Variance(Source.Of(images, Options), batchSize);

    /// <summary>Posterior variance of a float32 [N, C, H, W] tensor in [0, 1]; see <see cref="PosteriorVariance(ImageDataset, int)"/>.</summary>
    /// <param name="images">The images (any device; not disposed).</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <exception cref="NotSupportedException">The model is not a VAE-family model.</exception>
    public FeatureMatrix PosteriorVariance(Tensor images, int batchSize = DefaultBatchSize) =>
        Variance(Source.Of(images, Options), batchSize);

    /// <summary>
    /// Per-image anomaly scores: the negative ELBO (<see cref="VariationalModel.NegativeElbo"/>, single view, marginal
    /// prior), averaged over <paramref name="samples"/> draws of z ~ q(z|x). Higher means less like the training data.
    /// VAE family only.
    /// <para>
    /// Deterministic: the draws come from libtorch's generator seeded from (<paramref name="seed"/>, forward pass,
    /// sample). That generator is process-global, so this call holds a lock shared by all featurizers from seeding to
    /// the last draw: concurrent anomaly-score calls run one after another (other featurizer calls are not blocked).
    /// Code outside featurizers that seeds or draws from libtorch's generator at the same time (e.g. a trainer on
    /// another thread) can still disturb it, and after this call the generator's state is not what it was before.
    /// </para>
    /// </summary>
    /// <param name="images">The images.</param>
    /// <param name="samples">Draws of z per image (≥ 1).</param>
    /// <param name="seed">Seed of the draws.</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <exception cref="NotSupportedException">The model is not a VAE-family model.</exception>
    public float[] AnomalyScores(ImageDataset images, int samples = 1, int seed = 0, int batchSize = DefaultBatchSize) =>
        Anomaly(Source.Of(images, Options), samples, seed, batchSize);

    /// <summary>Anomaly scores of a float32 [N, C, H, W] tensor in [0, 1]; see <see cref="AnomalyScores(ImageDataset, int, int, int)"/>.</summary>
    /// <param name="images">The images (any device; not disposed).</param>
    /// <param name="samples">Draws of z per image (≥ 1).</param>
    /// <param name="seed">Seed of the draws.</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <exception cref="NotSupportedException">The model is not a VAE-family model.</exception>
    public float[] AnomalyScores(Tensor images, int samples = 1, int seed = 0, int batchSize = DefaultBatchSize) =>
        Anomaly(Source.Of(images, Options), samples, seed, batchSize);

    /// <summary>Writes the encoder as an ONNX model computing <see cref="Transform(ImageDataset, int)"/>; see <see cref="OnnxExporter"/>.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="options">Input/output settings; null for the defaults.</param>
    public void ExportOnnx(string path, OnnxExportOptions? options = null) => OnnxExporter.Export(Model, path, options);

    /// <summary>Writes the encoder as an ONNX model to <paramref name="output"/>; see <see cref="OnnxExporter"/>.</summary>
    /// <param name="output">A writable stream (stays open).</param>
    /// <param name="options">Input/output settings; null for the defaults.</param>
    public void ExportOnnx(Stream output, OnnxExportOptions? options = null) => OnnxExporter.Export(Model, output, options);

    /// <summary>Disposes the bundle when this featurizer loaded it itself (<see cref="Load"/>); otherwise does nothing.</summary>
    public void Dispose() => ownedBundle?.Dispose();

    private FeatureMatrix Content(Source source, int views, int seed, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(views, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var o = Options;
        var transform = AugmentationNames.Create(o.Augmentation, o.Height, views);
        if (transform is null) return Run(source, FeatureDimension, batchSize, (x, _) => Model.Encode(x));
        int imagesPerPass = Math.Max(1, batchSize / views);
        return Run(source, FeatureDimension, imagesPerPass, (x, pass) =>
        {
            long n = x.shape[0];
            // View-major [K·n, C, H, W] → features [K·n, F] → [K, n, F] → mean over the K views.
            var augmented = transform.Apply(x, new Random(Seeds.Derive(seed, pass)));
            return Model.Encode(augmented).view(views, n, -1).mean([0]);
        });
    }

    private FeatureMatrix Variance(Source source, int batchSize)
    {
        var vae = RequireGenerative("posterior variance");
        return Run(source, LatentDimension, batchSize, (x, _) =>
        {
            var (mean, logVar) = vae.Posterior(x);
            mean.Dispose();
            return logVar.exp();
        });
    }

    private float[] Anomaly(Source source, int samples, int seed, int batchSize)
    {
        var vae = RequireGenerative("the anomaly score (negative ELBO)");
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        lock (GeneratorLock)
        {
            return Run(source, 1, batchSize, (x, pass) =>
            {
                Tensor? total = null;
                for (int s = 0; s < samples; s++)
                {
                    TorchRuntime.ManualSeed((ulong)Seeds.Derive(seed, pass, s));
                    var score = vae.NegativeElbo(x);
                    total = total is null ? score : total + score;
                }
                return (samples == 1 ? total! : total! / samples).unsqueeze(1);
            }).Values;
        }
    }

    private VariationalModel RequireGenerative(string what) => Model as VariationalModel
        ?? throw new NotSupportedException(
            $"{what} needs a VAE-family model (SimVAE, VAE, β-VAE, CR-VAE) with a posterior q(z|x); this is a {Options.MethodName} model, which has none");

    /// <summary>Whether <paramref name="model"/> was disposed (disposing a module disposes its parameters).</summary>
    private static bool IsDisposed(SslModel model) => model.parameters().Any(p => p.IsInvalid);

    /// <summary>Runs <paramref name="compute"/> on consecutive batches and gathers its [n, columns] float results.</summary>
    private FeatureMatrix Run(Source source, int columns, int batchSize, Func<Tensor, int, Tensor> compute)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ObjectDisposedException.ThrowIf(IsDisposed(Model), Model);
        if (Model.training)
            throw new InvalidOperationException("the model is in training mode; call Model.Eval() before featurizing (features are defined in eval mode)");
        var device = Device;
        int count = source.Count;
        var values = new float[(long)count * columns];
        using var noGrad = torch.no_grad();
        for (int start = 0, pass = 0; start < count; start += batchSize, pass++)
        {
            int n = Math.Min(batchSize, count - start);
            using var scope = torch.NewDisposeScope();
            var x = source.Batch(start, n, device);
            var result = compute(x, pass);
            var shape = result.shape;
            if (shape.Length != 2 || shape[0] != n || shape[1] != columns)
                throw new InvalidOperationException($"the model returned [{string.Join(", ", shape)}] for {n} images, expected [{n}, {columns}]");
            var host = result.to(ScalarType.Float32, torch.CPU).contiguous();
            MemoryMarshal.Cast<byte, float>(host.bytes).CopyTo(values.AsSpan(start * columns, n * columns));
        }
        return new FeatureMatrix(values, count, columns);
    }

    /// <summary>Images from a data set or a tensor, delivered batch by batch as float32 on the compute device.</summary>
    private readonly struct Source
    {
        private readonly ImageDataset? data;
        private readonly Tensor? tensor;

        private Source(ImageDataset? data, Tensor? tensor, int count)
        {
            this.data = data;
            this.tensor = tensor;
            Count = count;
        }

        public int Count { get; }

        public static Source Of(ImageDataset images, SslOptions o)
        {
            ArgumentNullException.ThrowIfNull(images);
            if (images.Channels != o.Channels || images.Height != o.Height || images.Width != o.Width)
                throw new ArgumentException($"{images.Name} holds {images.Channels}x{images.Height}x{images.Width} images but the model takes {o.Channels}x{o.Height}x{o.Width}", nameof(images));
            return new Source(images, null, images.Count);
        }

        public static Source Of(Tensor images, SslOptions o)
        {
            ArgumentNullException.ThrowIfNull(images);
            ObjectDisposedException.ThrowIf(images.IsInvalid, images);
            var shape = images.shape;
            if (shape.Length != 4 || shape[1] != o.Channels || shape[2] != o.Height || shape[3] != o.Width)
                throw new ArgumentException($"images must be [N, {o.Channels}, {o.Height}, {o.Width}]; got [{string.Join(", ", shape)}]", nameof(images));
            if (images.dtype != ScalarType.Float32)
                throw new ArgumentException($"images must be float32 in [0, 1] (pixels / 255); got {images.dtype}", nameof(images));
            if (shape[0] > int.MaxValue) throw new ArgumentException($"at most {int.MaxValue} images per call", nameof(images));
            return new Source(null, images, (int)shape[0]);
        }

        /// <summary>Images start .. start + n − 1 on <paramref name="device"/>, owned by the current dispose scope.</summary>
        public Tensor Batch(int start, int n, Device device)
        {
            if (data is not null)
            {
                var indices = new int[n];
                for (int i = 0; i < n; i++) indices[i] = start + i;
                return data.ToTensor(indices, device);
            }
            // to() hands back the same storage when the rows already live on the device.
            return tensor!.narrow(0, start, n).to(device);
        }
    }
}
