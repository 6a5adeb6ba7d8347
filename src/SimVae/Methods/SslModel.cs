using SimVae.Engine;
using SimVae.Losses;
using SimVae.Optim;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SimVae.Methods;

/// <summary>
/// A self-supervised method as a module: it defines its training loss on a batch of views and how images become
/// features, and chooses its optimiser (<see cref="ConfigureOptimizers"/>). The trainer owns the loop, checkpoints and
/// devices (PyTorch Lightning's split). Every tensor of the method's state (teacher networks, queues, centres) is a
/// parameter or buffer, so checkpoints and bundles hold it and resuming is exact. Submodules, parameters and buffers are
/// registered explicitly under their state-dict names.
/// </summary>
public abstract class SslModel : nn.Module
{

    /// <summary>Stores the validated options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    protected SslModel(SslOptions options) : base(Validated(options).MethodName)
    {
        Options = options;
    }

    private static SslOptions Validated(SslOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }

    /// <summary>The method's settings.</summary>
    public SslOptions Options { get; }

    /// <summary>
    /// Set by the trainer for the length of a data-parallel run (null otherwise): <see cref="Loss"/> then receives this
    /// rank's shard of the global batch and draws or gathers what it needs to compute the global batch's loss.
    /// </summary>
    public DataParallelContext? DataParallel { get; set; }

    /// <summary>
    /// Whether <see cref="Loss"/> is a sum over the batch's images (so the ranks' gradients are summed) rather than a
    /// mean (so they are averaged; with the global batch gathered, every rank holds the same loss).
    /// </summary>
    protected internal virtual bool LossSumsOverImages => false;

    /// <summary>Length of the feature vector <see cref="Encode"/> returns.</summary>
    public abstract int FeatureDimension { get; }

    /// <summary>
    /// The training loss for <paramref name="views"/>: [J·N, C, H, W] floats in [0, 1], view-major (rows
    /// j·N … j·N + N − 1 are view j of the N images), J = <see cref="SslOptions.Views"/>.
    /// </summary>
    public abstract LossTerms Loss(Tensor views);

    /// <summary>Features for [N, C, H, W] images in [0, 1] (the caller chooses grad mode and train/eval mode).</summary>
    public abstract Tensor Encode(Tensor images);

    /// <summary>Most bytes of weights and buffers a model may hold: what one model bundle can store (2 GiB − 1).</summary>
    public const long MaxStateBytes = int.MaxValue;

    /// <summary>
    /// Creates the model an options object describes (seed libtorch first for reproducible weights), after checking on
    /// libtorch's meta device, without allocating it, that its state fits in <see cref="MaxStateBytes"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid, or describe a model larger than <see cref="MaxStateBytes"/>.</exception>
    public static SslModel Create(SslOptions options)
    {
        CheckSize(options);
        return SslMethods.CreateModel(options);
    }

    /// <summary>
    /// Checks on libtorch's meta device, without allocating anything, that the model <paramref name="options"/> describe
    /// fits in <see cref="MaxStateBytes"/> (callers check it before loading data; <see cref="Create"/> checks it again).
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid, or describe a model larger than <see cref="MaxStateBytes"/>.</exception>
    /// <exception cref="EngineUnavailableException">TorchSharp's native libraries cannot be loaded (the message says why).</exception>
    public static void CheckSize(SslOptions options)
    {
        // The first libtorch call of most programs: fail here with the loader's real reason, not TorchSharp's guess.
        TorchRuntime.EnsureLoaded();
        long bytes = StateBytes(StateShapes(options));
        if (bytes > MaxStateBytes)
            throw new ArgumentOutOfRangeException(nameof(options), bytes,
                $"the {options.MethodName} model these options describe ({options.Backbone}, {options.Channels}x{options.Height}x{options.Width} images, d = {options.LatentDim}) " +
                $"would hold {bytes:N0} bytes of weights, more than the {MaxStateBytes:N0} a model bundle can store; use smaller images or the Conv backbone");
    }

    /// <summary>
    /// The names and shapes of the state dict of the model <paramref name="options"/> describe, found without allocating
    /// it: the model's parameters and buffers are made on libtorch's meta device (shapes, no storage) through a
    /// <see cref="ModuleAllocation.ShapesOnly"/> region of this thread; other threads are not affected.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static Dictionary<string, long[]> StateShapes(SslOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        using var shapesOnly = ModuleAllocation.ShapesOnly();
        using var model = SslMethods.CreateModel(options);
        return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape, StringComparer.Ordinal);
    }

    /// <summary>Bytes of float32 state the shapes describe (saturating, so absurd shapes cannot overflow).</summary>
    public static long StateBytes(IReadOnlyDictionary<string, long[]> shapes)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        double total = shapes.Values.Sum(shape => shape.Aggregate(4.0, (product, size) => product * size));
        return total >= long.MaxValue ? long.MaxValue : (long)total;
    }

    /// <summary>The parameters the optimiser updates: those requiring gradients (a momentum teacher's do not).</summary>
    public IEnumerable<Parameter> TrainableParameters() => parameters().Where(p => p.requires_grad);

    /// <summary>
    /// The optimiser and learning-rate schedule for a run of <paramref name="totalSteps"/> steps (Lightning's
    /// <c>configure_optimizers</c>): by default those the options describe, over <see cref="ParameterGroups"/>. Call it
    /// after the model is on its device (moving a TorchSharp module replaces its parameters).
    /// </summary>
    public virtual OptimizerSetup ConfigureOptimizers(long totalSteps) => OptimizerSetup.FromOptions(Options, ParameterGroups(), totalSteps);

    /// <summary>The parameter groups of the optimiser (default: one group of <see cref="TrainableParameters"/>).</summary>
    protected virtual IEnumerable<ParameterGroup> ParameterGroups() => [new ParameterGroup(TrainableParameters())];

    /// <summary>
    /// Called by the trainer before the loss of step <paramref name="step"/> (0-based) of <paramref name="totalSteps"/>
    /// (Lightning's <c>on_train_batch_start</c>): momentum teachers are updated and schedules advanced here. A function
    /// of the step and the state, so resuming from a checkpoint repeats it exactly.
    /// </summary>
    public virtual void OnTrainingStep(long step, long totalSteps) { }

    /// <summary>Throws, in a data-parallel run, for a method whose loss a rank's shard cannot compute exactly (<paramref name="why"/>).</summary>
    /// <exception cref="NotSupportedException">The model is in a data-parallel run.</exception>
    protected void RefuseDataParallel(string why)
    {
        if (DataParallel is not null)
            throw new NotSupportedException($"data-parallel training of {Options.MethodName} is not supported yet ({why}); train it in one process");
    }

    /// <summary>Checks that a view batch has J·N rows of the configured image shape; returns N.</summary>
    protected long ImagesIn(Tensor views)
    {
        ArgumentNullException.ThrowIfNull(views);
        var shape = views.shape;
        var o = Options;
        if (shape.Length != 4 || shape[1] != o.Channels || shape[2] != o.Height || shape[3] != o.Width || shape[0] % o.Views != 0)
            throw new ArgumentException(
                $"views must be [J·N, {o.Channels}, {o.Height}, {o.Width}] with J = {o.Views}; got [{string.Join(", ", shape)}]", nameof(views));
        return shape[0] / o.Views;
    }
}
