using System.Diagnostics;
using SimVae.Bundles;
using SimVae.Data;
using SimVae.Engine;
using SimVae.IO;
using SimVae.Losses;
using SimVae.Methods;
using TorchSharp;

namespace SimVae.Training;

/// <summary>
/// Trains an <see cref="SslModel"/> on unlabelled images: owns the loop, the optimiser the method configures
/// (<see cref="SslModel.ConfigureOptimizers"/>), device placement, metrics log, atomic checkpoints, exact resume, cancellation and NaN detection.
/// Exact resume: the checkpoint holds the weights and the optimiser's state; data order, augmentations and sampling
/// noise are derived from the seed and the step/loader position (the generator is reseeded every step), so continuing
/// from a checkpoint gives the same weights, bit for bit, as an uninterrupted run. Each step runs in its own dispose
/// scope, so memory stays flat however long the run.
/// </summary>
public sealed class Trainer
{
    private readonly TrainerOptions options;

    /// <summary>Creates a trainer.</summary>
    public Trainer(TrainerOptions? options = null)
    {
        this.options = options ?? new TrainerOptions();
        this.options.Validate();
    }

    /// <summary>The precision this trainer's steps run in (<see cref="TrainerOptions.Precision"/> resolved for its device).</summary>
    public Precision Precision => PrecisionPolicy.Resolve(options.Precision, options.Device);

    /// <summary>
    /// Optimiser steps done so far by the current (or last) <see cref="Train"/> call, counting those of a resumed
    /// checkpoint: after an interruption, the step its checkpoint holds.
    /// </summary>
    public long CompletedSteps { get; private set; }

    /// <summary>Reports progress every <see cref="TrainerOptions.LogEvery"/> steps.</summary>
    public event Action<TrainingProgress>? Progress;

    /// <summary>Reports what the trainer did on its own, e.g. removing the temporary file a killed checkpoint write left.</summary>
    public event Action<string>? Notice;

    /// <summary>Builds a freshly initialised model (seeded) on the trainer's device.</summary>
    public SslModel CreateModel(SslOptions method)
    {
        TorchRuntime.EnsureDefaultThreads();
        TorchRuntime.ManualSeed((ulong)options.Seed);
        var model = SslModel.Create(method);
        model.to(options.Device);
        return model;
    }

