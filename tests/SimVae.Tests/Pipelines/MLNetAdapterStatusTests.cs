using System.Reflection;

namespace SimVae.Tests.Pipelines;

/// <summary>
/// Reports in the test summary whether the ML.NET adapter and its tests (tests/SimVae.MLNet.Tests) were built: they are
/// skipped where neither the Microsoft.ML package nor a folder of ML.NET assemblies is available.
/// </summary>
[TestClass]
public class MLNetAdapterStatusTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void MLNetAdapterIsBuiltOrReportedSkipped()
    {
        string Metadata(string key) => typeof(MLNetAdapterStatusTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == key)?.Value ?? "";
        var source = Metadata("SimVae.MLNet.Source");
        if (source == "None")
            Assert.Inconclusive($"skipped: ML.NET not available: {Metadata("SimVae.MLNet.SkipReason")}; SimVae.MLNet and its tests were not built");
        Assert.IsTrue(source is "Package" or "Assemblies", $"unexpected ML.NET source '{source}'");
        TestContext.WriteLine($"SimVae.MLNet built against ML.NET from: {source}; its tests run in SimVae.MLNet.Tests");
    }
}
