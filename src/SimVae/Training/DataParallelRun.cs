using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SimVae.Bundles;
using SimVae.Data;
using SimVae.Distributed;
using SimVae.Engine;
using SimVae.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Training;

/// <summary>
/// The trainer's side of a data-parallel run: joins the process group, refuses ranks whose configuration differs,
/// starts every rank from rank 0's weights, sums (or averages) the gradients in buckets, combines the logged losses
/// and agrees on stopping. Each rank reads its shard of every global batch (<see cref="DataLoaderOptions.ShardIndex"/>).
/// </summary>
internal sealed class DataParallelRun : IDisposable
{
    private readonly ProcessGroup group;
    private readonly SslModel model;
    private readonly DataParallelOptions options;
    private readonly double gradientScale;
    private readonly Stopwatch collectiveTime = new();
    private long steps;

    private DataParallelRun(ProcessGroup group, SslModel model, DataParallelOptions options)
    {
        this.group = group;
        this.model = model;
        this.options = options;
        // Sum losses (SimVAE: Σ over images) are summed over ranks; mean losses are averaged. With the global batch
        // gathered every rank holds the same mean loss and its backward already sums the ranks' gradients for each
        // embedding, so averaging over ranks gives exactly the single-process gradient.
        gradientScale = model.LossSumsOverImages ? 1.0 : 1.0 / group.WorldSize;
        model.DataParallel = new DataParallelContext(group, options.GatherGlobalBatch);
    }

    /// <summary>This process's rank.</summary>
    public int Rank => group.Rank;

    /// <summary>Number of ranks.</summary>
    public int WorldSize => group.WorldSize;

    /// <summary>Mean time per step spent in the gradient all-reduce, in milliseconds, since the last call.</summary>
    public double TakeCollectiveMsPerStep()
    {
        double ms = steps == 0 ? 0 : collectiveTime.Elapsed.TotalMilliseconds / steps;
        collectiveTime.Reset();
        steps = 0;
        return ms;
    }

    /// <summary>Joins the run and checks, before any step, that every rank trains the same model on the same data.</summary>
    public static DataParallelRun Start(DataParallelOptions options, SslModel model, ImageDataset data, TrainerOptions trainer)
    {
        if (model.Options.BatchImages % options.ProcessGroup.WorldSize != 0)
            throw new ArgumentException($"the batch of {model.Options.BatchImages} images cannot be split evenly between {options.ProcessGroup.WorldSize} ranks; " +
                                        "choose a batch size divisible by the world size");
        if (trainer.Device.type != DeviceType.CPU)
            throw new DistributedException($"data-parallel training runs on the CPU only (Gloo); {trainer.Device} was asked for. CUDA data-parallel runs are not available yet: " +
                                           "train on one GPU in one process, or on CPUs with --device cpu");
        var group = ProcessGroup.Create(options.ProcessGroup);
        try
        {
            CheckSameConfiguration(group, model, data, trainer, options);
            return new DataParallelRun(group, model, options);
        }
        catch (Exception e)
        {
            group.Abort($"failed during set-up: {e.Message}");
            group.Dispose();
            throw;
        }
    }

    /// <summary>Refuses (on every rank) a run whose ranks resume from different checkpoints or some not at all.</summary>
    public void CheckSameStart(long step, LoaderPosition position, string? checkpoint)
    {
        var mine = step == 0 ? "a fresh start" : $"step {step} ({position})";
        var all = group.ExchangeText(mine);
        for (int r = 0; r < all.Length; r++)
            if (all[r] != all[0])
                throw new DistributedException($"ranks would not resume alike: rank 0 starts from {all[0]} but rank {r} from {all[r]}" +
                                               (checkpoint is null ? "" : $" (checkpoint '{checkpoint}' must be the same file on every machine)"));
    }

    /// <summary>Copies rank 0's parameters and buffers to every rank.</summary>
    public void BroadcastState()
    {
        using var noGrad = torch.no_grad();
        foreach (var p in model.parameters()) group.Broadcast(p);
        foreach (var b in model.buffers()) group.Broadcast(b);
    }

