// The SimVae package's build step that lets TorchSharp's libLibTorchSharp.so load on systems whose libstdc++ predates
// GCC 13 (Debian 12: GLIBCXX_3.4.30). The library asks for GLIBCXX_3.4.32 for one symbol only, std::ios_base_library_init,
// which GCC 13's <iostream> references just to pull in libstdc++'s own iostream initialisation; older libstdc++ does that
// initialisation unconditionally. Marking that version need weak (VER_FLG_WEAK in its Vernaux entry, as the ELF gABI's
// symbol versioning allows) lets the loader accept the library. The step edits the build/publish output's copy only, and
// refuses (build error) when any other symbol needs the version, since weakening it would then hide a real dependency.
// It is compiled by MSBuild's RoslynCodeTaskFactory from SimVae.targets; no external tool is used.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>Weakens a libstdc++ symbol-version need of ELF64 shared libraries when the system libstdc++ lacks that version.</summary>
public sealed class SimVaeWeakenGlibcxx : Task
{
    /// <summary>The output copies to check and patch in place (never the NuGet cache's files).</summary>
    [Required] public ITaskItem[] Libraries { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The version to weaken, e.g. GLIBCXX_3.4.32.</summary>
    [Required] public string Version { get; set; } = "";

    /// <summary>The only symbols (mangled, ';'-separated) that may need <see cref="Version"/>.</summary>
    [Required] public string AllowedSymbols { get; set; } = "";

    /// <summary>auto: only when the system libstdc++ lacks the version; always: regardless of this machine (packages built here for other machines).</summary>
    public string Mode { get; set; } = "auto";

    /// <summary>The libstdc++.so.6 to check; empty: the one this process loaded, else the loader's usual directories.</summary>
    public string SystemLibrary { get; set; } = "";

    public override bool Execute()
    {
        try
        {
            bool always = Mode.Equals("always", StringComparison.OrdinalIgnoreCase);
            if (!always && !Mode.Equals("auto", StringComparison.OrdinalIgnoreCase))
            {
                Log.LogError(null, "SIMVAE001", null, null, 0, 0, 0, 0, "SimVaeWeakenGlibcxx must be auto, always or false, not '{0}'.", Mode);
                return false;
            }
            if (!always)
            {
                var system = string.IsNullOrEmpty(SystemLibrary) ? FindSystemLibstdcxx() : SystemLibrary;
                if (system == null)
                {
                    Log.LogMessage(MessageImportance.Low, "SimVae: no system libstdc++.so.6 found; {0} left as is.", Version);
                    return true;
                }
                if (ElfVersions.Read(File.ReadAllBytes(system)).Definitions.Contains(Version))
                {
                    Log.LogMessage(MessageImportance.Low, "SimVae: {0} defines {1}; nothing to weaken.", system, Version);
                    return true;
                }
            }
            var allowed = new HashSet<string>(AllowedSymbols.Split(new[] { ';' }, StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));
            foreach (var item in Libraries)
                if (!Weaken(item.ItemSpec, allowed)) return false;
            return !Log.HasLoggedErrors;
        }
        catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
        {
            Log.LogError(null, "SIMVAE002", null, null, 0, 0, 0, 0, "SimVae: cannot weaken {0}: {1}", Version, e.Message);
            return false;
        }
    }

    private bool Weaken(string path, HashSet<string> allowed)
    {
        var bytes = File.ReadAllBytes(path);
        var need = ElfVersions.Read(bytes).Needs.FirstOrDefault(n => n.File == "libstdc++.so.6" && n.Name == Version);
        if (need == null)
        {
            Log.LogMessage(MessageImportance.Low, "SimVae: {0} does not need {1}.", path, Version);
            return true;
        }
        var others = need.Symbols.Where(s => !allowed.Contains(s)).ToList();
        if (others.Count > 0)
        {
            Log.LogError(null, "SIMVAE003", null, path, 0, 0, 0, 0,
                "SimVae: refusing to weaken {0} in {1}: besides {2} it is needed by {3}, which this system's libstdc++ lacks. " +
                "Use a libstdc++ with {0} (GCC 13 or later), or set SimVaeWeakenGlibcxx=false to keep the library as is.",
                Version, path, string.Join(", ", allowed), string.Join(", ", others));
            return false;
        }
        if (need.Weak)
        {
            Log.LogMessage(MessageImportance.Low, "SimVae: {0}'s need of {1} is already weak.", path, Version);
            return true;
        }
        // Patch a copy (File.Copy keeps the mode) and rename it over the output path: a hard or symbolic link to the
        // package cache is replaced, never written through. The copy keeps the timestamp, so incremental copies (same size
        // and time) leave the patched file alone.
        var temporary = path + ".simvae-tmp";
        File.Copy(path, temporary, overwrite: true);
        using (var stream = new FileStream(temporary, FileMode.Open, FileAccess.Write))
        {
            stream.Position = need.FlagsOffset;
            stream.WriteByte((byte)(bytes[need.FlagsOffset] | ElfVersions.WeakFlag));
        }
        File.SetLastWriteTimeUtc(temporary, File.GetLastWriteTimeUtc(path));
        File.Replace(temporary, path, null);
        Log.LogMessage(MessageImportance.High, "SimVae: weakened {0}'s need of {1} (only {2}) so it loads with this system's libstdc++.",
            path, Version, string.Join(", ", need.Symbols));
        return true;
    }

    /// <summary>The libstdc++.so.6 this process uses (the dotnet host links it), else the first in the loader's usual directories.</summary>
    private static string FindSystemLibstdcxx()
    {
        if (File.Exists("/proc/self/maps"))
            foreach (var line in File.ReadLines("/proc/self/maps"))
                if (line.Contains("/libstdc++.so.6") && File.Exists(line.Substring(line.IndexOf('/'))))
                    return line.Substring(line.IndexOf('/'));
        var directories = (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "").Split(new[] { ':' }, StringSplitOptions.RemoveEmptyEntries)
            .Concat(new[] { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib" });
        return directories.Select(d => Path.Combine(d, "libstdc++.so.6")).FirstOrDefault(File.Exists);
    }
}

/// <summary>The symbol versions an ELF64 little-endian shared library defines and needs (ELF gABI, "Symbol Versioning").</summary>
public sealed class ElfVersions
{
    /// <summary>VER_FLG_WEAK in a Vernaux entry's vna_flags.</summary>
    public const byte WeakFlag = 0x2;

    private const uint DynSym = 11, VerDef = 0x6ffffffd, VerNeed = 0x6ffffffe, VerSym = 0x6fffffff;

    /// <summary>One needed version (a Vernaux entry) with the dynamic symbols that reference it.</summary>
    public sealed class Need
    {
        public string File = "", Name = "";
        public bool Weak;
        public int FlagsOffset;
        public List<string> Symbols = new List<string>();
    }

    public HashSet<string> Definitions { get; } = new HashSet<string>(StringComparer.Ordinal);
    public List<Need> Needs { get; } = new List<Need>();

    public static ElfVersions Read(byte[] b)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (b[4] != 2 || b[5] != 1) throw new InvalidDataException("not a 64-bit little-endian ELF file");
        long shoff = (long)BitConverter.ToUInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3a), shnum = BitConverter.ToUInt16(b, 0x3c);
        if (shentsize < 64 || shoff <= 0 || shoff + (long)shentsize * shnum > b.Length) throw new InvalidDataException("bad section header table");
        var sections = Enumerable.Range(0, shnum).Select(i => new Section(b, (int)(shoff + (long)i * shentsize))).ToList();
        var result = new ElfVersions();
        var byIndex = new Dictionary<int, Need>();
        foreach (var s in sections.Where(s => s.Type == VerNeed))
        {
            var strings = sections[(int)s.Link];
            for (int off = s.Offset, n = 0; n < s.Info; n++)
            {
                string file = Str(b, strings, BitConverter.ToUInt32(b, off + 4));
                int aux = off + (int)BitConverter.ToUInt32(b, off + 8);
                for (int a = 0; a < BitConverter.ToUInt16(b, off + 2); a++)
                {
                    var need = new Need
                    {
                        File = file,
                        Name = Str(b, strings, BitConverter.ToUInt32(b, aux + 8)),
                        FlagsOffset = aux + 4,
                        Weak = (BitConverter.ToUInt16(b, aux + 4) & WeakFlag) != 0,
                    };
                    result.Needs.Add(need);
                    byIndex[BitConverter.ToUInt16(b, aux + 6)] = need;
                    aux += (int)BitConverter.ToUInt32(b, aux + 12);
                }
                off += (int)BitConverter.ToUInt32(b, off + 12);
            }
        }
        foreach (var s in sections.Where(s => s.Type == VerDef))
        {
            var strings = sections[(int)s.Link];
            for (int off = s.Offset, n = 0; n < s.Info; n++)
            {
                result.Definitions.Add(Str(b, strings, BitConverter.ToUInt32(b, off + (int)BitConverter.ToUInt32(b, off + 12))));
                off += (int)BitConverter.ToUInt32(b, off + 16);
            }
        }
        var dynsym = sections.FirstOrDefault(s => s.Type == DynSym);
        var versym = sections.FirstOrDefault(s => s.Type == VerSym);
        if (dynsym != null && versym != null)
            for (int i = 0; i < dynsym.Size / 24; i++)
                if (byIndex.TryGetValue(BitConverter.ToUInt16(b, versym.Offset + 2 * i) & 0x7fff, out var need))
                    need.Symbols.Add(Str(b, sections[(int)dynsym.Link], BitConverter.ToUInt32(b, dynsym.Offset + 24 * i)));
        return result;
    }

    private static string Str(byte[] b, Section strings, uint offset)
    {
        int start = strings.Offset + (int)offset, end = start;
        while (end < b.Length && b[end] != 0) end++;
        if (offset >= strings.Size || end >= b.Length) throw new InvalidDataException("bad string table offset");
        return Encoding.ASCII.GetString(b, start, end - start);
    }

    private sealed class Section
    {
        public readonly uint Type, Link, Info;
        public readonly int Offset;
        public readonly long Size;

        public Section(byte[] b, int at)
        {
            Type = BitConverter.ToUInt32(b, at + 4);
            Offset = checked((int)BitConverter.ToUInt64(b, at + 24));
            Size = (long)BitConverter.ToUInt64(b, at + 32);
            Link = BitConverter.ToUInt32(b, at + 40);
            Info = BitConverter.ToUInt32(b, at + 44);
            if (Type != 8 /* SHT_NOBITS */ && Offset + Size > b.Length) throw new InvalidDataException("section outside the file");
        }
    }
}
