using System.IO.Compression;
using System.Globalization;
using System.Text.Json;
using SimVae.Bundles;
using SimVae.Data;
using SimVae.Featurization;
using SimVae.Engine;
using SimVae.Methods;

namespace SimVae.Cli.Tests;

/// <summary>
/// The packages as users meet them: `dotnet pack` the core (SimVae, depending on TorchSharp only), the ML.NET adapter and
/// the tool (one package per platform, each with its CPU libtorch) into a local folder feed, then (1) a fresh console
/// project in a temporary folder references SimVae and libtorch-cpu-linux-x64 from that feed and this machine's package
/// cache and featurizes images with a bundle, (2) the tool is installed from the feed and runs, (3) the ML.NET samples
/// build against the feed, train from an image folder and consume the saved model without SimVae, and (4) the tool and
/// the ML.NET train sample build for win-x64 and osx-arm64. Packing reuses this configuration's build (--no-build);
/// restores use an empty package cache so the packages just built are the ones used.
/// </summary>
[TestClass]
public sealed class PackagingTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(150);
    private static TempFolder folder = null!;
    private static string feed = null!;
    private static Dictionary<string, string> environment = null!;
    private static string packageCache = null!;

    /// <summary>nuget.org's limit on the size of a package.</summary>
    private const long NuGetOrgLimit = 250L * 1024 * 1024;

    private static readonly string[] Platforms = ["linux-x64", "win-x64", "osx-arm64"];

    [ClassInitialize]
    public static void Pack(TestContext _)
    {
        folder = new TempFolder();
        feed = Directory.CreateDirectory(folder.File("feed")).FullName;
        environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Directory.CreateDirectory(folder.File("packages")).FullName };
        // This machine's package cache serves as a source for everything but SimVae (no download of libtorch per run).
        packageCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set ? set
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        // The README's command, into a folder of its own: it must pack every package, the ML.NET adapter included.
        // The platform-specific tool packages are built by the pack itself (SimVae.Cli.csproj's BuildPlatformTools).
        var (code, output) = Processes.Run("nice", $"dotnet pack SimVae.MLNet.sln -c {Cli.Configuration} --no-build --no-restore -o \"{feed}\" -nologo",
            Cli.RepoRoot, TimeSpan.FromSeconds(540));
        Assert.AreEqual(0, code, $"dotnet pack SimVae.MLNet.sln:\n{output}");
    }

    [ClassCleanup]
    public static void Cleanup() => folder?.Dispose();

    private static string Package(string id) =>
        Directory.GetFiles(feed, $"{id}.*.nupkg").SingleOrDefault(f => char.IsDigit(Path.GetFileName(f)[id.Length + 1]))
        ?? throw new AssertFailedException($"no {id} package in {feed}: {string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName))}");

    [TestMethod]
    public void PackagesDependOnTorchSharpOnlyAndTheToolCarriesLibtorchPerPlatform()
    {
        var v = typeof(ModelBundle).Assembly.GetName().Version!;
        var version = $"{v.Major}.{v.Minor}.{v.Build}";
        CollectionAssert.AreEquivalent(new[] { "SimVae", "SimVae.Cli", "SimVae.MLNet" }.Concat(Platforms.Select(p => $"SimVae.Cli.{p}"))
                .Select(id => $"{id}.{version}.nupkg").ToArray(),
            Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName).ToArray(), "the solution packs every package and nothing else");
        using (var core = ZipFile.OpenRead(Package("SimVae")))
        {
            var names = core.Entries.Select(e => e.FullName).ToList();
            CollectionAssert.Contains(names, "lib/net10.0/SimVae.dll");
            CollectionAssert.Contains(names, "lib/net10.0/SimVae.xml");
            CollectionAssert.Contains(names, "buildTransitive/SimVae.targets");
            CollectionAssert.Contains(names, "buildTransitive/WeakenGlibcxx.cs");
            CollectionAssert.Contains(names, "README.md");
            Assert.IsFalse(names.Any(n => n.Contains("torch", StringComparison.OrdinalIgnoreCase) && n.StartsWith("runtimes/", StringComparison.Ordinal)),
                "no libtorch or TorchSharp library of its own:\n" + string.Join("\n", names));
            var nuspec = Read(core, core.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)));
            StringAssert.Contains(nuspec, "<dependency id=\"TorchSharp\"");
            Assert.IsFalse(nuspec.Contains("<dependency id=\"libtorch", StringComparison.Ordinal) || nuspec.Contains("<dependency id=\"TorchSharp-", StringComparison.Ordinal),
                "the backend is the application's choice:\n" + nuspec);
            StringAssert.Contains(nuspec, "<license type=\"expression\">MIT</license>");
            StringAssert.Contains(nuspec, "<readme>README.md</readme>");
            StringAssert.Contains(nuspec, "<repository type=\"git\"");
            StringAssert.Contains(nuspec, "<tags>");
        }
        using (var adapter = ZipFile.OpenRead(Package("SimVae.MLNet")))
        {
            var nuspec = Read(adapter, adapter.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)));
            StringAssert.Contains(nuspec, "<dependency id=\"SimVae\"");
            Assert.IsFalse(nuspec.Contains("<dependency id=\"libtorch", StringComparison.Ordinal), nuspec);
        }
        using (var tool = ZipFile.OpenRead(Package("SimVae.Cli")))
        {
            // The package `dotnet tool install SimVae.Cli` finds: it names the package for each platform.
            var settings = Read(tool, tool.GetEntry("tools/any/any/DotnetToolSettings.xml")!);
            StringAssert.Contains(settings, "Command Name=\"simvae\"");
            foreach (var platform in Platforms)
                StringAssert.Contains(settings, $"RuntimeIdentifier=\"{platform}\" Id=\"SimVae.Cli.{platform}\"");
        }
        var libtorch = new Dictionary<string, string> { ["linux-x64"] = "libtorch_cpu.so", ["win-x64"] = "torch_cpu.dll", ["osx-arm64"] = "libtorch_cpu.dylib" };
        var sizes = new List<string>();
        foreach (var platform in Platforms)
        {
            var path = Directory.GetFiles(feed, $"SimVae.Cli.{platform}.{version}.nupkg").Single();
            var size = new FileInfo(path).Length;
            sizes.Add($"{Path.GetFileName(path)}: {size / 1e6:F1} MB");
            Assert.IsTrue(size < NuGetOrgLimit, $"{path} is {size} bytes: over nuget.org's 250 MB");
            using var tool = ZipFile.OpenRead(path);
            var names = tool.Entries.Select(e => e.FullName).ToList();
            var root = $"tools/net10.0/{platform}/";
            CollectionAssert.Contains(names, root + "SimVae.Cli.dll");
            CollectionAssert.Contains(names, root + libtorch[platform], $"{platform}'s tool carries its libtorch");
            Assert.IsFalse(libtorch.Where(l => l.Key != platform).Any(l => names.Contains(root + l.Value)), $"{platform}'s tool carries no other platform's libtorch");
            CollectionAssert.Contains(names, root + "DnnImageModels/ResNet18Onnx/ResNet18.onnx", "the resnet18 baseline's model, in the tool's folder");
            Assert.IsFalse(names.Any(n => n.StartsWith("content", StringComparison.Ordinal)), $"{platform}'s tool packs no content files (the ResNet-18 model twice more)");
        }
        Console.WriteLine(string.Join("\n", sizes));

        // The Linux tool's libLibTorchSharp.so is weakened whatever the packing machine (it runs on users' machines).
        using (var linux = ZipFile.OpenRead(Directory.GetFiles(feed, $"SimVae.Cli.linux-x64.{version}.nupkg").Single()))
        {
            using var stream = new MemoryStream();
            using (var entry = linux.GetEntry("tools/net10.0/linux-x64/libLibTorchSharp.so")!.Open()) entry.CopyTo(stream);
            var packed = stream.ToArray();
            var original = File.ReadAllBytes(Path.Combine(packageCache, "torchsharp", TorchSharpVersion, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"));
            var differences = Enumerable.Range(0, packed.Length).Where(i => packed[i] != original[i]).ToList();
            Assert.AreEqual(1, differences.Count, "one flag byte differs from TorchSharp's file");
            Assert.AreEqual(original[differences[0]] | 2, packed[differences[0]], "VER_FLG_WEAK");
        }
    }

    private static string TorchSharpVersion
    {
        get
        {
            var v = typeof(TorchSharp.torch).Assembly.GetName().Version!;
            return $"{v.Major}.{v.Minor}.{v.Build}";
        }
    }

    /// <summary>A nuget.config: SimVae* from the feed, everything else from this machine's package cache.</summary>
    private static string FeedAndCacheConfig(string name)
    {
        var config = folder.File(name);
        File.WriteAllText(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources><clear /><add key="feed" value="{feed}" /><add key="cache" value="{packageCache}" /></packageSources>
              <packageSourceMapping>
                <packageSource key="feed"><package pattern="SimVae*" /></packageSource>
                <packageSource key="cache"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        return config;
    }

    [TestMethod]
    [Timeout(240_000, CooperativeCancellation = true)]
    public void AFreshConsoleProjectFeaturizesWithThePackage()
    {
        // A bundle of an untrained model is enough to featurize; the expected features come from this process.
        var bundle = folder.File("consumer.simvae");
        var images = SyntheticShapes.Generate(new SyntheticShapesOptions { Count = 12, Seed = 7 });
        TorchRuntime.ManualSeed(3);
        using (var model = SslModel.Create(new SimVaeOptions()))
            ModelBundle.Save(bundle, model, DataFingerprint.Of(images));
        FeatureMatrix expected;
        using (var featurizer = Featurizer.Load(bundle))
            expected = featurizer.Transform(images);

        var consumer = Directory.CreateDirectory(folder.File("consumer")).FullName;
        File.Copy(FeedAndCacheConfig("consumer.nuget.config"), Path.Combine(consumer, "nuget.config"));
        var version = typeof(ModelBundle).Assembly.GetName().Version!;
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="SimVae" Version="{version.Major}.{version.Minor}.{version.Build}" />
                <PackageReference Include="libtorch-cpu-linux-x64" Version="2.10.0" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), """
            using System.Globalization;
            using SimVae.Data;
            using SimVae.Featurization;

            var images = SyntheticShapes.Generate(new SyntheticShapesOptions { Count = 12, Seed = 7 });
            using var featurizer = Featurizer.Load(args[0]);
            FeatureMatrix features = featurizer.Transform(images);
            Console.WriteLine($"features {features.Rows} {features.Columns}");
            Console.WriteLine("values " + string.Join(" ", features.Values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
            """);
        var (code, output) = Processes.Run("dotnet", $"run -c Release -- \"{bundle}\"", consumer, Step, environment);
        Assert.AreEqual(0, code, output);
        var lines = output.Split('\n').Select(l => l.Trim()).ToList();
        Assert.IsTrue(lines.Contains($"features 12 {expected.Columns}"), output);
        var values = lines.Single(l => l.StartsWith("values ", StringComparison.Ordinal))["values ".Length..].Split(' ')
            .Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.AreEqual(expected.Values.Length, values.Length);
        // Same model and images; only the thread count may differ between the processes (last-bit rounding).
        for (int i = 0; i < values.Length; i++)
            Assert.AreEqual(expected.Values[i], values[i], 1e-5 + 1e-4 * Math.Abs(expected.Values[i]), $"feature {i}: the packaged library gives the same features");
        // The SimVae package's build step weakened the output's copy of TorchSharp's library where libstdc++ lacks
        // GLIBCXX_3.4.32 (Debian 12), never the package cache's.
        var built = File.ReadAllBytes(Path.Combine(consumer, "bin", "Release", "net10.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so"));
        var cached = File.ReadAllBytes(Path.Combine(environment["NUGET_PACKAGES"], "torchsharp", TorchSharpVersion, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"));
        var original = File.ReadAllBytes(Path.Combine(packageCache, "torchsharp", TorchSharpVersion, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"));
        CollectionAssert.AreEqual(original, cached, "the package cache's file is as TorchSharp ships it");
        Assert.AreEqual(GlibcxxWeakeningTests.SystemHasTheVersion() ? 0 : 1, Enumerable.Range(0, built.Length).Count(i => built[i] != original[i]),
            "the output's copy is weakened (one flag byte) exactly where needed");
    }

    [TestMethod]
    [Timeout(180_000, CooperativeCancellation = true)]
    public void TheToolInstallsFromTheFeedAndRuns()
    {
        var config = folder.File("tool.nuget.config");
        File.WriteAllText(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><packageSources><clear /><add key="local" value="{feed}" /></packageSources></configuration>
            """);
        // SimVae.Cli names SimVae.Cli.linux-x64 for this machine: the feed's package with the tool and its libtorch, nothing
        // from nuget.org, no libtorch on the machine.
        var tools = folder.File("tools");
        var (code, output) = Processes.Run("dotnet", $"tool install SimVae.Cli --tool-path \"{tools}\" --configfile \"{config}\"", folder.Path, Step, environment);
        Assert.AreEqual(0, code, output);
        // The tool's launcher finds the runtime through DOTNET_ROOT wherever dotnet is installed.
        var dotnetRoot = Path.GetFullPath(Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        (code, output) = Processes.Run(Path.Combine(tools, "simvae"), "info --json", folder.Path, TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["DOTNET_ROOT"] = dotnetRoot });
        Assert.AreEqual(0, code, output);
        using var json = JsonDocument.Parse(output);
        Assert.AreEqual(TorchRuntime.TorchVersion, json.RootElement.GetProperty("runtime").GetProperty("libtorch").GetString());
        var installed = Directory.GetFiles(Path.Combine(tools, ".store"), "libtorch_cpu.so", SearchOption.AllDirectories);
        Assert.AreEqual(1, installed.Length, "the installed tool carries its libtorch");
        StringAssert.Contains(installed[0], "simvae.cli.linux-x64");
    }

    [TestMethod]
    [Timeout(420_000, CooperativeCancellation = true)]
    public void TheMLNetSamplesTrainFromAnImageFolderAndConsumeWithoutSimVaeOrLibtorch()
    {
        if (!FashionMnist.IsAvailable(DataSplit.Train) || !FashionMnist.IsAvailable(DataSplit.Test))
            Assert.Inconclusive("skipped: FashionMNIST is not installed (apt-get install dataset-fashion-mnist)");
        using (var adapter = ZipFile.OpenRead(Package("SimVae.MLNet")))
        {
            var names = adapter.Entries.Select(e => e.FullName).ToList();
            CollectionAssert.Contains(names, "lib/net10.0/SimVae.MLNet.dll");
            CollectionAssert.Contains(names, "README.md");
        }
        // The image folder, as users make it with the tool.
        var images = folder.File("images");
        Assert.AreEqual(0, Cli.Run("export-images", "--dataset", "fashion-mnist", "--split", "train", "--limit", "1000", "--output", Path.Combine(images, "train"), "--quiet").ExitCode);
        Assert.AreEqual(0, Cli.Run("export-images", "--dataset", "fashion-mnist", "--split", "test", "--limit", "200", "--output", Path.Combine(images, "test"), "--quiet").ExitCode);

        // The samples restore SimVae.MLNet from the feed and everything else from this machine's package cache, into a fresh cache.
        var config = FeedAndCacheConfig("samples.nuget.config");
        string Build(string project)
        {
            var path = Path.Combine(Cli.RepoRoot, "samples", "MLNet", project);
            var (code, output) = Processes.Run("dotnet", $"restore \"{path}\" --configfile \"{config}\" -nologo", Cli.RepoRoot, Step, environment);
            Assert.AreEqual(0, code, $"restore {project}:\n{output}");
            (code, output) = Processes.Run("dotnet", $"build \"{path}\" -c Release --no-restore -nologo", Cli.RepoRoot, Step, environment);
            Assert.AreEqual(0, code, $"build {project}:\n{output}");
            return Path.Combine(path, "bin", "Release", "net10.0", project + ".dll");
        }
        var (trainCode, trained) = Processes.Run("dotnet", $"\"{Build("FashionMLNet.Train")}\" \"{images}\" 1 20", folder.Path, Step);
        Assert.AreEqual(0, trainCode, trained);
        StringAssert.Contains(trained, "Accuracy on 200 test images");
        Assert.IsTrue(File.Exists(folder.File("model.zip")), trained);

        var consume = Build("FashionMLNet.Consume");
        Assert.IsFalse(Directory.GetFiles(Path.GetDirectoryName(consume)!).Any(f => Path.GetFileName(f).StartsWith("SimVae", StringComparison.Ordinal)),
            "the consumer carries no SimVae assembly");
        var first = trained.Split('\n').Select(l => l.Trim()).First(l => l.Contains(": predicted '", StringComparison.Ordinal));
        var image = first[..first.IndexOf(": predicted '", StringComparison.Ordinal)];
        var (consumeCode, consumed) = Processes.Run("dotnet", $"\"{consume}\" \"{image}\"", folder.Path, TimeSpan.FromSeconds(60));
        Assert.AreEqual(0, consumeCode, consumed);
        StringAssert.Contains(consumed, "libtorch not loaded", "the consumer runs without libtorch (from /proc/self/maps)");
        StringAssert.Contains(consumed, "onnxruntime loaded");
        float[] Features(string output) => output.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("features ", StringComparison.Ordinal))["features ".Length..]
            .Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var expected = Features(trained);
        var actual = Features(consumed);
        Assert.AreEqual(expected.Length, actual.Length, consumed);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], 1e-4, $"feature {i}: the consumer's loaded model and the training process agree");
        StringAssert.Contains(consumed, first[(first.IndexOf(": predicted '", StringComparison.Ordinal) + 2)..first.IndexOf("' (", StringComparison.Ordinal)], "same prediction");
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public void TheToolAndTheTrainSampleBuildForWindowsAndMacOS()
    {
        // Built, not run (no Windows or macOS here). Into a folder of their own (--artifacts-path), so this repository's
        // bin/ and obj/ (and their restores) stay as the other tests use them.
        var config = FeedAndCacheConfig("platforms.nuget.config");
        var artifacts = folder.File("platforms");
        foreach (var (platform, libtorch, library) in new[] { ("win-x64", "torch_cpu.dll", "LibTorchSharp.dll"), ("osx-arm64", "libtorch_cpu.dylib", "libLibTorchSharp.dylib") })
        {
            foreach (var (project, name) in new[] { ("src/SimVae.Cli", "SimVae.Cli"), ("samples/MLNet/FashionMLNet.Train", "FashionMLNet.Train") })
            {
                var path = Path.Combine(Cli.RepoRoot, project);
                // As users run it: restore and build in one, so the restore sees the platform (a separate `dotnet restore -r`
                // does not set RuntimeIdentifier, which picks the train sample's backend).
                var (code, output) = Processes.Run("nice", $"dotnet build \"{path}\" -c Release -r {platform} --artifacts-path \"{artifacts}\" -p:RestoreConfigFile=\"{config}\" -nologo",
                    Cli.RepoRoot, TimeSpan.FromSeconds(300), environment);
                Assert.AreEqual(0, code, $"build {project} -r {platform}:\n{output}");
                var bin = Path.Combine(artifacts, "bin", name, $"release_{platform}");
                foreach (var file in new[] { name + ".dll", libtorch, library })
                    Assert.IsTrue(File.Exists(Path.Combine(bin, file)), $"{project} -r {platform}: {file} in {bin}: {string.Join(", ", Directory.GetFiles(bin).Select(Path.GetFileName))}");
                Assert.IsFalse(File.Exists(Path.Combine(bin, "libtorch_cpu.so")), $"no Linux libtorch in a {platform} build");
            }
        }
    }

    private static string Read(ZipArchive archive, ZipArchiveEntry entry)
    {
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }
}
