using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SimVae.Torch.Distributed;

namespace SimVae.Torch.Native;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library, EntryPoint = "svn_store_tcp", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int StoreTcp(string host, int port, int isServer, long timeoutMs, out IntPtr store);
    [LibraryImport(Library, EntryPoint = "svn_store_file", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int StoreFile(string path, int worldSize, long timeoutMs, out IntPtr store);
    [LibraryImport(Library, EntryPoint = "svn_store_free")] internal static partial void StoreFree(IntPtr store);
    [LibraryImport(Library, EntryPoint = "svn_store_set", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int StoreSet(IntPtr store, string key, byte* value, long length);
    [LibraryImport(Library, EntryPoint = "svn_store_get", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int StoreGet(IntPtr store, string key, byte* buffer, long capacity, out long length);
    [LibraryImport(Library, EntryPoint = "svn_store_add", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int StoreAdd(IntPtr store, string key, long delta, out long value);
    [LibraryImport(Library, EntryPoint = "svn_store_check", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int StoreCheck(IntPtr store, string key, out int exists);
    [LibraryImport(Library, EntryPoint = "svn_distributed_backends")] internal static partial int DistributedBackends();
    [LibraryImport(Library, EntryPoint = "svn_pg_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int PgCreate(IntPtr store, int rank, int worldSize, int backends, string? glooInterface, string? glooHost, long timeoutMs, out IntPtr group);
    [LibraryImport(Library, EntryPoint = "svn_pg_free")] internal static partial void PgFree(IntPtr group);
    [LibraryImport(Library, EntryPoint = "svn_pg_collectives")] internal static partial long PgCollectives(IntPtr group);
    [LibraryImport(Library, EntryPoint = "svn_pg_failures")] internal static partial long PgFailures(IntPtr group);
    [LibraryImport(Library, EntryPoint = "svn_pg_all_reduce")] internal static partial int PgAllReduce(IntPtr group, IntPtr tensor, int op);
    [LibraryImport(Library, EntryPoint = "svn_pg_all_reduce_buckets")]
    internal static partial int PgAllReduceBuckets(IntPtr group, IntPtr* tensors, int count, long bucketBytes, double scale);
    [LibraryImport(Library, EntryPoint = "svn_pg_broadcast")] internal static partial int PgBroadcast(IntPtr group, IntPtr tensor, int root);
    [LibraryImport(Library, EntryPoint = "svn_pg_all_gather")] internal static partial int PgAllGather(IntPtr group, IntPtr tensor, int differentiable, out IntPtr result);
    [LibraryImport(Library, EntryPoint = "svn_pg_barrier")] internal static partial int PgBarrier(IntPtr group);

    /// <summary>Throws a <see cref="DistributedException"/> carrying c10d's message when a distributed call failed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CheckDistributed(int status)
    {
        if (status != 0) ThrowDistributed();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowDistributed() =>
        throw new DistributedException(Marshal.PtrToStringUTF8((IntPtr)LastError()) ?? "unknown native error");
}
