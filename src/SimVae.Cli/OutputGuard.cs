using System.Text;
using SimVae.IO;

namespace SimVae.Cli;

/// <summary>
/// The files a command reads and writes, checked before it does any work, so nothing a user gives the tool is destroyed
/// and no run fails late on an unwritable output. Every command that writes files declares them here:
/// <code>
/// new OutputGuard().Input("--model", modelPath).InputFolder("--data-path", dataFolder).Output("--output", outputPath).Check(output);
/// </code>
/// <see cref="Check"/> refuses (exit code 3, naming both options) an output that is one of the inputs or another output —
/// paths are compared after resolving symbolic links at every level, and existing files by device and inode, so a hard
/// link to an input is caught too — an output inside an input folder (it would join the data set), or an output folder
/// that holds an input; it refuses an output that is a folder, a pipe or device, read-only, named longer than the file
/// system allows, or in a missing or unwritable folder; an output folder that must be new or empty and is not; an
/// existing output that may only be replaced when it is of a known kind (e.g. a metrics log) and is not; and it removes
/// the temporaries an interrupted write of an output left (saying so).
/// </summary>
internal sealed class OutputGuard
{
    /// <summary>Most files of an input folder compared with the outputs (a data set of images can be large).</summary>
    private const int MaxFolderFiles = 1_000_000;

    /// <summary>Longest file name, in UTF-8 bytes, that Linux file systems accept (NAME_MAX).</summary>
    private const int MaxNameBytes = 255;

    private readonly List<(string Option, string Path, string Resolved, FileIdentity? Id)> inputs = [];
    private readonly List<(string Option, string Path, string Resolved)> inputFolders = [];
    private readonly List<OutputEntry> outputs = [];

    /// <summary>A declared output: a file, or a folder (that may have to be new or empty); an existing file may be replaced only when <c>Replaceable</c> accepts it.</summary>
    private sealed record OutputEntry(string Option, string Path, string Resolved, bool Folder, bool MustBeEmpty = false,
        Func<string, bool>? Replaceable = null, string? Kind = null);

    /// <summary>A file the command reads (ignored when null).</summary>
    public OutputGuard Input(string option, string? path)
    {
        if (path is not null) inputs.Add((option, path, Resolve(path), FileIdentity.Of(path)));
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
            inputs.Add((option, file, resolved, FileIdentity.Of(file)));
        }
        return this;
    }

    /// <summary>
    /// A file the command writes (ignored when null). When <paramref name="replaceable"/> is given, an existing file is
    /// replaced (or appended to) only if it accepts it — <paramref name="kind"/> says what it must be, for the message.
    /// </summary>
    public OutputGuard Output(string option, string? path, Func<string, bool>? replaceable = null, string? kind = null)
    {
        if (path is not null) outputs.Add(new OutputEntry(option, path, Resolve(path), false, Replaceable: replaceable, Kind: kind));
        return this;
    }

    /// <summary>A folder the command creates (if needed) and writes files into (ignored when null); <paramref name="mustBeEmpty"/>: new or empty only.</summary>
    public OutputGuard OutputFolder(string option, string? path, bool mustBeEmpty = false)
    {
        if (path is not null) outputs.Add(new OutputEntry(option, path, Resolve(path), true, mustBeEmpty));
        return this;
    }

    /// <summary>Runs every check; reports each stale temporary removed on <paramref name="output"/>'s error stream.</summary>
    /// <exception cref="CliException">Exit code 3, naming the option(s) and the file.</exception>
    public void Check(CliOutput output)
    {
        foreach (var o in outputs)
        {
            var id = o.Folder ? null : FileIdentity.Of(o.Path);
            foreach (var i in inputs.Where(i => i.Option != o.Option))
            {
                if (i.Resolved == o.Resolved)
                    throw CliException.Input($"{o.Option} '{o.Path}' is the same file as {i.Option} '{i.Path}': writing it would destroy an input; choose another {o.Option}");
                if (id is { } a && i.Id is { } b && a.SameFile(b))
                    throw CliException.Input($"{o.Option} '{o.Path}' is the same file as {i.Option} '{i.Path}' (a hard link: {a.Links} names, one inode): writing it would destroy an input; choose another {o.Option}");
                if (o.Folder && IsUnder(i.Resolved, o.Resolved))
                    throw CliException.Input($"{o.Option} folder '{o.Path}' holds {i.Option} '{i.Path}': writing there could destroy an input; choose another {o.Option}");
            }
            foreach (var f in inputFolders.Where(f => f.Option != o.Option && (o.Folder ? IsUnder(f.Resolved, o.Resolved) : f.Resolved == o.Resolved)))
                throw CliException.Input($"{o.Option} '{o.Path}' is {f.Option} '{f.Path}' or holds it: writing there could destroy an input; choose another {o.Option}");
            foreach (var f in inputFolders.Where(f => f.Option != o.Option && o.Resolved != f.Resolved && IsUnder(o.Resolved, f.Resolved)))
                throw CliException.Input($"{o.Option} '{o.Path}' is inside {f.Option} '{f.Path}': a file written there would become part of the data set; choose another {o.Option}");
            foreach (var other in outputs.Where(p => p.Option != o.Option && p.Resolved == o.Resolved))
                throw CliException.Input($"{o.Option} and {other.Option} both name '{o.Path}': each output needs its own file");
        }
        foreach (var o in outputs)
        {
            if (o.Folder) CheckFolderWritable(o.Option, o.Path, o.MustBeEmpty);
            else CheckFileWritable(o.Option, o.Path);
            if (o.Replaceable is { } accepts && File.Exists(o.Path) && !accepts(o.Path))
                throw CliException.Input($"{o.Option} '{o.Path}' exists and is not {o.Kind}: it is never overwritten; choose another {o.Option} or delete the file");
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
        var full = Path.GetFullPath(path);
        var name = Path.GetFileName(full);
        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxNameBytes)
            throw CliException.Input($"{option} '{path}': the file name is {bytes} bytes long, more than the {MaxNameBytes} the file system allows; choose a shorter {option}");
        if (FileIdentity.Of(path) is { IsRegularFile: false })
            throw CliException.Input($"{option} '{path}' is not a regular file (a pipe, socket or device?); give a file name");
        var folder = Path.GetDirectoryName(full)!;
        CheckFileAbove(option, path, folder);
        CheckExistingFolderWritable(option, path, folder);
        if (File.Exists(path) && (File.GetAttributes(path) & FileAttributes.ReadOnly) != 0)
            throw CliException.Input($"{option} '{path}' is read-only; make it writable or choose another {option}");
    }

    private static void CheckFolderWritable(string option, string path, bool mustBeEmpty)
    {
        if (File.Exists(path)) throw CliException.Input($"{option} '{path}' is a file, not a folder");
        var full = Path.GetFullPath(path);
        CheckFileAbove(option, path, full);
        if (mustBeEmpty && Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            throw CliException.Input($"{option} folder '{path}' is not empty: files are only written into a new or empty folder; choose another {option}");
        // A missing folder is created with the folders above it: the nearest existing one must be writable.
        var existing = full;
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent) existing = parent;
        CheckExistingFolderWritable(option, path, existing);
    }

    /// <summary>Refuses a path with a file where a folder should be (e.g. <c>notes.txt/out</c>), naming that file.</summary>
    private static void CheckFileAbove(string option, string path, string folder)
    {
        for (var f = folder; f is not null; f = Path.GetDirectoryName(f))
        {
            if (Directory.Exists(f)) return;
            if (File.Exists(f)) throw CliException.Input($"cannot write {option} '{path}': '{f}' is a file, not a folder");
        }
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
