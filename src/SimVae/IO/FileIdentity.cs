namespace SimVae.IO;

/// <summary>
/// Which file a path names — its device and inode, through symbolic links — with its type and link count, so two names
/// of one file (symbolic or hard links, bind mounts) compare equal. Known on Linux only: elsewhere <see cref="Of"/>
/// returns null, as it does for a path that names nothing.
/// </summary>
/// <param name="Device">The device (major, minor) the file lives on.</param>
/// <param name="Inode">The file's inode number on that device.</param>
/// <param name="Links">How many names (hard links) the file has.</param>
/// <param name="IsRegularFile">A regular file (not a folder, pipe, socket or device).</param>
/// <param name="IsFolder">A folder.</param>
public readonly record struct FileIdentity((uint Major, uint Minor) Device, ulong Inode, uint Links, bool IsRegularFile, bool IsFolder)
{
    /// <summary>The file <paramref name="path"/> names, or null when it names nothing (or not on Linux).</summary>
    public static FileIdentity? Of(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!OperatingSystem.IsLinux()) return null;
        var s = Statx.OfPath(path);
        return s.Error != 0 ? null : new FileIdentity((s.DeviceMajor, s.DeviceMinor), s.Inode, s.Links, s.Type == Statx.Regular, s.Type == Statx.Folder);
    }

    /// <summary>Whether <paramref name="other"/> is the same file (same device and inode).</summary>
    public bool SameFile(FileIdentity other) => Device == other.Device && Inode == other.Inode;
}
