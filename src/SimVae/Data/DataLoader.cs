using System.Threading.Channels;
using SimVae.Augmentations;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Data;

/// <summary>Options of a <see cref="DataLoader"/>.</summary>
public sealed record DataLoaderOptions
{
    /// <summary>N, images per batch (default 64); each gives J views when a transform is set.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Shuffle the images every epoch (default true); the order depends only on <see cref="Seed"/> and the epoch.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Drop the last, incomplete batch of an epoch (default false).</summary>
    public bool DropLast { get; init; }

    /// <summary>Seed of the epoch orders and of the augmentations (default 0).</summary>
    public int Seed { get; init; }

    /// <summary>Device the batches are delivered on (and augmented on); default CPU.</summary>
    public Device Device { get; init; } = CPU;

    /// <summary>The views to produce per image; null delivers the un-augmented images (one view).</summary>
    public MultiViewTransform? Transform { get; init; }

    /// <summary>Record each view's sampled augmentation parameters in <see cref="DataBatch.Parameters"/> (default false).</summary>
    public bool RecordParameters { get; init; }

    /// <summary>Batches prepared ahead by a background worker (default 1); 0 prepares each batch on the calling thread.</summary>
    public int Prefetch { get; init; } = 1;

    /// <summary>
    /// Data-parallel sharding: each global batch of <see cref="BatchSize"/> images (same order for every rank) is cut
    /// into <see cref="ShardCount"/> equal, consecutive parts and this loader delivers part <see cref="ShardIndex"/>,
    /// so the shards of all ranks are disjoint and together are exactly one process's batch. Default 1: no sharding.
    /// Augmentations are drawn per shard (seeded by seed, epoch, batch and shard), as each rank has its own generator.
    /// </summary>
    public int ShardCount { get; init; } = 1;

    /// <summary>Which shard this loader delivers, 0 … <see cref="ShardCount"/> − 1 (the rank).</summary>
    public int ShardIndex { get; init; }
}

/// <summary>A position in the stream of batches: epoch <see cref="Epoch"/>, batch <see cref="Batch"/> within it (both from 0).</summary>
public readonly record struct LoaderPosition(int Epoch, int Batch)
{
    /// <inheritdoc />
    public override string ToString() => $"epoch {Epoch}, batch {Batch}";
}

/// <summary>
/// One batch from a <see cref="DataLoader"/>: the views of N images on the loader's device. Dispose it when done
/// (its tensors belong to no dispose scope, since they are made on the loader's worker thread).
/// </summary>
public sealed class DataBatch : IDisposable
{
    internal DataBatch(LoaderPosition position, LoaderPosition next, int[] indices, Tensor images, int views, int[]? labels, ViewParameters? parameters)
    {
        Position = position;
        Next = next;
        Indices = indices;
        Images = images;
        Views = views;
        Labels = labels;
        Parameters = parameters;
    }

    /// <summary>Where this batch is in the stream.</summary>
    public LoaderPosition Position { get; }

    /// <summary>The position of the batch after this one (save it to resume after this batch).</summary>
    public LoaderPosition Next { get; }

    /// <summary>Data-set indices of the N images.</summary>
    public int[] Indices { get; }

    /// <summary>N, the number of images.</summary>
    public int Count => Indices.Length;

    /// <summary>J, the number of views per image (1 without a transform).</summary>
    public int Views { get; }

    /// <summary>
    /// Float32 (J·N, C, H, W) in [0, 1], view-major: row j·N + i is view j of image i
    /// (see <see cref="MultiViewTransform"/>).
    /// </summary>
    public Tensor Images { get; }

    /// <summary>Class labels of the N images (null when the data set has none); row r of <see cref="Images"/> shows image r mod N.</summary>
    public int[]? Labels { get; }

    /// <summary>Sampled augmentation parameters of the J·N views, when recording was asked for.</summary>
    public ViewParameters? Parameters { get; }

    /// <summary>Releases the images.</summary>
    public void Dispose() => Images.Dispose();
}

