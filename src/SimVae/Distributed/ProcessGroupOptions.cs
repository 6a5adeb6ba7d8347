using System.Collections;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SimVae.Distributed;

/// <summary>
/// Where and how the ranks of a data-parallel run meet: torchrun's conventions (<c>MASTER_ADDR</c>, <c>MASTER_PORT</c>,
/// <c>RANK</c>, <c>WORLD_SIZE</c>, <c>LOCAL_RANK</c>, <c>LOCAL_WORLD_SIZE</c>; <see cref="FromEnvironment"/>) or these
/// properties. Rank 0 hosts the TCP rendezvous store at <see cref="MasterAddress"/>:<see cref="MasterPort"/>.
/// </summary>
public sealed record ProcessGroupOptions
{
    /// <summary>Number of processes in the run (torchrun's <c>WORLD_SIZE</c>).</summary>
    public int WorldSize { get; init; } = 1;
    /// <summary>This process's rank, 0 … <see cref="WorldSize"/> − 1 (<c>RANK</c>); rank 0 writes the outputs.</summary>
    public int Rank { get; init; }
    /// <summary>Rank within this machine (<c>LOCAL_RANK</c>).</summary>
    public int LocalRank { get; init; }
    /// <summary>Processes on this machine (<c>LOCAL_WORLD_SIZE</c>): the CPU threads are split between them.</summary>
    public int LocalWorldSize { get; init; } = 1;
    /// <summary>Address of rank 0's machine (<c>MASTER_ADDR</c>; default 127.0.0.1).</summary>
    public string MasterAddress { get; init; } = "127.0.0.1";
    /// <summary>Port of the rendezvous store on rank 0's machine (<c>MASTER_PORT</c>; default 29500, as torchrun).</summary>
    public int MasterPort { get; init; } = 29500;
    /// <summary>
    /// Longest wait for the rendezvous and for any one collective (default 5 minutes); a rank that stopped makes the
    /// others fail within it, with an error naming that rank.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>
    /// Network interface Gloo uses (e.g. eth0; <c>GLOO_SOCKET_IFNAME</c>). Unset: the address of this machine that
    /// routes to <see cref="MasterAddress"/> (<see cref="GlooAddress"/>), so that every rank advertises an address
    /// the others can reach (a hostname resolving to 127.0.0.1 cannot mislead it).
    /// </summary>
    public string? GlooInterface { get; init; }

    /// <summary>
    /// The local address Gloo binds to when no <see cref="GlooInterface"/> is given: the source address the kernel
    /// picks for packets to <see cref="MasterAddress"/> (a UDP "connect" sends nothing). Rank 0 on the master gets
    /// the master address itself; every rank on a machine with a loopback master gets 127.0.0.1.
    /// </summary>
    /// <exception cref="DistributedException"><see cref="MasterAddress"/> does not resolve or no route leads to it.</exception>
    public string GlooAddress()
    {
        try
        {
            var master = Dns.GetHostAddresses(MasterAddress) is { Length: > 0 } found
                ? found.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? found[0]
                : throw new SocketException((int)SocketError.HostNotFound);
            using var probe = new Socket(master.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            probe.Connect(master, MasterPort);
            return ((IPEndPoint)probe.LocalEndPoint!).Address.ToString();
        }
        catch (SocketException e)
        {
            throw new DistributedException($"rank {Rank}: no route to the master address '{MasterAddress}' ({e.Message}); " +
                                           "check --master-addr, or set GLOO_SOCKET_IFNAME to the network interface to use", [], e);
        }
    }

    /// <summary>Whether this describes a run of more than one process.</summary>
    public bool IsDistributed => WorldSize > 1;

    /// <summary>
    /// The options torchrun's environment variables give (<paramref name="environment"/>: the process's when null), or
    /// null when <c>WORLD_SIZE</c> is not set. Missing <c>LOCAL_*</c> variables default to a single machine.
    /// </summary>
    /// <exception cref="ArgumentException">A variable is not a number or is out of range (named in the message).</exception>
    public static ProcessGroupOptions? FromEnvironment(IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        string? Get(string name) => environment[name] as string is { Length: > 0 } value ? value : null;
        int? Number(string name) => Get(name) is { } text
            ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
                : throw new ArgumentException($"environment variable {name}='{text}' is not an integer")
            : null;
        if (Number("WORLD_SIZE") is not { } world) return null;
        int rank = Number("RANK") ?? throw new ArgumentException("WORLD_SIZE is set but RANK is not (both come from torchrun or the launcher)");
        var options = new ProcessGroupOptions
        {
            WorldSize = world,
            Rank = rank,
            LocalRank = Number("LOCAL_RANK") ?? rank,
            LocalWorldSize = Number("LOCAL_WORLD_SIZE") ?? world,
            MasterAddress = Get("MASTER_ADDR") ?? "127.0.0.1",
            MasterPort = Number("MASTER_PORT") ?? 29500,
            GlooInterface = Get("GLOO_SOCKET_IFNAME"),
        };
        options.Validate();
        return options;
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (WorldSize < 1) throw new ArgumentOutOfRangeException(nameof(WorldSize), WorldSize, "WorldSize must be at least 1");
        if (Rank < 0 || Rank >= WorldSize) throw new ArgumentOutOfRangeException(nameof(Rank), Rank, $"Rank must be within 0..{WorldSize - 1}");
        if (LocalWorldSize < 1 || LocalWorldSize > WorldSize)
            throw new ArgumentOutOfRangeException(nameof(LocalWorldSize), LocalWorldSize, $"LocalWorldSize must be within 1..{WorldSize}");
        if (LocalRank < 0 || LocalRank >= LocalWorldSize)
            throw new ArgumentOutOfRangeException(nameof(LocalRank), LocalRank, $"LocalRank must be within 0..{LocalWorldSize - 1}");
        if (MasterPort is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(MasterPort), MasterPort, "MasterPort must be within 1..65535");
        if (string.IsNullOrWhiteSpace(MasterAddress)) throw new ArgumentOutOfRangeException(nameof(MasterAddress), MasterAddress, "MasterAddress must not be empty");
        if (Timeout < TimeSpan.FromSeconds(1)) throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "Timeout must be at least 1 second");
    }
}
