using SimVae.IO;

namespace SimVae.Cli;

/// <summary>
/// The files a command reads and writes, checked before it does any work, so nothing a user gives the tool is destroyed
/// and no run fails late on an unwritable output. Every command that writes files declares them here:
/// <code>
/// new OutputGuard().Input("--model", modelPath).InputFolder("--data-path", dataFolder).Output("--output", outputPath).Check(output);
/// </code>
/// <see cref="Check"/> refuses (exit code 3, naming both options) an output that is one of the inputs or another output —
/// paths are compared after resolving symbolic links at every level — or an output folder that holds an input; it refuses
/// an output that is a folder, read-only, or in a missing or unwritable folder; and it removes the temporaries an
/// interrupted write of an output left (saying so).
/// </summary>
internal sealed class OutputGuard
{
    /// <summary>Most files of an input folder compared with the outputs (a data set of images can be large).</summary>
    private const int MaxFolderFiles = 1_000_000;

    private readonly List<(string Option, string Path, string Resolved)> inputs = [];
    private readonly List<(string Option, string Path, string Resolved)> inputFolders = [];
    private readonly List<(string Option, string Path, string Resolved, bool Folder)> outputs = [];

    /// <summary>A file the command reads (ignored when null).</summary>
    public OutputGuard Input(string option, string? path)
    {
        if (path is not null) inputs.Add((option, path, Resolve(path)));
        return this;
    }

    /// <summary>A folder the command reads files from (ignored when null or missing): every file under it is an input.</summary>
    public OutputGuard InputFolder(string option, string? folder)
    {
        if (folder is null || !Directory.Exists(folder)) return this;
        var resolvedFolder = Resolve(folder);
        inputFolders.Add((option, folder, resolvedFolder));
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
        foreach (var file in Directory.EnumerateFiles(folder, "*", options).Take(MaxFolderFiles))
        {
            // Resolving each file's folders again would cost a call per level per file; only links need it.
            var resolved = new FileInfo(file).LinkTarget is null ? Path.Combine(resolvedFolder, Path.GetRelativePath(folder, file)) : Resolve(file);
            inputs.Add((option, file, resolved));
        }
        return this;
    }

    /// <summary>A file the command writes (ignored when null).</summary>
    public OutputGuard Output(string option, string? path)
    {
        if (path is not null) outputs.Add((option, path, Resolve(path), false));
        return this;
    }

    /// <summary>A folder the command creates (if needed) and writes files into (ignored when null).</summary>
    public OutputGuard OutputFolder(string option, string? path)
    {
        if (path is not null) outputs.Add((option, path, Resolve(path), true));
        return this;
    }

    /// <summary>Runs every check; reports each stale temporary removed on <paramref name="output"/>'s error stream.</summary>
    /// <exception cref="CliException">Exit code 3, naming the option(s) and the file.</exception>
    public void Check(CliOutput output)
    {
        foreach (var o in outputs)
        {
            foreach (var i in inputs.Where(i => i.Option != o.Option))
            {
                if (i.Resolved == o.Resolved)
                    throw CliException.Input($"{o.Option} '{o.Path}' is the same file as {i.Option} '{i.Path}': writing it would destroy an input; choose another {o.Option}");
                if (o.Folder && IsUnder(i.Resolved, o.Resolved))
                    throw CliException.Input($"{o.Option} folder '{o.Path}' holds {i.Option} '{i.Path}': writing there could destroy an input; choose another {o.Option}");
            }
            foreach (var f in inputFolders.Where(f => f.Option != o.Option && (o.Folder ? IsUnder(f.Resolved, o.Resolved) : f.Resolved == o.Resolved)))
                throw CliException.Input($"{o.Option} '{o.Path}' is {f.Option} '{f.Path}' or holds it: writing there could destroy an input; choose another {o.Option}");
            foreach (var other in outputs.Where(p => p.Option != o.Option && p.Resolved == o.Resolved))
                throw CliException.Input($"{o.Option} and {other.Option} both name '{o.Path}': each output needs its own file");
        }
        foreach (var o in outputs)
        {
            if (o.Folder) CheckFolderWritable(o.Option, o.Path);
            else CheckFileWritable(o.Option, o.Path);
        }
        foreach (var o in outputs.Where(o => !o.Folder))
            foreach (var stale in AtomicFile.RemoveStaleTemporaries(o.Path))
                if (!output.Quiet) output.Error.WriteLine($"simvae: removed '{stale}', a partial {o.Option} file left by an interrupted run");
    }

    /// <summary>
    /// The absolute path with every symbolic link resolved (in the folders above it too), so two names of one file compare
    /// equal. Parts that do not exist yet are kept as written.
    /// </summary>
    internal static string Resolve(string path)
    {
        var full = Path.GetFullPath(path);
        for (int hops = 0; hops < 40; hops++)
        {
            var parent = Path.GetDirectoryName(full);
            if (parent is null) return full;
            full = Path.Combine(Resolve(parent), Path.GetFileName(full));
            if (new FileInfo(full).LinkTarget is not { } target) return full;
            full = Path.GetFullPath(target, Path.GetDirectoryName(full)!);
        }
        throw CliException.Input($"'{path}': too many levels of symbolic links");
    }

    private static bool IsUnder(string path, string folder) =>
        path == folder || path.StartsWith(Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static void CheckFileWritable(string option, string path)
    {
        if (Directory.Exists(path)) throw CliException.Input($"{option} '{path}' is a folder; give a file name");
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        CheckExistingFolderWritable(option, path, folder);
        if (File.Exists(path) && (File.GetAttributes(path) & FileAttributes.ReadOnly) != 0)
            throw CliException.Input($"{option} '{path}' is read-only; make it writable or choose another {option}");
    }

    private static void CheckFolderWritable(string option, string path)
    {
        if (File.Exists(path)) throw CliException.Input($"{option} '{path}' is a file, not a folder");
        var full = Path.GetFullPath(path);
        CheckExistingFolderWritable(option, path, Directory.Exists(full) ? full : Path.GetDirectoryName(full)!);
    }

    /// <summary>Checks that <paramref name="folder"/> exists and a file can be created in it (by creating and deleting one).</summary>
    private static void CheckExistingFolderWritable(string option, string path, string folder)
    {
        if (!Directory.Exists(folder)) throw CliException.Input($"cannot write {option} '{path}': folder '{folder}' does not exist");
        var probe = Path.Combine(folder, $".simvae-write-check-{Guid.NewGuid():N}.tmp");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw CliException.Input($"cannot write {option} '{path}': folder '{folder}' is not writable ({e.Message})", e);
        }
    }
}
