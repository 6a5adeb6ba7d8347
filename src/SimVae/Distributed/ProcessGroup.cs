using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace SimVae.Distributed;

/// <summary>Reduction of <see cref="ProcessGroup.AllReduce"/>.</summary>
public enum ReduceOp
{
    /// <summary>Sum over ranks.</summary>
    Sum = 0,
    /// <summary>Product over ranks.</summary>
    Product = 1,
    /// <summary>Minimum over ranks.</summary>
    Min = 2,
    /// <summary>Maximum over ranks.</summary>
    Max = 3,
    /// <summary>Mean over ranks (the sum divided by the world size).</summary>
    Mean = 4,
}

/// <summary>
/// This process's membership in a data-parallel run, over Gloo (libsimvae_gloo.so, Linux) on CPU tensors of float32,
/// float64 or bfloat16 (broadcast and gather take any type). Every rank must call the same collectives in the same order.
/// <para>Creating it meets the other ranks (<see cref="ProcessGroupOptions"/>) and checks that they agree on the world
/// size; afterwards each rank publishes a heartbeat (every second) with the number of collectives it has entered, so
/// that when a collective fails or times out the error can name the rank that stopped or fell behind.</para>
/// <code>
/// using var group = ProcessGroup.Create(ProcessGroupOptions.FromEnvironment() ?? new ProcessGroupOptions());
/// group.AllReduce(gradient);              // summed over ranks, in place
/// using var all = group.AllGather(z);     // [world·n, d]; gradients flow back to each rank's rows
/// </code>
/// </summary>
public sealed unsafe class ProcessGroup : IDisposable
{
    private const string Keys = "simvae/";
    private const int MaxGatherDims = 8;
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private readonly RendezvousStore store;
    private readonly RendezvousStore beatStore;
    private readonly IntPtr group;
    private readonly Timer heartbeat;
    private readonly object heartbeatLock = new();
    private readonly object collectiveLock = new();
    private long beats;
    private long entered;
    private long failed;
    private int exchanges;
    private DistributedException? deferredFailure;
    private bool disposed;

    private ProcessGroup(ProcessGroupOptions options, RendezvousStore store, RendezvousStore beatStore, IntPtr group)
    {
        Options = options;
        this.store = store;
        this.beatStore = beatStore;
        this.group = group;
        heartbeat = new Timer(_ => Beat(), null, TimeSpan.Zero, HeartbeatInterval);
    }

    /// <summary>The options the group was created with.</summary>
    public ProcessGroupOptions Options { get; }

    /// <summary>This process's rank.</summary>
    public int Rank => Options.Rank;

    /// <summary>Number of processes.</summary>
    public int WorldSize => Options.WorldSize;

    /// <summary>Collectives this rank has entered so far.</summary>
    public long CollectivesEntered => Interlocked.Read(ref entered);

    /// <summary>Collectives that failed so far on this rank (also those run by an all-gather's backward pass).</summary>
    public long CollectiveFailures => Interlocked.Read(ref failed);

    /// <summary>
    /// Meets the other ranks and connects Gloo; returns when every rank has joined. A rank that fails here makes the
    /// others' rendezvous fail at once with its reason.
    /// </summary>
    /// <exception cref="DistributedException">Not on Linux or Gloo missing, the store could not be reached, a rank
    /// disagrees on the world size or repeats a rank, another rank failed during set-up, or the rendezvous timed out
    /// (naming the ranks that did not join).</exception>
    public static ProcessGroup Create(ProcessGroupOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        GlooNative.EnsureLoaded();
        string? iface = options.GlooInterface, host = iface is null ? options.GlooAddress() : null;
        var store = RendezvousStore.Open(options.Rank, options.MasterAddress, options.MasterPort, options.Timeout);
        RendezvousStore? beatStore = null;
        try
        {
            Handshake(store, options);
            var handle = ConnectGloo(store, options, iface, host);
            // The heartbeat gets its own connection, so that a long wait on the main one never silences it.
            beatStore = options.Rank == 0 ? store : RendezvousStore.Open(options.Rank, options.MasterAddress, options.MasterPort, options.Timeout);
            return new ProcessGroup(options, store, beatStore, handle);
        }
        catch (Exception e)
        {
            AbortOthers(store, options.Rank, e);
            if (beatStore != store) beatStore?.Dispose();
            store.Dispose();
            throw;
        }
    }

