using System.Text;

namespace SimVae.Distributed;

/// <summary>
/// The key-value store the ranks meet through (the role of c10d's TCPStore): rank 0 holds the values
/// (<see cref="MemoryStore"/>) and serves them over TCP (<see cref="StoreServer"/>); the other ranks are clients
/// (<see cref="StoreClient"/>). Gloo's rendezvous, the configuration checks and the heartbeats all go through it.
/// A value under <see cref="AbortKey"/> ends every wait: a rank that fails during set-up stops the others with it.
/// Thread-safe.
/// </summary>
internal abstract class RendezvousStore : IDisposable
{
    /// <summary>Key whose value, once set, is the reason every rank stops waiting.</summary>
    public const string AbortKey = "simvae/abort";

    /// <summary>Longest wait of <see cref="Get"/>.</summary>
    public TimeSpan Timeout { get; protected init; }

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/>.</summary>
    public abstract void Set(string key, byte[] value);

    /// <summary>The value of <paramref name="key"/>, waiting for it up to <see cref="Timeout"/>.</summary>
    /// <exception cref="DistributedException">Timed out, the run was aborted, or the store is unreachable.</exception>
    public abstract byte[] Get(string key);

    /// <summary>Adds <paramref name="delta"/> to the counter under <paramref name="key"/> (0 when absent); returns the new value.</summary>
    public abstract long Add(string key, long delta);

    /// <summary>Whether <paramref name="key"/> has a value.</summary>
    public abstract bool Contains(string key);

    /// <summary>Leaves the store (rank 0: stops serving it).</summary>
    public abstract void Dispose();

    /// <summary>Stores a text.</summary>
    public void Set(string key, string value) => Set(key, Encoding.UTF8.GetBytes(value));

    /// <summary>The text under <paramref name="key"/>, waiting for it.</summary>
    public string GetText(string key) => Encoding.UTF8.GetString(Get(key));

    /// <summary>Makes every rank's waits fail with <paramref name="reason"/>.</summary>
    public void Abort(string reason) => Set(AbortKey, reason);

    /// <summary>
    /// Opens the store of a run: rank 0 hosts it on <paramref name="port"/> (every interface), the others connect to
    /// <paramref name="host"/>:<paramref name="port"/>, retrying until <paramref name="timeout"/> (rank 0 may start later).
    /// </summary>
    public static RendezvousStore Open(int rank, string host, int port, TimeSpan timeout) =>
        rank == 0 ? StoreServer.Start(port, timeout) : StoreClient.Connect(host, port, timeout);

    internal static string FirstLine(string message) =>
        message.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? message;
}

/// <summary>The values of the store, in this process; waits wake up when a key arrives.</summary>
internal class MemoryStore : RendezvousStore
{
    private readonly Dictionary<string, byte[]> values = new(StringComparer.Ordinal);

    /// <summary>Creates an empty store whose waits last at most <paramref name="timeout"/>.</summary>
    public MemoryStore(TimeSpan timeout) => Timeout = timeout;

    /// <inheritdoc />
    public override void Set(string key, byte[] value)
    {
        lock (values)
        {
            values[key] = value;
            Monitor.PulseAll(values);
        }
    }

    /// <inheritdoc />
    public override byte[] Get(string key) => Get(key, Timeout);

    /// <summary>The value of <paramref name="key"/>, waiting up to <paramref name="wait"/>.</summary>
    public byte[] Get(string key, TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        lock (values)
        {
            while (true)
            {
                if (values.TryGetValue(key, out var value)) return value;
                if (values.TryGetValue(AbortKey, out var reason)) throw new DistributedException($"rendezvous aborted: {Encoding.UTF8.GetString(reason)}");
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) throw new DistributedException($"timed out after {wait.TotalSeconds:F0} s waiting for '{key}' in the rendezvous store");
                Monitor.Wait(values, left);
            }
        }
    }

    /// <inheritdoc />
    public override long Add(string key, long delta)
    {
        lock (values)
        {
            long value = (values.TryGetValue(key, out var old) ? BitConverter.ToInt64(old) : 0) + delta;
            values[key] = BitConverter.GetBytes(value);
            Monitor.PulseAll(values);
            return value;
        }
    }

    /// <inheritdoc />
    public override bool Contains(string key)
    {
        lock (values) return values.ContainsKey(key);
    }

    /// <inheritdoc />
    public override void Dispose() { }
}
