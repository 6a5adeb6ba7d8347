using System.Globalization;
using SimVae.Torch.Native;

namespace SimVae.Torch.Distributed;

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
}

/// <summary>
/// This process's membership in a data-parallel run, over PyTorch's c10d: Gloo for CPU tensors and NCCL for CUDA
/// tensors (each call picks by the tensor's device). Every rank must call the same collectives in the same order.
/// <para>Creating it meets the other ranks (<see cref="ProcessGroupOptions"/>) and checks that they agree on the world
/// size; afterwards each rank publishes a heartbeat (every second) with the number of collectives it has entered, so
/// that when a collective fails or times out the error can name the rank that stopped or fell behind.</para>
/// <code>
/// using var group = ProcessGroup.Create(ProcessGroupOptions.FromEnvironment() ?? new ProcessGroupOptions());
/// group.AllReduce(gradient);              // summed over ranks, in place
/// using var all = group.AllGather(z);     // [world·n, d]; gradients flow back to each rank's rows
/// </code>
/// </summary>
public sealed class ProcessGroup : IDisposable
{
    private const string Keys = "simvae/";
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private readonly RendezvousStore store;
    private readonly IntPtr group;
    private readonly Timer heartbeat;
    private readonly object heartbeatLock = new();
    private long beats;
    private int exchanges;
    private bool disposed;

    private ProcessGroup(ProcessGroupOptions options, RendezvousStore store, IntPtr group)
    {
        Options = options;
        this.store = store;
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
    public long CollectivesEntered => NativeMethods.PgCollectives(Handle);

    /// <summary>Collectives that failed so far on this rank (also those run by an all-gather's backward pass).</summary>
    public long CollectiveFailures => NativeMethods.PgFailures(Handle);

    /// <summary>Whether this libtorch build has Gloo (CPU) and NCCL (CUDA) support.</summary>
    public static (bool Gloo, bool Nccl) AvailableBackends
    {
        get
        {
            int mask = NativeMethods.DistributedBackends();
            return ((mask & 1) != 0, (mask & 2) != 0);
        }
    }

    /// <summary>Meets the other ranks and opens the backends; returns when every rank has joined.</summary>
    /// <exception cref="DistributedException">The store could not be reached, a rank disagrees on the world size or
    /// repeats a rank, the rendezvous timed out (naming the ranks that did not join), or a backend is missing.</exception>
    public static ProcessGroup Create(ProcessGroupOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var store = RendezvousStore.Open(options);
        try
        {
            Handshake(store, options);
            var (gloo, nccl) = AvailableBackends;
            int backends = options.Backend switch
            {
                DistributedBackend.Gloo => 1,
                DistributedBackend.Nccl => 2,
                _ => (gloo ? 1 : 0) | (nccl && TorchRuntime.CudaAvailable ? 2 : 0),
            };
            string? host = options.GlooInterface is null && IsLoopback(options.MasterAddress) ? "127.0.0.1" : null;
            NativeMethods.CheckDistributed(NativeMethods.PgCreate(store.Handle, options.Rank, options.WorldSize, backends, options.GlooInterface,
                host, (long)options.Timeout.TotalMilliseconds, out var handle));
            return new ProcessGroup(options, store, handle);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Reduces <paramref name="tensor"/> (contiguous) over all ranks in place.</summary>
    public void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Checked(NativeMethods.PgAllReduce(Handle, tensor.Handle, (int)op));
        GC.KeepAlive(tensor);
    }

    /// <summary>
    /// Sums <paramref name="tensors"/> over all ranks in place, packed into flat buckets of at most
    /// <paramref name="bucketBytes"/> (one all-reduce each, pipelined), then multiplies them by <paramref name="scale"/>
    /// (1 / <see cref="WorldSize"/> averages).
    /// </summary>
    public unsafe void AllReduceBuckets(IReadOnlyList<Tensor> tensors, long bucketBytes, double scale = 1)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketBytes, 1);
        var handles = tensors.Select(t => t.Handle).ToArray();
        int status;
        fixed (IntPtr* p = handles) status = NativeMethods.PgAllReduceBuckets(Handle, p, handles.Length, bucketBytes, scale);
        Checked(status);
        GC.KeepAlive(tensors);
    }

    /// <summary>Copies <paramref name="tensor"/> (contiguous) from rank <paramref name="root"/> to every rank, in place.</summary>
    public void Broadcast(Tensor tensor, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Checked(NativeMethods.PgBroadcast(Handle, tensor.Handle, root));
        GC.KeepAlive(tensor);
    }

