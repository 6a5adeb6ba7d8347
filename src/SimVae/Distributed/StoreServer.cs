using System.Net;
using System.Net.Sockets;

namespace SimVae.Distributed;

/// <summary>Rank 0's store: the values in memory, served to the other ranks over TCP, one thread per connection.</summary>
internal sealed class StoreServer : MemoryStore
{
    private readonly TcpListener listener;
    private readonly List<TcpClient> connections = [];
    private readonly Thread acceptor;
    private volatile bool stopped;

    private StoreServer(TcpListener listener, TimeSpan timeout) : base(timeout)
    {
        this.listener = listener;
        acceptor = new Thread(Accept) { IsBackground = true, Name = "simvae store accept" };
        acceptor.Start();
    }

    /// <summary>Listens on <paramref name="port"/> of every interface (IPv6 and IPv4 where the machine has IPv6).</summary>
    /// <exception cref="DistributedException">The port is taken (another rank 0, or another program) or cannot be bound.</exception>
    /// <remarks>
    /// No ReuseAddress: on Linux and macOS .NET turns it into SO_REUSEPORT as well, and two processes that both believe
    /// they are rank 0 would then both listen on the port, each waiting out the timeout for ranks the other one got.
    /// </remarks>
    public static StoreServer Start(int port, TimeSpan timeout)
    {
        var listener = new TcpListener(IPAddress.IPv6Any, port);
        try
        {
            listener.Server.DualMode = true;
            listener.Start(backlog: 1024);
        }
        catch (SocketException e) when (e.SocketErrorCode != SocketError.AddressAlreadyInUse)
        {
            // No IPv6 here: IPv4 only.
            listener = new TcpListener(IPAddress.Any, port);
            try { listener.Start(backlog: 1024); }
            catch (SocketException inner) { throw Unavailable(port, inner); }
        }
        catch (SocketException e)
        {
            throw Unavailable(port, e);
        }
        return new StoreServer(listener, timeout);
    }

    private static DistributedException Unavailable(int port, SocketException e) => e.SocketErrorCode == SocketError.AddressAlreadyInUse
        ? new DistributedException($"rank 0 could not host the rendezvous store: port {port} is already in use on this machine, by another rank 0 (was RANK=0 given to two processes?) or by another program; choose a free --master-port", inner: e)
        : new DistributedException($"rank 0 could not host the rendezvous store on port {port}: {e.Message}", inner: e);

    /// <inheritdoc />
    public override void Dispose()
    {
        stopped = true;
        listener.Stop();
        lock (connections)
            foreach (var c in connections) c.Dispose();
        acceptor.Join();
    }

    private void Accept()
    {
        while (!stopped)
        {
            TcpClient client;
            try { client = listener.AcceptTcpClient(); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException) { return; }
            client.NoDelay = true;
            lock (connections)
            {
                if (stopped) { client.Dispose(); return; }
                connections.Add(client);
            }
            new Thread(() => Serve(client)) { IsBackground = true, Name = "simvae store connection" }.Start();
        }
    }

    private void Serve(TcpClient client)
    {
        try
        {
            using var stream = client.GetStream();
            using var reader = new BinaryReader(stream);
            using var writer = new BinaryWriter(stream);
            while (!stopped)
            {
                var op = (StoreOp)reader.ReadByte();
                string key = reader.ReadString();
                try
                {
                    switch (op)
                    {
                        case StoreOp.Set:
                            Set(key, reader.ReadBytes(reader.ReadInt32()));
                            writer.Write((byte)0);
                            break;
                        case StoreOp.Get:
                            var value = Get(key, TimeSpan.FromMilliseconds(reader.ReadInt64()));
                            writer.Write((byte)0);
                            writer.Write(value.Length);
                            writer.Write(value);
                            break;
                        case StoreOp.Add:
                            long sum = Add(key, reader.ReadInt64());
                            writer.Write((byte)0);
                            writer.Write(sum);
                            break;
                        case StoreOp.Contains:
                            bool exists = Contains(key);
                            writer.Write((byte)0);
                            writer.Write(exists);
                            break;
                        default:
                            throw new InvalidDataException($"unknown store operation {(byte)op}");
                    }
                }
                catch (DistributedException e)
                {
                    writer.Write((byte)1);
                    writer.Write(e.Message);
                }
                writer.Flush();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidDataException or SocketException)
        {
            // The client left (or sent garbage): drop the connection.
        }
        finally
        {
            lock (connections) connections.Remove(client);
            client.Dispose();
        }
    }
}
