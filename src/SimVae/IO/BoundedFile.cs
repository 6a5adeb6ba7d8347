using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SimVae.IO;

/// <summary>
/// Opens and reads input files without trusting them: only regular files (a folder, pipe, socket or device — also
/// through a link — is refused), and never more bytes than the file holds or a stated limit allows, so a link to
/// <c>/dev/zero</c> or a huge file cannot exhaust memory. A FIFO never blocks the open: on Linux the type of what the
/// path names is read with <c>statx</c> before opening, the open itself is non-blocking (a FIFO swapped in between
/// cannot hang it), and the opened descriptor's type is checked again. Every reader of this library (bundles,
/// checkpoints, safetensors, IDX, CIFAR-10, image files) opens its files here. Problems raise
/// <see cref="InvalidDataException"/> (or <see cref="FileNotFoundException"/>) with a message naming the file.
/// </summary>
public static partial class BoundedFile
{
    private const int OpenFlags = 0x800 | 0x100 | 0x80000; // O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC

    /// <summary>Opens <paramref name="path"/> for reading after checking that it is a regular file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">What the file should be, for messages (e.g. "model bundle").</param>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">It is a folder, a pipe, a socket or a device, or cannot be read.</exception>
    public static FileStream OpenRead(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!OperatingSystem.IsLinux()) return OpenPortable(path, what);
        CheckType(Statx.OfPath(path), path, what);
        int fd = Open(path, OpenFlags);
        if (fd < 0) throw Failure(Marshal.GetLastPInvokeError(), path, what);
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            CheckType(Statx.OfDescriptor(fd), path, what);
            return new FileStream(handle, FileAccess.Read, 1 << 16);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads the whole of a regular file of at most <paramref name="maxBytes"/> bytes.</summary>
    /// <exception cref="InvalidDataException">Not a regular file, or larger than <paramref name="maxBytes"/>.</exception>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="path"/>.</exception>
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

    private static void CheckType(Statx.Info stat, string path, string what)
    {
        if (stat.Error != 0) throw Failure(stat.Error, path, what);
        switch (stat.Type)
        {
            case Statx.Regular: return;
            case Statx.Folder: throw new InvalidDataException($"{what} '{path}' is a folder, not a file");
            default: throw new InvalidDataException($"{what} '{path}' is not a regular file (a device, pipe or socket?)");
        }
    }

    private static Exception Failure(int errno, string path, string what) => errno switch
    {
        Statx.NoEntry => new FileNotFoundException($"{what} '{path}' not found", path),
        Statx.AccessDenied => new InvalidDataException($"{what} '{path}' cannot be read: permission denied"),
        _ => new InvalidDataException($"{what} '{path}' cannot be opened: {Marshal.GetPInvokeErrorMessage(errno)}"),
    };

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

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);
}