    /// <summary>Reduces <paramref name="tensor"/> (contiguous, CPU, float32/float64/bfloat16) over all ranks in place.</summary>
    public void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        int dtype = ReducibleType(tensor, "all_reduce");
        byte* data = Data(tensor, "all_reduce", out _);
        long count = tensor.numel();
        int nativeOp = op == ReduceOp.Mean ? (int)ReduceOp.Sum : (int)op;
        Run("all_reduce", tag => GlooNative.sg_all_reduce(group, data, count, dtype, nativeOp, tag));
        GC.KeepAlive(tensor);
        if (op == ReduceOp.Mean)
            using (torch.no_grad()) tensor.div_(WorldSize);
    }

    /// <summary>
    /// Sums <paramref name="tensors"/> over all ranks in place, packed into flat buckets of consecutive tensors of one
    /// type of at most <paramref name="bucketBytes"/> (a larger tensor is a bucket of its own; one all-reduce each),
    /// then multiplies them by <paramref name="scale"/> (1 / <see cref="WorldSize"/> averages).
    /// </summary>
    public void AllReduceBuckets(IReadOnlyList<Tensor> tensors, long bucketBytes, double scale = 1)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketBytes, 1);
        using var noGrad = torch.no_grad();
        int start = 0;
        while (start < tensors.Count)
        {
            int end = start + 1;
            long bytes = tensors[start].numel() * tensors[start].ElementSize;
            while (end < tensors.Count && tensors[end].dtype == tensors[start].dtype && bytes + tensors[end].numel() * tensors[end].ElementSize <= bucketBytes)
                bytes += tensors[end].numel() * tensors[end++].ElementSize;
            using var scope = torch.NewDisposeScope();
            var bucket = Enumerable.Range(start, end - start).Select(k => tensors[k]).ToArray();
            var flat = torch.cat(bucket.Select(t => t.reshape(-1)).ToArray());
            AllReduce(flat);
            if (scale != 1) flat.mul_(scale);
            long offset = 0;
            foreach (var t in bucket)
            {
                t.copy_(flat.narrow(0, offset, t.numel()).view_as(t));
                offset += t.numel();
            }
            start = end;
        }
    }

    /// <summary>Copies <paramref name="tensor"/> (contiguous, CPU) from rank <paramref name="root"/> to every rank, in place.</summary>
    public void Broadcast(Tensor tensor, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (root < 0 || root >= WorldSize) throw new ArgumentOutOfRangeException(nameof(root), root, $"root must be within 0..{WorldSize - 1}");
        byte* data = Data(tensor, "broadcast", out long bytes);
        Run("broadcast", tag => GlooNative.sg_broadcast(group, data, bytes, root, tag));
        GC.KeepAlive(tensor);
    }

    /// <summary>
    /// Concatenates every rank's <paramref name="tensor"/> ([n, ...], the same shape on every rank, CPU) along
    /// dimension 0 in rank order: [world·n, ...]. When <paramref name="differentiable"/> and the tensor requires a
    /// gradient, the result is recorded by autograd: its backward all-reduces (sums) the gradient over ranks and hands
    /// each rank its own rows (torch.distributed.nn.functional.all_gather; solo-learn's GatherLayer), so that the
    /// gradient of the sum of all ranks' losses reaches every rank's inputs. Keep the group alive until that backward
    /// pass has run; a failure inside it is reported by the next collective.
    /// </summary>
    public Tensor AllGather(Tensor tensor, bool differentiable = true)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (differentiable && tensor.requires_grad && torch.is_grad_enabled()) return AllGatherFunction.apply(tensor, this);
        using var detached = tensor.detach();
        return GatherRows(detached);
    }

    /// <summary>Returns when every rank has reached it (or throws after the timeout).</summary>
    public void Barrier() => Run("barrier", tag => GlooNative.sg_barrier(group, tag));

    /// <summary>
    /// Every rank's <paramref name="value"/>, indexed by rank, through the rendezvous store (for small texts such as
    /// configuration fingerprints; each rank must call it the same number of times).
    /// </summary>
    public string[] ExchangeText(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int round = Interlocked.Increment(ref exchanges);
        try
        {
            store.Set($"{Keys}exchange/{round}/{Rank}", value);
            return Enumerable.Range(0, WorldSize).Select(r => store.GetText($"{Keys}exchange/{round}/{r}")).ToArray();
        }
        catch (DistributedException e)
        {
            throw Explain(e);
        }
    }

    /// <summary>
    /// Ends every other rank's waits in the rendezvous store with <paramref name="reason"/> (a rank that cannot go on
    /// during set-up calls this, so that the others stop at once instead of at the timeout).
    /// </summary>
    public void Abort(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        try { store.Abort($"rank {Rank}: {reason}"); }
        catch (DistributedException) { /* the store is gone: the others find out by themselves */ }
    }

    /// <summary>
    /// Turns the failure of a collective into a <see cref="DistributedException"/> that names the ranks that stopped
    /// (no heartbeat for a few seconds) or fell behind (alive, fewer collectives entered). Takes about three
    /// heartbeat intervals.
    /// </summary>
    public DistributedException Explain(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var first = RendezvousStore.FirstLine(failure.Message);
        var before = Heartbeats();
        if (before is not null) Thread.Sleep(HeartbeatInterval * 3);
        var after = before is null ? null : Heartbeats();
        if (after is null)
            return Rank == 0
                ? new DistributedException($"{first}; the rendezvous store (hosted by this rank) failed", [], failure)
                : new DistributedException($"{first}; rank 0 stopped: the rendezvous store it hosts is unreachable (killed, crashed or its machine is down)", [0], failure);
        long mine = CollectivesEntered;
        var stopped = Enumerable.Range(0, WorldSize).Where(r => r != Rank && after[r].Beats == before![r].Beats).ToArray();
        var behind = Enumerable.Range(0, WorldSize).Where(r => r != Rank && !stopped.Contains(r) && after[r].Collectives < mine).ToArray();
        var parts = new List<string>();
        if (stopped.Length > 0)
            parts.Add($"{RankList(stopped)} stopped (no heartbeat for {HeartbeatInterval.TotalSeconds * 3:F0} s: killed, crashed or unreachable)");
        foreach (var r in behind)
            parts.Add($"rank {r} is alive but has entered {after[r].Collectives} collectives, this rank {mine}: it is stuck before this one or took another path");
        if (parts.Count == 0) parts.Add("every rank is alive and has reached this collective (see Gloo's message)");
        return new DistributedException($"{first}; {string.Join("; ", parts)}", [.. stopped, .. behind], failure);
    }

    /// <summary>Stops the heartbeat and leaves the group.</summary>
    public void Dispose()
    {
        lock (heartbeatLock)
        {
            if (disposed) return;
            disposed = true;
        }
        using (var done = new ManualResetEvent(false))
            if (heartbeat.Dispose(done)) done.WaitOne();
        lock (collectiveLock) GlooNative.sg_group_free(group);
        if (beatStore != store) beatStore.Dispose();
        store.Dispose();
    }

    /// <summary>The forward pass of <see cref="AllGather"/>: every rank's rows of a detached tensor, after checking that the shapes agree.</summary>
    internal Tensor GatherRows(Tensor input)
    {
        if (input.Dimensions == 0) throw new ArgumentException("all_gather needs a tensor with at least one dimension", nameof(input));
        if (input.Dimensions > MaxGatherDims) throw new ArgumentException($"all_gather takes at most {MaxGatherDims} dimensions, got {input.Dimensions}", nameof(input));
        if (input.device_type != DeviceType.CPU) throw CpuOnly("all_gather", input);
        using var scope = torch.NewDisposeScope();
        var local = input.contiguous();
        var shape = new long[MaxGatherDims + 1];
        shape[0] = local.Dimensions;
        local.shape.CopyTo(shape, 1);
        var shapes = new long[WorldSize * shape.Length];
        Run("all_gather(shapes)", tag =>
        {
            fixed (long* i = shape) fixed (long* o = shapes) return GlooNative.sg_all_gather(group, i, o, shape.Length * sizeof(long), tag);
        });
        for (int r = 0; r < WorldSize; r++)
        {
            var theirs = shapes.AsSpan(r * shape.Length + 1, (int)shapes[r * shape.Length]).ToArray();
            if (!theirs.SequenceEqual(local.shape))
                throw new DistributedException($"Gloo all_gather (collective #{CollectivesEntered}) failed on rank {Rank} of {WorldSize}: rank {r} contributes shape " +
                                               $"[{string.Join(", ", theirs)}] but this rank [{string.Join(", ", local.shape)}]; every rank must gather the same shape");
        }
        var output = torch.empty([WorldSize * local.shape[0], .. local.shape.Skip(1)], local.dtype);
        if (local.numel() > 0)
        {
            byte* mine = Data(local, "all_gather", out long bytes);
            byte* all = Data(output, "all_gather", out _);
            Run("all_gather", tag => GlooNative.sg_all_gather(group, mine, all, bytes, tag));
        }
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The backward pass of <see cref="AllGather"/>: this rank's <paramref name="rows"/> of the gradient summed over
    /// ranks. It runs inside autograd, where an exception cannot be thrown: a failure gives a zero gradient and is
    /// thrown by the next collective instead.
    /// </summary>
    internal Tensor GatherBackward(Tensor gradient, long rows)
    {
        try
        {
            using var scope = torch.NewDisposeScope();
            var summed = gradient.contiguous().clone();
            AllReduce(summed);
            return summed.narrow(0, Rank * rows, rows).MoveToOuterDisposeScope();
        }
        catch (Exception e)
        {
            deferredFailure ??= e as DistributedException ?? new DistributedException($"all_gather backward failed on rank {Rank} of {WorldSize}: {e.Message}", [], e);
            return torch.zeros([rows, .. gradient.shape.Skip(1)], gradient.dtype);
        }
    }

    /// <summary>Runs one collective: counts it, and turns a failure into an error naming it, this rank and the rank at fault.</summary>
    private void Run(string op, Func<uint, int> call)
    {
        lock (collectiveLock)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (deferredFailure is { } earlier) throw earlier;
            long sequence = Interlocked.Increment(ref entered);
            if (call(unchecked((uint)sequence)) == 0) return;
            Interlocked.Increment(ref failed);
            var failure = new DistributedException($"Gloo {op} (collective #{sequence}) failed on rank {Rank} of {WorldSize}: {GlooNative.LastError()}");
            throw deferredFailure = Explain(failure);
        }
    }

    private static int ReducibleType(Tensor tensor, string op) => tensor.dtype switch
    {
        ScalarType.Float32 => 0,
        ScalarType.Float64 => 1,
        ScalarType.BFloat16 => 2,
        _ => throw new ArgumentException($"{op} reduces float32, float64 or bfloat16 tensors, got {tensor.dtype}", nameof(tensor)),
    };

    /// <summary>The address of a contiguous CPU tensor's data (libtorch's memory: it does not move while the tensor lives).</summary>
    private static byte* Data(Tensor tensor, string op, out long bytes)
    {
        if (tensor.device_type != DeviceType.CPU) throw CpuOnly(op, tensor);
        if (!tensor.is_contiguous()) throw new ArgumentException($"{op} needs a contiguous tensor", nameof(tensor));
        bytes = tensor.numel() * tensor.ElementSize;
        if (bytes > int.MaxValue) throw new ArgumentException($"{op} takes at most {int.MaxValue} bytes per call, got {bytes}", nameof(tensor));
        fixed (byte* data = tensor.bytes) return data;
    }

    private static NotSupportedException CpuOnly(string op, Tensor tensor) =>
        new($"{op}: data-parallel training runs on CPU tensors only (Gloo); this one is on {tensor.device}. CUDA data-parallel runs are not available yet");

    private static IntPtr ConnectGloo(RendezvousStore store, ProcessGroupOptions options, string? iface, string? host)
    {
        var owner = GCHandle.Alloc(store);
        try
        {
            int status = GlooNative.sg_group_create(options.Rank, options.WorldSize, iface, host, (long)options.Timeout.TotalMilliseconds,
                GCHandle.ToIntPtr(owner), &StoreSet, &StoreGet, out var handle);
            if (status != 0)
                throw new DistributedException($"rank {options.Rank} could not connect Gloo to the other ranks " +
                                               $"({(iface is null ? $"address {host}" : $"interface {iface}")}): {GlooNative.LastError()}");
            return handle;
        }
        finally
        {
            owner.Free();
        }
    }

    [UnmanagedCallersOnly]
    private static int StoreSet(IntPtr owner, byte* key, byte* data, long length, byte* error, int capacity)
    {
        try
        {
            ((RendezvousStore)GCHandle.FromIntPtr(owner).Target!).Set("gloo/" + Marshal.PtrToStringUTF8((IntPtr)key), new ReadOnlySpan<byte>(data, (int)length).ToArray());
            return 0;
        }
        catch (Exception e)
        {
            return Fail(e, error, capacity);
        }
    }

    [UnmanagedCallersOnly]
    private static int StoreGet(IntPtr owner, byte* key, IntPtr sink, byte* error, int capacity)
    {
        try
        {
            var value = ((RendezvousStore)GCHandle.FromIntPtr(owner).Target!).Get("gloo/" + Marshal.PtrToStringUTF8((IntPtr)key));
            fixed (byte* p = value) GlooNative.sg_sink_assign(sink, p, value.Length);
            return 0;
        }
        catch (Exception e)
        {
            return Fail(e, error, capacity);
        }
    }

    private static int Fail(Exception e, byte* error, int capacity)
    {
        var message = Encoding.UTF8.GetBytes(e.Message);
        int length = Math.Min(message.Length, capacity - 1);
        message.AsSpan(0, length).CopyTo(new Span<byte>(error, length));
        error[length] = 0;
        return 1;
    }

    private void Beat()
    {
        lock (heartbeatLock)
        {
            if (disposed) return;
            try
            {
                beatStore.Set($"{Keys}alive/{Rank}", string.Create(CultureInfo.InvariantCulture, $"{++beats} {CollectivesEntered}"));
            }
            catch (DistributedException)
            {
                // The store is gone (rank 0 stopped): Explain reports it; nothing to do here.
            }
        }
    }

    /// <summary>Each rank's (heartbeats, collectives entered), or null when the store cannot be read.</summary>
    private (long Beats, long Collectives)[]? Heartbeats()
    {
        try
        {
            var result = new (long, long)[WorldSize];
            for (int r = 0; r < WorldSize; r++)
            {
                var key = $"{Keys}alive/{r}";
                if (!store.Contains(key)) continue;
                var fields = store.GetText(key).Split(' ');
                result[r] = (long.Parse(fields[0], CultureInfo.InvariantCulture), long.Parse(fields[1], CultureInfo.InvariantCulture));
            }
            return result;
        }
        catch (DistributedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Every rank announces its world size; each checks the others' as they arrive, so a disagreement is reported by
    /// every rank (through the abort key) instead of leaving some waiting for a rank that will never come.
    /// </summary>
    private static void Handshake(RendezvousStore store, ProcessGroupOptions options)
    {
        int rank = options.Rank, world = options.WorldSize;
        string mine = world.ToString(CultureInfo.InvariantCulture);
        if (store.Add($"{Keys}join/{rank}", 1) > 1)
            Refuse(store, $"two processes were started as rank {rank}; every rank 0..{world - 1} must be given exactly once");
        store.Set($"{Keys}world/{rank}", mine);
        var deadline = DateTime.UtcNow + options.Timeout;
        var missing = new List<int>();
        while (true)
        {
            if (store.Contains(RendezvousStore.AbortKey)) throw new DistributedException($"rendezvous refused: {store.GetText(RendezvousStore.AbortKey)}");
            missing.Clear();
            for (int r = 0; r < world; r++)
            {
                if (!store.Contains($"{Keys}world/{r}")) { missing.Add(r); continue; }
                var theirs = store.GetText($"{Keys}world/{r}");
                if (theirs != mine) Refuse(store, $"world size mismatch: rank {r} was started with world size {theirs}, rank {rank} with {world}");
            }
            if (missing.Count == 0) return;
            if (DateTime.UtcNow > deadline)
                throw new DistributedException($"rendezvous timed out after {options.Timeout.TotalSeconds:F0} s on rank {rank}: " +
                                               $"{RankList(missing)} of {world} did not join", missing);
            Thread.Sleep(PollInterval);
        }
    }

    private static void Refuse(RendezvousStore store, string message)
    {
        store.Abort(message);
        throw new DistributedException($"rendezvous refused: {message}");
    }

    /// <summary>Passes a set-up failure of this rank on to the others (unless it came from them), giving them a moment to read it.</summary>
    private static void AbortOthers(RendezvousStore store, int rank, Exception failure)
    {
        try
        {
            if (store.Contains(RendezvousStore.AbortKey)) return;
            store.Abort($"rank {rank} failed during set-up: {RendezvousStore.FirstLine(failure.Message)}");
            if (rank == 0) Thread.Sleep(500);
        }
        catch (DistributedException)
        {
            // The store itself failed: the others time out or lose it too.
        }
    }

    private static string RankList(IReadOnlyList<int> ranks) =>
        ranks.Count == 1 ? $"rank {ranks[0]}" : $"ranks {string.Join(", ", ranks)}";
}
