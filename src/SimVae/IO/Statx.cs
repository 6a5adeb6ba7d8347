using System.Runtime.InteropServices;

namespace SimVae.IO;

/// <summary>
/// Linux's <c>statx</c>, the one place this library reads a file's type, identity (device, inode) and link count, by
/// path (following links) or by open descriptor. Offsets are those of <c>struct statx</c>, the same on every Linux
/// architecture.
/// </summary>
internal static partial class Statx
{
    /// <summary>What <c>statx</c> reports about a file: <c>Error</c> is 0, or the errno of the failed call (then the other fields are 0).</summary>
    public readonly record struct Info(int Error, int Mode, uint Links, ulong Inode, uint DeviceMajor, uint DeviceMinor)
    {
        /// <summary>The file type bits of <see cref="Mode"/>.</summary>
        public int Type => Mode & TypeMask;
    }

    public const int TypeMask = 0xF000, Regular = 0x8000, Folder = 0x4000;
    public const int NoEntry = 2, AccessDenied = 13;

    private const int AtFdCwd = -100;        // <fcntl.h> AT_FDCWD
    private const int AtEmptyPath = 0x1000;  // AT_EMPTY_PATH: statx of the descriptor itself
    private const uint Mask = 0x1 | 0x4 | 0x100; // STATX_TYPE | STATX_NLINK | STATX_INO
    private const int LinksOffset = 16, ModeOffset = 28, InodeOffset = 32, DeviceOffset = 136;

    /// <summary>The file <paramref name="path"/> names, through symbolic links.</summary>
    public static unsafe Info OfPath(string path)
    {
        byte* buffer = stackalloc byte[256]; // sizeof(struct statx)
        return Read(Call(AtFdCwd, path, 0, Mask, buffer), buffer);
    }

    /// <summary>The file open as descriptor <paramref name="fd"/>.</summary>
    public static unsafe Info OfDescriptor(int fd)
    {
        byte* buffer = stackalloc byte[256];
        return Read(Call(fd, "", AtEmptyPath, Mask, buffer), buffer);
    }

    private static unsafe Info Read(int result, byte* buffer) => result != 0
        ? new Info(Marshal.GetLastPInvokeError(), 0, 0, 0, 0, 0)
        : new Info(0, *(ushort*)(buffer + ModeOffset), *(uint*)(buffer + LinksOffset), *(ulong*)(buffer + InodeOffset),
                   *(uint*)(buffer + DeviceOffset), *(uint*)(buffer + DeviceOffset + 4));

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Call(int directory, string path, int flags, uint mask, byte* buffer);
}