/// <summary>
/// Delivers shuffled epochs of batches of N images × J augmented views on a device. The order of epoch e and the
/// augmentations of its batch b depend only on the seed, e and b, so a run resumed at (e, b) sees exactly the
/// batches it would have seen. A background worker prepares the next batch (gathers pixels, copies them to the
/// device as uint8, converts and augments there) while the caller computes; disposing the loader, or leaving a
/// <c>foreach</c> early, stops it and frees the batches it had prepared.
/// <code>
/// using var loader = new DataLoader(data, new DataLoaderOptions { Transform = AugmentationPresets.MultiView(AugmentationPresets.SimVaeFashionMnist()) });
/// foreach (var batch in loader.Batches(start, epochs: 10)) { using (batch) { /* step */ } checkpoint.Position = batch.Next; }
/// </code>
/// </summary>
public sealed class DataLoader : IDisposable
{
    private readonly ImageDataset data;
    private readonly CancellationTokenSource disposed = new();
    private readonly List<(Task Worker, ChannelReader<DataBatch> Reader)> active = new();

    /// <summary>Creates a loader over <paramref name="data"/>.</summary>
    public DataLoader(ImageDataset data, DataLoaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new DataLoaderOptions();
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "BatchSize must be at least 1");
        if (options.Prefetch < 0) throw new ArgumentOutOfRangeException(nameof(options), options.Prefetch, "Prefetch must not be negative");
        if (options.ShardCount < 1 || options.BatchSize % options.ShardCount != 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.ShardCount, $"ShardCount must be at least 1 and divide BatchSize {options.BatchSize}");
        if (options.ShardIndex < 0 || options.ShardIndex >= options.ShardCount)
            throw new ArgumentOutOfRangeException(nameof(options), options.ShardIndex, $"ShardIndex must be within 0..{options.ShardCount - 1}");
        if (options.ShardCount > 1 && !options.DropLast)
            throw new ArgumentException("sharded loading needs DropLast (every rank must get a full shard)", nameof(options));
        if (data.Count == 0) throw new ArgumentException($"{data.Name} is empty", nameof(data));
        if (options.DropLast && data.Count < options.BatchSize)
            throw new ArgumentException($"{data.Name} has {data.Count} images, fewer than one batch of {options.BatchSize} with DropLast", nameof(options));
        this.data = data;
        Options = options;
        BatchesPerEpoch = options.DropLast ? data.Count / options.BatchSize : (data.Count + options.BatchSize - 1) / options.BatchSize;
    }

    /// <summary>The options.</summary>
    public DataLoaderOptions Options { get; }

    /// <summary>The data set.</summary>
    public ImageDataset Data => data;

    /// <summary>Batches per epoch (the last one may be smaller unless <see cref="DataLoaderOptions.DropLast"/>).</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>The position after the last batch handed out (where a resumed run should start).</summary>
    public LoaderPosition Position { get; private set; }

    /// <summary>The order of the data-set indices in epoch <paramref name="epoch"/> (a permutation when shuffling).</summary>
    public int[] EpochOrder(int epoch)
    {
        var order = Enumerable.Range(0, data.Count).ToArray();
        if (Options.Shuffle) new Random(Seeds.Derive(Options.Seed, epoch, 1)).Shuffle(order);
        return order;
    }

    /// <summary>The batches of one epoch, from batch <paramref name="startBatch"/> on.</summary>
    public IEnumerable<DataBatch> Epoch(int epoch, int startBatch = 0) => Batches(new LoaderPosition(epoch, startBatch), 1);

    /// <summary>
    /// Batches from <paramref name="start"/> to the end of epoch <c>start.Epoch + epochs − 1</c>, prepared in the
    /// background when <see cref="DataLoaderOptions.Prefetch"/> &gt; 0. Dispose each batch.
    /// </summary>
    public IEnumerable<DataBatch> Batches(LoaderPosition start, int epochs = 1)
    {
        ObjectDisposedException.ThrowIf(disposed.IsCancellationRequested, this);
        if (start.Epoch < 0 || start.Batch < 0 || start.Batch > BatchesPerEpoch)
            throw new ArgumentOutOfRangeException(nameof(start), start, $"epoch must be >= 0 and batch within 0..{BatchesPerEpoch}");
        if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "must not be negative");
        return Options.Prefetch == 0 ? Synchronous(start, epochs) : Prefetched(start, epochs);
    }

    private IEnumerable<LoaderPosition> Positions(LoaderPosition start, int epochs)
    {
        for (int e = start.Epoch; e < start.Epoch + epochs; e++)
            for (int b = e == start.Epoch ? start.Batch : 0; b < BatchesPerEpoch; b++)
                yield return new LoaderPosition(e, b);
    }

    private IEnumerable<DataBatch> Synchronous(LoaderPosition start, int epochs)
    {
        int[]? order = null;
        int orderEpoch = -1;
        foreach (var position in Positions(start, epochs))
        {
            ObjectDisposedException.ThrowIf(disposed.IsCancellationRequested, this);
            if (orderEpoch != position.Epoch) (order, orderEpoch) = (EpochOrder(position.Epoch), position.Epoch);
            var batch = Produce(position, order!);
            Position = batch.Next;
            yield return batch;
        }
    }

    private IEnumerable<DataBatch> Prefetched(LoaderPosition start, int epochs)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(disposed.Token);
        var channel = Channel.CreateBounded<DataBatch>(new BoundedChannelOptions(Options.Prefetch)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var worker = Task.Run(() => Work(start, epochs, channel.Writer, stop.Token));
        lock (active) active.Add((worker, channel.Reader));
        try
        {
            while (true)
            {
                bool more;
                try { more = channel.Reader.WaitToReadAsync(stop.Token).AsTask().GetAwaiter().GetResult(); }
                catch (OperationCanceledException) when (disposed.IsCancellationRequested) { throw new ObjectDisposedException(nameof(DataLoader)); }
                if (!more) break;
                if (!channel.Reader.TryRead(out var batch)) continue;
                Position = batch.Next;
                yield return batch;
            }
        }
        finally
        {
            stop.Cancel();
            try { worker.GetAwaiter().GetResult(); } catch (OperationCanceledException) { }
            while (channel.Reader.TryRead(out var left)) left.Dispose();
            lock (active) active.Remove((worker, channel.Reader));
        }
    }

    private async Task Work(LoaderPosition start, int epochs, ChannelWriter<DataBatch> writer, CancellationToken token)
    {
        Exception? failure = null;
        try
        {
            int[]? order = null;
            int orderEpoch = -1;
            foreach (var position in Positions(start, epochs))
            {
                token.ThrowIfCancellationRequested();
                if (orderEpoch != position.Epoch) (order, orderEpoch) = (EpochOrder(position.Epoch), position.Epoch);
                var batch = Produce(position, order!);
                try { await writer.WriteAsync(batch, token).ConfigureAwait(false); }
                catch { batch.Dispose(); throw; }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested) { }
        catch (Exception e) { failure = e; }
        finally { writer.TryComplete(failure); }
    }

    /// <summary>Prepares the batch at <paramref name="position"/> given its epoch's order (pure: same inputs, same batch).</summary>
    private DataBatch Produce(LoaderPosition position, int[] order)
    {
        int shard = Options.BatchSize / Options.ShardCount;
        int first = position.Batch * Options.BatchSize + Options.ShardIndex * shard;
        int count = Options.ShardCount > 1 ? shard : Math.Min(Options.BatchSize, data.Count - first);
        var indices = order.AsSpan(first, count).ToArray();
        var next = position.Batch + 1 < BatchesPerEpoch ? position with { Batch = position.Batch + 1 } : new LoaderPosition(position.Epoch + 1, 0);
        int[]? labels = data.HasLabels ? indices.Select(data.Label).ToArray() : null;
        Tensor images;
        ViewParameters? parameters = null;
        int views = 1;
        using (NewDisposeScope())
        {
            var raw = data.ToTensor(indices, Options.Device);
            if (Options.Transform is { } transform)
            {
                views = transform.Views;
                var random = new Random(Options.ShardCount == 1
                    ? Seeds.Derive(Options.Seed, position.Epoch, position.Batch, 2)
                    : Seeds.Derive(Options.Seed, position.Epoch, position.Batch, 2, Options.ShardIndex));
                images = transform.Apply(raw, random, out parameters, Options.RecordParameters);
            }
            else images = raw;
            images.DetachFromDisposeScope();
        }
        return new DataBatch(position, next, indices, images, views, labels, parameters);
    }

    /// <summary>Stops the background worker (if any) and frees the batches it had prepared.</summary>
    public void Dispose()
    {
        if (disposed.IsCancellationRequested) return;
        disposed.Cancel();
        (Task Worker, ChannelReader<DataBatch> Reader)[] running;
        lock (active) running = active.ToArray();
        foreach (var (worker, reader) in running)
        {
            try { worker.GetAwaiter().GetResult(); } catch (OperationCanceledException) { }
            while (reader.TryRead(out var left)) left.Dispose();
        }
    }
}