    /// <summary>
    /// Trains <paramref name="model"/> on <paramref name="data"/>. When <paramref name="resume"/> is true and the
    /// checkpoint file exists, training continues from it. Returns the last logged losses.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled; a checkpoint was written first (when configured).</exception>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite; the last good checkpoint is kept.</exception>
    public IReadOnlyDictionary<string, double> Train(SslModel model, ImageDataset data, bool resume = false, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var o = model.Options;
        if (data.Channels != o.Channels || data.Height != o.Height || data.Width != o.Width)
            throw new ArgumentException($"{data.Name} holds {data.Channels}×{data.Height}×{data.Width} images but the model expects {o.Channels}×{o.Height}×{o.Width}", nameof(data));
        if (data.Count < o.BatchImages)
            throw new ArgumentException($"{data.Name} has {data.Count} images, fewer than one batch of {o.BatchImages}", nameof(data));
        var precision = PrecisionPolicy.Resolve(options.Precision, options.Device);
        TorchRuntime.EnsureDefaultThreads();
        using var parallel = options.DataParallel is { ProcessGroup.IsDistributed: true } dp ? DataParallelRun.Start(dp, model, data, options) : null;
        bool main = parallel is null || parallel.Rank == 0;
        using var loader = new DataLoader(data, new DataLoaderOptions
        {
            BatchSize = o.BatchImages, DropLast = true, Seed = options.Seed, Device = options.Device,
            Transform = o.CreateAugmentation(), Prefetch = options.Prefetch,
            ShardCount = parallel?.WorldSize ?? 1, ShardIndex = parallel?.Rank ?? 0,
        });
        long totalSteps = options.MaxSteps ?? (long)options.Epochs * loader.BatchesPerEpoch;
        using var optimizer = model.ConfigureOptimizers(totalSteps);
        long step = 0;
        var position = new LoaderPosition(0, 0);
        CheckpointRun? run = null;
        if (options.CheckpointPath is { } path)
        {
            if (main)
                foreach (var stale in AtomicFile.RemoveStaleTemporaries(path))
                    Notice?.Invoke($"removed '{stale}', a partial checkpoint left by an interrupted run");
            run = new CheckpointRun(options.Seed, DataFingerprint.Of(data), precision, loader.BatchesPerEpoch);
            if (resume && File.Exists(path)) (step, position) = Checkpoint.Load(path, model, optimizer, run);
        }
        CompletedSteps = step;
        parallel?.CheckSameStart(step, position, options.CheckpointPath);
        parallel?.BroadcastState();
        int epochs = (int)Math.Clamp((totalSteps - step + loader.BatchesPerEpoch - 1) / loader.BatchesPerEpoch + 1, 1, int.MaxValue);
        using var metrics = options.MetricsPath is null || !main ? null : new StreamWriter(options.MetricsPath, append: resume);
        model.train();
        IReadOnlyDictionary<string, double> last = new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();
        long viewsSinceReport = 0;
        foreach (var batch in loader.Batches(position, epochs))
        {
            using var owned = batch;
            if (step >= totalSteps) break;
            if (parallel?.AnyStopRequested(cancellation.IsCancellationRequested) ?? cancellation.IsCancellationRequested)
            {
                if (main) SaveCheckpoint(model, optimizer, step, batch.Position, run);
                throw new OperationCanceledException("training was interrupted" + (cancellation.IsCancellationRequested ? "" : " on another rank"), cancellation);
            }
            using (torch.NewDisposeScope())
            {
                // Sampling noise depends only on (seed, step): the same step draws the same ε after a resume.
                TorchRuntime.ManualSeed((ulong)Seeds.Derive(options.Seed, step, 3));
                optimizer.BeginStep(step);
                model.OnTrainingStep(step, totalSteps);
                LossTerms loss;
                using (PrecisionPolicy.Open(precision))
                    loss = model.Loss(batch.Images);
                optimizer.ZeroGrad();
                try
                {
                    loss.Total.backward();
                    parallel?.AllReduceGradients();
                }
                catch (Exception e) when (parallel is not null && parallel.IsCollectiveFailure(e))
                {
                    throw parallel.Explain(e);
                }
                bool report = (step + 1) % options.LogEvery == 0 || step + 1 == totalSteps;
                if (report)
                {
                    var values = parallel?.CombineLosses(loss.Values()) ?? loss.Values();
                    if (values.Values.Any(v => !double.IsFinite(v)))
                        throw new TrainingDivergedException(
                            $"loss became {values["loss"]} at step {step + 1} (epoch {batch.Position.Epoch}); " +
                            (options.CheckpointPath is null ? "no checkpoint was configured" : $"the last good checkpoint is '{options.CheckpointPath}'") +
                            ". Try a lower learning rate.");
                    last = values;
                }
                optimizer.Step();
                step++;
                CompletedSteps = step;
                viewsSinceReport += batch.Images.shape[0] * (parallel?.WorldSize ?? 1);
                if (report)
                {
                    double rate = viewsSinceReport / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                    var progress = new TrainingProgress(step, totalSteps, batch.Position.Epoch, last, rate) { AllReduceMsPerStep = parallel?.TakeCollectiveMsPerStep() };
                    metrics?.WriteLine(MetricsLog.Line(progress));
                    metrics?.Flush();
                    if (main) Progress?.Invoke(progress);
                    clock.Restart();
                    viewsSinceReport = 0;
                }
            }
            if (main && (step % options.CheckpointEvery == 0 || step == totalSteps)) SaveCheckpoint(model, optimizer, step, batch.Next, run);
        }
        model.eval();
        return last;
    }

    private void SaveCheckpoint(SslModel model, OptimizerSetup optimizer, long step, LoaderPosition next, CheckpointRun? run)
    {
        if (options.CheckpointPath is { } path && run is not null) Checkpoint.Save(path, model, optimizer, step, next, run);
    }
}