    /// <summary>Combines the ranks' gradients (after backward, before the optimiser step).</summary>
    public void AllReduceGradients()
    {
        collectiveTime.Start();
        var grads = new List<Tensor>();
        foreach (var p in model.parameters())
        {
            if (!p.requires_grad) continue;
            // A parameter the loss did not reach still takes part, so that every rank packs the same buckets.
            if (p.grad is null) p.grad = torch.zeros_like(p);
            grads.Add(p.grad!);
        }
        group.AllReduceBuckets(grads, options.BucketBytes, gradientScale);
        collectiveTime.Stop();
        steps++;
    }

    /// <summary>The logged losses of the global batch: the ranks' values summed or averaged like the gradients.</summary>
    public Dictionary<string, double> CombineLosses(Dictionary<string, double> local)
    {
        var names = local.Keys.Order(StringComparer.Ordinal).ToArray();
        using var values = torch.tensor(names.Select(n => local[n]).ToArray());
        group.AllReduce(values);
        var summed = values.data<double>().ToArray();
        return names.Select((n, k) => (n, summed[k] * gradientScale)).ToDictionary(p => p.n, p => p.Item2);
    }

    /// <summary>Whether any rank was asked to stop (every rank calls this once per step, so all stop together).</summary>
    public bool AnyStopRequested(bool local)
    {
        using var flag = torch.tensor(new float[] { local ? 1 : 0 });
        group.AllReduce(flag, ReduceOp.Max);
        return flag.item<float>() > 0;
    }

    /// <summary>Whether <paramref name="e"/> comes from a failed collective (then <see cref="Explain"/> names the rank).</summary>
    public bool IsCollectiveFailure(Exception e) => e is DistributedException && group.CollectiveFailures > 0;

    /// <summary>
    /// The failure with the rank that stopped or fell behind named (see <see cref="ProcessGroup.Explain"/>); the group's
    /// own collectives, also those of a backward pass through the gather, already explain theirs.
    /// </summary>
    public DistributedException Explain(Exception e) => e as DistributedException ?? group.Explain(e);

    /// <summary>Detaches the model from the run and leaves the group.</summary>
    public void Dispose()
    {
        model.DataParallel = null;
        group.Dispose();
    }

    private static void CheckSameConfiguration(ProcessGroup group, SslModel model, ImageDataset data, TrainerOptions trainer, DataParallelOptions options)
    {
        var mine = new Dictionary<string, string>
        {
            ["model options"] = OptionsDiff.Serialize(model.Options),
            ["data fingerprint"] = DataFingerprint.Of(data).Sha256 + $" ({data.Count} images of {data.Channels}x{data.Height}x{data.Width})",
            ["trainer settings"] = string.Create(CultureInfo.InvariantCulture,
                $"seed {trainer.Seed}, epochs {trainer.Epochs}, max steps {trainer.MaxSteps?.ToString(CultureInfo.InvariantCulture) ?? "none"}, precision {PrecisionPolicy.Name(PrecisionPolicy.Resolve(trainer.Precision, trainer.Device))}, " +
                $"gather {options.GatherGlobalBatch}, bucket {options.BucketBytes} bytes"),
        };
        var all = group.ExchangeText(JsonSerializer.Serialize(mine)).Select(t => JsonSerializer.Deserialize<Dictionary<string, string>>(t)!).ToArray();
        for (int r = 1; r < all.Length; r++)
            foreach (var (what, value) in all[0])
                if (all[r].GetValueOrDefault(what) is var theirs && theirs != value)
                    throw new DistributedException($"refused before the first step: {what} mismatch between rank 0 and rank {r} " +
                                                   $"({Differences(what, value, theirs, r)})", [r]);
    }

    /// <summary>For the options, each differing field with both ranks' values; otherwise both values.</summary>
    private static string Differences(string what, string mine, string? theirs, int rank)
    {
        if (what == "model options" && theirs is not null)
            return Clip(string.Join("; ", OptionsDiff.Fields(mine, theirs).Select(d => $"{d.Field} is {d.A} on rank 0, {d.B} on rank {rank}")));
        return $"rank 0: {Clip(mine)}; rank {rank}: {Clip(theirs ?? "none")}";
    }

    private static string Clip(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