    /// <summary>
    /// Concatenates every rank's <paramref name="tensor"/> ([n, ...], the same shape on every rank) along dimension 0
    /// in rank order: [world·n, ...]. When <paramref name="differentiable"/> and the tensor requires a gradient, the
    /// result is recorded by autograd: its backward all-reduces (sums) the gradient over ranks and hands each rank its
    /// own rows, so that the gradient of the sum of all ranks' losses reaches every rank's inputs (keep the group alive
    /// until that backward pass has run).
    /// </summary>
    public Tensor AllGather(Tensor tensor, bool differentiable = true)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Checked(NativeMethods.PgAllGather(Handle, tensor.Handle, differentiable ? 1 : 0, out var result));
        GC.KeepAlive(tensor);
        return new Tensor(result);
    }

    /// <summary>Returns when every rank has reached it (or throws after the timeout).</summary>
    public void Barrier() => Checked(NativeMethods.PgBarrier(Handle));

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
            return Enumerable.Range(0, WorldSize).Select(r => store.Get($"{Keys}exchange/{round}/{r}")).ToArray();
        }
        catch (DistributedException e)
        {
            throw Explain(e);
        }
    }

    /// <summary>
    /// Turns the failure of a collective (a <see cref="DistributedException"/> or a <see cref="TorchException"/> from a
    /// backward pass through <see cref="AllGather"/>) into a <see cref="DistributedException"/> that names the ranks
    /// that stopped (no heartbeat for a few seconds) or fell behind (alive, fewer collectives entered). Takes about
    /// three heartbeat intervals.
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
        if (parts.Count == 0) parts.Add("every rank is alive and has reached this collective (see c10d's message)");
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
        NativeMethods.PgFree(group);
        store.Dispose();
    }

    private IntPtr Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return group;
        }
    }

    private void Checked(int status)
    {
        try
        {
            NativeMethods.CheckDistributed(status);
        }
        catch (DistributedException e) when (CollectiveFailures > 0)
        {
            throw Explain(e);
        }
    }

    private void Beat()
    {
        lock (heartbeatLock)
        {
            if (disposed) return;
            try
            {
                store.Set($"{Keys}alive/{Rank}", string.Create(CultureInfo.InvariantCulture, $"{++beats} {NativeMethods.PgCollectives(group)}"));
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
                var fields = store.Get(key).Split(' ');
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
    /// every rank (through an abort key) instead of leaving some waiting for a rank that will never come.
    /// </summary>
    private static void Handshake(RendezvousStore store, ProcessGroupOptions options)
    {
        int rank = options.Rank, world = options.WorldSize;
        if (store.Add($"{Keys}join/{rank}", 1) > 1)
            Abort(store, $"two processes were started as rank {rank}; every rank 0..{world - 1} must be given exactly once");
        store.Set($"{Keys}world/{rank}", world.ToString(CultureInfo.InvariantCulture));
        var deadline = DateTime.UtcNow + options.Timeout;
        var missing = new List<int>();
        while (true)
        {
            if (store.Contains($"{Keys}abort")) throw new DistributedException($"rendezvous refused: {store.Get($"{Keys}abort")}");
            missing.Clear();
            for (int r = 0; r < world; r++)
            {
                if (!store.Contains($"{Keys}world/{r}")) { missing.Add(r); continue; }
                var theirs = store.Get($"{Keys}world/{r}");
                if (theirs != world.ToString(CultureInfo.InvariantCulture))
                    Abort(store, $"world size mismatch: rank {r} was started with world size {theirs}, rank {rank} with {world}");
            }
            if (missing.Count == 0) return;
            if (DateTime.UtcNow > deadline)
                throw new DistributedException($"rendezvous timed out after {options.Timeout.TotalSeconds:F0} s on rank {rank}: " +
                                               $"{RankList(missing)} of {world} did not join", missing);
            Thread.Sleep(PollInterval);
        }
    }

    private static void Abort(RendezvousStore store, string message)
    {
        store.Set($"{Keys}abort", message);
        throw new DistributedException($"rendezvous refused: {message}");
    }

    private static string RankList(IReadOnlyList<int> ranks) =>
        ranks.Count == 1 ? $"rank {ranks[0]}" : $"ranks {string.Join(", ", ranks)}";

    private static bool IsLoopback(string address) =>
        address is "localhost" || (System.Net.IPAddress.TryParse(address, out var ip) && System.Net.IPAddress.IsLoopback(ip));
}
