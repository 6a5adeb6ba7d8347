namespace SimVae.IO;

/// <summary>
/// Opens and reads input files without trusting them: only regular files (a folder, pipe or device — also through a
/// link — is refused), and never more bytes than the file holds or a stated limit allows, so a link to
/// <c>/dev/zero</c> or a huge file cannot exhaust memory. Problems raise <see cref="InvalidDataException"/> (or
/// <see cref="FileNotFoundException"/>) with a message naming the file.
/// </summary>
public static class BoundedFile
{
    /// <summary>Opens <paramref name="path"/> for reading after checking that it is a regular file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">What the file should be, for messages (e.g. "model bundle").</param>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">It is a folder, a pipe or a device.</exception>
    public static FileStream OpenRead(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path)) throw new InvalidDataException($"{what} '{path}' is a folder, not a file");
        if (!File.Exists(path)) throw new FileNotFoundException($"{what} '{path}' not found", path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InvalidDataException($"{what} '{path}' cannot be read: permission denied", e);
        }
        // A pipe cannot seek; a character device reports length 0 yet yields bytes. Neither is a regular file.
        if (!stream.CanSeek || (stream.Length == 0 && stream.ReadByte() >= 0))
        {
            stream.Dispose();
            throw new InvalidDataException($"{what} '{path}' is not a regular file (a device, pipe or socket?)");
        }
        stream.Position = 0;
        return stream;
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
}
