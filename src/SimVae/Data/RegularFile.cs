using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SimVae.Data;

/// <summary>
/// Opens input files that must be regular files without ever blocking on a FIFO: on Linux the type of what the path
/// names (through links) is read with <c>statx</c> before opening, the open itself is non-blocking (a FIFO swapped in
/// between cannot hang it), and the opened descriptor's type is checked again. A folder, pipe, socket or device is
/// refused with <see cref="InvalidDataException"/>, a missing path with <see cref="FileNotFoundException"/>; both
/// messages name the file.
/// </summary>
internal static partial class RegularFile
{
    private const int AtFdCwd = -100;        // <fcntl.h> AT_FDCWD
    private const int AtEmptyPath = 0x1000;  // AT_EMPTY_PATH: statx of the descriptor itself
    private const uint StatxType = 0x1;      // STATX_TYPE
    private const int ModeOffset = 28;       // offsetof(struct statx, stx_mode), the same on every Linux architecture
    private const int TypeMask = 0xF000, Regular = 0x8000, Folder = 0x4000;
    private const int OpenFlags = 0x800 | 0x100 | 0x80000; // O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC
    private const int NoEntry = 2, AccessDenied = 13;

    /// <summary>Reads the whole of the regular file <paramref name="path"/>, at most <paramref name="maxBytes"/> bytes.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">Largest size accepted.</param>
    /// <param name="what">What the file should be, for messages (e.g. "image file").</param>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">Not a regular file, unreadable, or larger than <paramref name="maxBytes"/>.</exception>
    public static byte[] ReadAll(string path, long maxBytes, string what)
    {
        using var stream = OpenRead(path, what);
        long length = stream.Length;
        if (length > maxBytes) throw new InvalidDataException($"{what} '{path}' holds {length:N0} bytes, more than the {maxBytes:N0} allowed");
        var bytes = new byte[length];
        int read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (read < bytes.Length) throw new InvalidDataException($"{what} '{path}' shrank while it was read ({read} of {length} bytes)");
        return bytes;
    }

    /// <summary>Opens the regular file <paramref name="path"/> for reading (see the class remarks).</summary>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">Not a regular file, or unreadable.</exception>
    public static FileStream OpenRead(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!OperatingSystem.IsLinux()) return OpenPortable(path, what);
        CheckType(StatxPath(path), path, what);
        int fd = Open(path, OpenFlags);
        if (fd < 0) throw Failure(Marshal.GetLastPInvokeError(), path, what);
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            CheckType(StatxDescriptor(fd), path, what);
            return new FileStream(handle, FileAccess.Read, 1 << 16);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void CheckType((int Error, int Mode) stat, string path, string what)
    {
        if (stat.Error != 0) throw Failure(stat.Error, path, what);
        switch (stat.Mode & TypeMask)
        {
            case Regular: return;
            case Folder: throw new InvalidDataException($"{what} '{path}' is a folder, not a file");
            default: throw new InvalidDataException($"{what} '{path}' is not a regular file (a device, pipe or socket?)");
        }
    }

    private static Exception Failure(int errno, string path, string what) => errno switch
    {
        NoEntry => new FileNotFoundException($"{what} '{path}' not found", path),
        AccessDenied => new InvalidDataException($"{what} '{path}' cannot be read: permission denied"),
        _ => new InvalidDataException($"{what} '{path}' cannot be opened: {Marshal.GetPInvokeErrorMessage(errno)}"),
    };

    private static unsafe (int Error, int Mode) StatxPath(string path)
    {
        byte* buffer = stackalloc byte[256]; // sizeof(struct statx)
        return Statx(AtFdCwd, path, 0, StatxType, buffer) == 0 ? (0, *(ushort*)(buffer + ModeOffset)) : (Marshal.GetLastPInvokeError(), 0);
    }

    private static unsafe (int Error, int Mode) StatxDescriptor(int fd)
    {
        byte* buffer = stackalloc byte[256];
        return Statx(fd, "", AtEmptyPath, StatxType, buffer) == 0 ? (0, *(ushort*)(buffer + ModeOffset)) : (Marshal.GetLastPInvokeError(), 0);
    }

    /// <summary>Elsewhere (no FIFOs to fear on Windows): a pipe cannot seek; a character device reports length 0 yet yields bytes.</summary>
    private static FileStream OpenPortable(string path, string what)
    {
        if (Directory.Exists(path)) throw new InvalidDataException($"{what} '{path}' is a folder, not a file");
        if (!File.Exists(path)) throw new FileNotFoundException($"{what} '{path}' not found", path);
        FileStream stream;
        try { stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16); }
        catch (UnauthorizedAccessException e) { throw new InvalidDataException($"{what} '{path}' cannot be read: permission denied", e); }
        if (!stream.CanSeek || (stream.Length == 0 && stream.ReadByte() >= 0))
        {
            stream.Dispose();
            throw new InvalidDataException($"{what} '{path}' is not a regular file (a device, pipe or socket?)");
        }
        stream.Position = 0;
        return stream;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);
}
