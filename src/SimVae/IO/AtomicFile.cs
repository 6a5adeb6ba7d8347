using System.Text;
using System.Text.RegularExpressions;

namespace SimVae.IO;

/// <summary>
/// Writes files atomically — into a temporary file <c>.&lt;name&gt;.&lt;32 hex digits&gt;.tmp</c> in the same folder, flushed to
/// disk, then renamed over the target — so readers see the old file or the complete new one, never a partial one; and
/// removes the temporaries that a killed writer (SIGKILL, power loss) leaves behind. A name too long to take the 38
/// added characters within the file system's 255 bytes gets a temporary with the name cut to fit, so every name the
/// file system accepts can be written.
/// </summary>
public static partial class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>; the temporary is removed whatever happens.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="write">Writes the content to the stream it is given (do not dispose it).</param>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no parent folder", nameof(path));
        var temporary = Path.Combine(folder, $".{TemporaryStem(Path.GetFileName(full))}.{Guid.NewGuid():N}.tmp");
        try
        {
            // FileShare.None takes an exclusive advisory lock on Unix: RemoveStaleTemporaries leaves a live write alone.
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            TryDelete(temporary);
        }
    }

    /// <summary>
    /// Deletes the temporaries of <paramref name="path"/> that no live writer holds (what a killed process left) and
    /// returns their paths. A missing folder has none.
    /// </summary>
    public static IReadOnlyList<string> RemoveStaleTemporaries(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full);
        var name = TemporaryStem(Path.GetFileName(full));
        if (folder is null || name.Length == 0 || !Directory.Exists(folder)) return [];
        var removed = new List<string>();
        foreach (var candidate in Directory.EnumerateFiles(folder, $".{name}.*.tmp"))
        {
            var suffix = Path.GetFileName(candidate).AsSpan(name.Length + 1);
            if (!TemporarySuffix().IsMatch(suffix)) continue;
            try
            {
                // Fails while the writer that made it still holds its lock.
                using (new FileStream(candidate, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }
                File.Delete(candidate);
                removed.Add(candidate);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return removed;
    }

    /// <summary>Longest name, in UTF-8 bytes, that a temporary carries whole: 255 less the 38 characters it adds.</summary>
    private const int MaxStemBytes = 255 - 38;

    /// <summary><paramref name="name"/>, cut (between characters) to at most <see cref="MaxStemBytes"/> UTF-8 bytes.</summary>
    private static string TemporaryStem(string name)
    {
        if (Encoding.UTF8.GetByteCount(name) <= MaxStemBytes) return name;
        int bytes = 0, end = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > MaxStemBytes) break;
            bytes += rune.Utf8SequenceLength;
            end += rune.Utf16SequenceLength;
        }
        return name[..end];
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [GeneratedRegex(@"^\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex TemporarySuffix();
}
