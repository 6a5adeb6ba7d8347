using System.Text;
using TorchSharp;

namespace SimVae.Cli.Tests;

/// <summary>
/// The SimVae package's build step (src/SimVae/buildTransitive/SimVae.targets) that marks libLibTorchSharp.so's
/// GLIBCXX_3.4.32 need weak: in this repository's real build output, and through a minimal MSBuild project that imports
/// the same targets file and copies a library the way copy-local does (so each case runs in a few seconds, no restore).
/// </summary>
[TestClass]
public sealed class GlibcxxWeakeningTests
{
    private const string Library = "libLibTorchSharp.so";
    private const string Symbol = "_ZSt21ios_base_library_initv";

    /// <summary>TorchSharp's library in the NuGet package cache, as the package ships it.</summary>
    private static string PackageCopy()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set ? set
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var version = typeof(torch).Assembly.GetName().Version!;
        var path = Path.Combine(packages, "torchsharp", $"{version.Major}.{version.Minor}.{version.Build}", "runtimes", "linux-x64", "native", Library);
        if (!File.Exists(path)) Assert.Inconclusive($"TorchSharp's package is not in {packages}");
        return path;
    }

    /// <summary>The libstdc++ this process runs with (the dotnet host links it) defines GLIBCXX_3.4.32.</summary>
    internal static bool SystemHasTheVersion()
    {
        var libstdcxx = File.ReadLines("/proc/self/maps").Select(l => l.Contains("/libstdc++.so.6") ? l[l.IndexOf('/')..] : null).First(p => p is not null)!;
        return IndexOf(File.ReadAllBytes(libstdcxx), Encoding.ASCII.GetBytes("GLIBCXX_3.4.32\0")) >= 0;
    }

    private static int IndexOf(byte[] data, byte[] pattern)
    {
        for (int i = 0; i + pattern.Length <= data.Length; i++)
            if (data.AsSpan(i, pattern.Length).SequenceEqual(pattern)) return i;
        return -1;
    }

    /// <summary>The offsets where two equally long files differ.</summary>
    private static List<int> Differences(byte[] a, byte[] b)
    {
        Assert.AreEqual(a.Length, b.Length, "the step changes a flag, not the size");
        return Enumerable.Range(0, a.Length).Where(i => a[i] != b[i]).ToList();
    }

    [TestMethod]
    public void TheBuildOutputIsWeakenedOnlyWhereNeededAndThePackageCacheIsNot()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("Linux only");
        var cache = File.ReadAllBytes(PackageCopy());
        var output = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", Library));
        var differences = Differences(cache, output);
        if (SystemHasTheVersion())
            Assert.AreEqual(0, differences.Count, "this libstdc++ has GLIBCXX_3.4.32: the output is the package's file");
        else
        {
            Assert.AreEqual(1, differences.Count, "one byte: the Vernaux entry's flags");
            Assert.AreEqual(cache[differences[0]] | 2, output[differences[0]], "VER_FLG_WEAK set in the output copy");
        }
        // And TorchSharp loads from that output in this process.
        using var ones = torch.ones(2, 3);
        Assert.AreEqual(6f, ones.sum().item<float>());
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public void TheOutputCopyIsPatchedEvenWhenItIsAHardLinkToTheCache()
    {
        using var folder = new TempFolder();
        var cache = Cache(folder, File.ReadAllBytes(PackageCopy()));
        var original = File.ReadAllBytes(cache);
        var (code, log) = Build(folder, cache, "always");
        Assert.AreEqual(0, code, log);
        StringAssert.Contains(log, $"only {Symbol}");
        CollectionAssert.AreEqual(original, File.ReadAllBytes(cache), "the cache's file is never written through the link");
        var output = File.ReadAllBytes(Output(folder));
        var differences = Differences(original, output);
        Assert.AreEqual(1, differences.Count);
        Assert.AreEqual(original[differences[0]] | 2, output[differences[0]]);

        // A second build (the copy is up to date, the flag already set) changes nothing.
        (code, log) = Build(folder, cache, "always");
        Assert.AreEqual(0, code, log);
        CollectionAssert.AreEqual(output, File.ReadAllBytes(Output(folder)));
        CollectionAssert.AreEqual(original, File.ReadAllBytes(cache));
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public void TheStepRefusesWhenAnotherSymbolNeedsTheVersion()
    {
        // The one symbol that needs GLIBCXX_3.4.32, renamed (same length): now a symbol other than the allowed one needs it.
        var bytes = File.ReadAllBytes(PackageCopy());
        int at = IndexOf(bytes, Encoding.ASCII.GetBytes(Symbol + "\0"));
        Assert.IsTrue(at > 0, "the symbol's name is in .dynstr");
        bytes[at + Symbol.Length - 1] = (byte)'X';
        using var folder = new TempFolder();
        var cache = Cache(folder, bytes);
        var (code, log) = Build(folder, cache, "always");
        Assert.AreNotEqual(0, code, log);
        StringAssert.Contains(log, "SIMVAE003");
        StringAssert.Contains(log, "_ZSt21ios_base_library_initX", "the error names the symbol");
        CollectionAssert.AreEqual(bytes, File.ReadAllBytes(Output(folder)), "nothing weakened");
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public void SimVaeWeakenGlibcxxFalseSwitchesTheStepOffAndOtherValuesAreRefused()
    {
        using var folder = new TempFolder();
        var cache = Cache(folder, File.ReadAllBytes(PackageCopy()));
        var (code, log) = Build(folder, cache, "false");
        Assert.AreEqual(0, code, log);
        CollectionAssert.AreEqual(File.ReadAllBytes(cache), File.ReadAllBytes(Output(folder)), "the package's file as is");
        (code, log) = Build(folder, cache, "sometimes");
        Assert.AreNotEqual(0, code, log);
        StringAssert.Contains(log, "SIMVAE001");
    }

    private static string Cache(TempFolder folder, byte[] library)
    {
        var path = Path.Combine(Directory.CreateDirectory(folder.File("cache")).FullName, Library);
        File.WriteAllBytes(path, library);
        return path;
    }

    private static string Output(TempFolder folder) => Path.Combine(folder.File("out"), "runtimes", "linux-x64", "native", Library);

    /// <summary>
    /// Runs the targets file after a copy-local step of its own (hard links, as CreateHardLinksForCopyLocalIfPossible makes
    /// them) with <c>SimVaeWeakenGlibcxx=<paramref name="mode"/></c>.
    /// </summary>
    private static (int Code, string Log) Build(TempFolder folder, string library, string mode)
    {
        var project = folder.File("weaken.proj");
        File.WriteAllText(project, $"""
            <Project>
              <PropertyGroup>
                <OutDir>{folder.File("out")}/</OutDir>
              </PropertyGroup>
              <ItemGroup>
                <ReferenceCopyLocalPaths Include="{library}" DestinationSubDirectory="runtimes/linux-x64/native/" />
              </ItemGroup>
              <Target Name="CopyFilesToOutputDirectory">
                <Copy SourceFiles="@(ReferenceCopyLocalPaths)" DestinationFiles="@(ReferenceCopyLocalPaths->'$(OutDir)%(DestinationSubDirectory)%(Filename)%(Extension)')"
                      UseHardlinksIfPossible="true" SkipUnchangedFiles="true" />
              </Target>
              <Import Project="{Path.Combine(Cli.RepoRoot, "src", "SimVae", "buildTransitive", "SimVae.targets")}" />
            </Project>
            """);
        return Processes.Run("dotnet", $"msbuild \"{project}\" -t:CopyFilesToOutputDirectory -p:SimVaeWeakenGlibcxx={mode} -nologo -v:n",
            folder.Path, TimeSpan.FromSeconds(100));
    }
}
