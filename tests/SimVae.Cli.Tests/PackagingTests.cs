using System.IO.Compression;
using System.Globalization;
using System.Text.Json;
using SimVae.Bundles;
using SimVae.Data;
using SimVae.Featurization;
using SimVae.Methods;
using SimVae.Torch;

namespace SimVae.Cli.Tests;

/// <summary>
/// The packages as users meet them: `dotnet pack` the core (SimVae + SimVae.Torch), the ML.NET adapter and the tool into a
/// local folder feed, then (1) a fresh console project in a temporary folder references SimVae from that feed and
/// featurizes images with a bundle, (2) the tool is installed from the feed and runs, and (3) the ML.NET samples build
/// against the feed, train from an image folder and consume the saved model without SimVae. Packing reuses this configuration's build
/// (--no-build); restores use an empty package cache so the packages just built are the ones used.
/// </summary>
[TestClass]
public sealed class PackagingTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(150);
    private static TempFolder folder = null!;
    private static string feed = null!;
    private static Dictionary<string, string> environment = null!;

    [ClassInitialize]
    public static void Pack(TestContext _)
    {
        folder = new TempFolder();
        feed = Directory.CreateDirectory(folder.File("feed")).FullName;
        environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Directory.CreateDirectory(folder.File("packages")).FullName };
        // The README's command, into a folder of its own: it must pack every package, the ML.NET adapter included.
        var (code, output) = Processes.Run("dotnet", $"pack SimVae.MLNet.sln -c {Cli.Configuration} --no-build --no-restore -o \"{feed}\" -nologo",
            Cli.RepoRoot, Step);
        Assert.AreEqual(0, code, $"dotnet pack SimVae.MLNet.sln:\n{output}");
    }

    [ClassCleanup]
    public static void Cleanup() => folder?.Dispose();

    private static string Package(string id) =>
        Directory.GetFiles(feed, $"{id}.*.nupkg").SingleOrDefault(f => char.IsDigit(Path.GetFileName(f)[id.Length + 1]))
        ?? throw new AssertFailedException($"no {id} package in {feed}: {string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName))}");

    [TestMethod]
    public void PackagesCarryTheNativeLibraryAndMetadata()
    {
        var v = typeof(ModelBundle).Assembly.GetName().Version!;
        CollectionAssert.AreEquivalent(new[] { "SimVae", "SimVae.Cli", "SimVae.MLNet", "SimVae.Torch" }.Select(id => $"{id}.{v.Major}.{v.Minor}.{v.Build}.nupkg").ToArray(),
            Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName).ToArray(), "the solution packs every package and nothing else");
        using (var torch = ZipFile.OpenRead(Package("SimVae.Torch")))
        {
            var names = torch.Entries.Select(e => e.FullName).ToList();
            CollectionAssert.Contains(names, "runtimes/linux-x64/native/libsimvae_native.so");
            CollectionAssert.Contains(names, "lib/net10.0/SimVae.Torch.dll");
            CollectionAssert.Contains(names, "lib/net10.0/SimVae.Torch.xml");
            CollectionAssert.Contains(names, "README.md");
            var nuspec = Read(torch, torch.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)));
            StringAssert.Contains(nuspec, "<license type=\"expression\">MIT</license>");
            StringAssert.Contains(nuspec, "<readme>README.md</readme>");
            StringAssert.Contains(nuspec, "<repository type=\"git\"");
            StringAssert.Contains(nuspec, "libtorch");
        }
        using (var core = ZipFile.OpenRead(Package("SimVae")))
        {
            var nuspec = Read(core, core.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)));
            StringAssert.Contains(nuspec, "<dependency id=\"SimVae.Torch\"");
            StringAssert.Contains(nuspec, "<tags>");
        }
        using (var tool = ZipFile.OpenRead(Package("SimVae.Cli")))
        {
            var names = tool.Entries.Select(e => e.FullName).ToList();
            CollectionAssert.Contains(names, "tools/net10.0/any/DotnetToolSettings.xml");
            CollectionAssert.Contains(names, "tools/net10.0/any/SimVae.Cli.dll");
            Assert.IsTrue(names.Any(n => n.StartsWith("tools/net10.0/any/", StringComparison.Ordinal) && n.EndsWith("libsimvae_native.so", StringComparison.Ordinal)),
                string.Join("\n", names));
            StringAssert.Contains(Read(tool, tool.GetEntry("tools/net10.0/any/DotnetToolSettings.xml")!), "Command Name=\"simvae\"");
        }
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
        File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="local"><package pattern="SimVae" /><package pattern="SimVae.*" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
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
        Assert.IsTrue(File.Exists(Path.Combine(consumer, "bin", "Release", "net10.0", "runtimes", "linux-x64", "native", "libsimvae_native.so")),
            "the native library comes from the package's runtimes folder");
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
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set ? set : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var config = folder.File("samples.nuget.config");
        File.WriteAllText(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources><clear /><add key="feed" value="{feed}" /><add key="cache" value="{cache}" /></packageSources>
              <packageSourceMapping>
                <packageSource key="feed"><package pattern="SimVae*" /></packageSource>
                <packageSource key="cache"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        var samples = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Directory.CreateDirectory(folder.File("sample-packages")).FullName };
        string Build(string project)
        {
            var path = Path.Combine(Cli.RepoRoot, "samples", "MLNet", project);
            var (code, output) = Processes.Run("dotnet", $"restore \"{path}\" --configfile \"{config}\" -nologo", Cli.RepoRoot, Step, samples);
            Assert.AreEqual(0, code, $"restore {project}:\n{output}");
            (code, output) = Processes.Run("dotnet", $"build \"{path}\" -c Release --no-restore -nologo", Cli.RepoRoot, Step, samples);
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

    private static string Read(ZipArchive archive, ZipArchiveEntry entry)
    {
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }
}
