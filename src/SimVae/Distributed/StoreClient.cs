using System.Net.Sockets;

namespace SimVae.Distributed;

/// <summary>A connection to rank 0's <see cref="StoreServer"/>; one request at a time.</summary>
internal sealed class StoreClient : RendezvousStore
{
    private readonly TcpClient client;
    private readonly BinaryReader reader;
    private readonly BinaryWriter writer;
    private readonly string where;

    private StoreClient(TcpClient client, string where, TimeSpan timeout)
    {
        this.client = client;
        this.where = where;
        Timeout = timeout;
        var stream = client.GetStream();
        reader = new BinaryReader(stream);
        writer = new BinaryWriter(stream);
    }

    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/>, retrying until <paramref name="timeout"/>.</summary>
    /// <exception cref="DistributedException">No store answered in time.</exception>
    public static StoreClient Connect(string host, int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var client = new TcpClient { NoDelay = true };
            try
            {
                client.Connect(host, port);
                return new StoreClient(client, $"{host}:{port}", timeout);
            }
            catch (SocketException e)
            {
                client.Dispose();
                if (DateTime.UtcNow > deadline)
                    throw new DistributedException($"could not reach the rendezvous store at {host}:{port} within {timeout.TotalSeconds:F0} s " +
                                                   $"(is rank 0 running, and the address reachable?): {e.Message}", [0], e);
                Thread.Sleep(100);
            }
        }
    }

    /// <inheritdoc />
    public override void Set(string key, byte[] value) => Request(StoreOp.Set, key, w => { w.Write(value.Length); w.Write(value); }, _ => 0);

    /// <inheritdoc />
    public override byte[] Get(string key) =>
        Request(StoreOp.Get, key, w => w.Write((long)Timeout.TotalMilliseconds), r => r.ReadBytes(r.ReadInt32()));

    /// <inheritdoc />
    public override long Add(string key, long delta) => Request(StoreOp.Add, key, w => w.Write(delta), r => r.ReadInt64());

    /// <inheritdoc />
    public override bool Contains(string key) => Request(StoreOp.Contains, key, _ => { }, r => r.ReadBoolean());

    /// <inheritdoc />
    public override void Dispose() => client.Dispose();

    private T Request<T>(StoreOp op, string key, Action<BinaryWriter> argument, Func<BinaryReader, T> result)
    {
        lock (client)
        {
            try
            {
                writer.Write((byte)op);
                writer.Write(key);
                argument(writer);
                writer.Flush();
                if (reader.ReadByte() != 0) throw new DistributedException(reader.ReadString());
                return result(reader);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
            {
                throw new DistributedException($"the rendezvous store at {where} (hosted by rank 0) is unreachable: {FirstLine(e.Message)}", [0], e);
            }
        }
    }
}
