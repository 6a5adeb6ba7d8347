using System.Text.RegularExpressions;

namespace SimVae.IO;

/// <summary>
/// Writes files atomically — into a temporary file <c>.&lt;name&gt;.&lt;32 hex digits&gt;.tmp</c> in the same folder, flushed to
/// disk, then renamed over the target — so readers see the old file or the complete new one, never a partial one; and
/// removes the temporaries that a killed writer (SIGKILL, power loss) leaves behind.
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
        var temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
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
        var name = Path.GetFileName(full);
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

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [GeneratedRegex(@"^\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex TemporarySuffix();
}
