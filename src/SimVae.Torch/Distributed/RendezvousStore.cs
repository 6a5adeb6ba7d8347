using System.Runtime.InteropServices;
using System.Text;
using SimVae.Torch.Native;

namespace SimVae.Torch.Distributed;

/// <summary>A c10d key-value store (TCPStore or FileStore) the ranks meet through; thread-safe (c10d locks each call).</summary>
internal sealed unsafe class RendezvousStore : SafeHandle
{
    private RendezvousStore(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Opens the store the options describe (rank 0 hosts the TCP server).</summary>
    public static RendezvousStore Open(ProcessGroupOptions options)
    {
        long timeout = (long)options.Timeout.TotalMilliseconds;
        IntPtr store;
        try
        {
            NativeMethods.CheckDistributed(options.StoreFile is { } file
                ? NativeMethods.StoreFile(file, options.WorldSize, timeout, out store)
                : NativeMethods.StoreTcp(options.MasterAddress, options.MasterPort, options.Rank == 0 ? 1 : 0, timeout, out store));
        }
        catch (DistributedException e)
        {
            var where = options.StoreFile is { } f ? $"file store '{f}'" : $"TCP store {options.MasterAddress}:{options.MasterPort}";
            throw new DistributedException($"rank {options.Rank} could not open the rendezvous {where}" +
                                           (options.Rank == 0 ? " (is the port free?)" : " (is rank 0 running, and the address reachable?)") + $": {FirstLine(e.Message)}", inner: e);
        }
        return new RendezvousStore(store);
    }

    public void Set(string key, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        fixed (byte* p = bytes) NativeMethods.CheckDistributed(NativeMethods.StoreSet(Handle, key, p, bytes.Length));
    }

    /// <summary>The value of <paramref name="key"/>, waiting for it up to the store's timeout.</summary>
    public string Get(string key)
    {
        var buffer = new byte[256];
        long length;
        fixed (byte* p = buffer) NativeMethods.CheckDistributed(NativeMethods.StoreGet(Handle, key, p, buffer.Length, out length));
        if (length > buffer.Length)
        {
            buffer = new byte[length];
            fixed (byte* p = buffer) NativeMethods.CheckDistributed(NativeMethods.StoreGet(Handle, key, p, buffer.Length, out length));
        }
        return Encoding.UTF8.GetString(buffer, 0, (int)length);
    }

    public long Add(string key, long delta)
    {
        NativeMethods.CheckDistributed(NativeMethods.StoreAdd(Handle, key, delta, out var value));
        return value;
    }

    public bool Contains(string key)
    {
        NativeMethods.CheckDistributed(NativeMethods.StoreCheck(Handle, key, out var exists));
        return exists != 0;
    }

    internal IntPtr Handle => DangerousGetHandle();

    protected override bool ReleaseHandle()
    {
        NativeMethods.StoreFree(handle);
        return true;
    }

    internal static string FirstLine(string message) =>
        message.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? message;
}
