using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace SimVae.Cli.Tests;

/// <summary>The tool as a separate process: real console, real SIGINT.</summary>
[TestClass]
public sealed class ProcessTests
{
    private static string ToolDll => Cli.ToolDll;

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public void CtrlCStopsTrainingCleanlyWithACheckpoint()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("SIGINT test runs on Linux");
        Assert.IsTrue(File.Exists(ToolDll), $"build the tool first: {ToolDll}");
        using var folder = new TempFolder();
        var metrics = folder.File("metrics.jsonl");
        var bundle = folder.File("long.simvae");
        // Far more work than the test waits for: it must be interrupted.
        var arguments = $"\"{ToolDll}\" train --dataset synthetic --limit 512 --batch-size 32 --epochs 1000 --device cpu --log-every 1 " +
                        $"--threads 1 --metrics \"{metrics}\" --output \"{bundle}\"";
        using var process = Processes.Start("dotnet", arguments, folder.Path, null, out var output);
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(metrics) && new FileInfo(metrics).Length > 0))
        {
            if (process.HasExited) Assert.Fail($"the tool exited early with {process.ExitCode}:\n{output}");
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) { process.Kill(true); Assert.Fail($"no progress within 60 s:\n{output}"); }
            Thread.Sleep(100);
        }
        Assert.AreEqual(0, kill(process.Id, 2 /* SIGINT */), "kill(SIGINT)");
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(true);
            Assert.Fail($"the tool did not stop within 60 s of SIGINT:\n{output}");
        }
        process.WaitForExit();
        string text;
        lock (output) text = output.ToString();
        Assert.AreEqual(ExitCodes.Cancelled, process.ExitCode, text);
        Assert.IsTrue(File.Exists(bundle + ".ckpt"), "checkpoint written on Ctrl+C");
        Assert.IsFalse(File.Exists(bundle), "no bundle for an interrupted run");
        StringAssert.Contains(text, "interrupted at step");
        Assert.IsFalse(text.Contains("   at ", StringComparison.Ordinal), text);
        Assert.AreEqual(0, Directory.GetFiles(folder.Path, "*.tmp").Length, "no temporary file is left after a handled interruption");

        // The checkpoint resumes: two more steps past where it stopped.
        var steps = File.ReadAllLines(metrics).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt64()).Max();
        var (code, resumed) = Processes.Run("dotnet", $"\"{ToolDll}\" train --dataset synthetic --limit 512 --batch-size 32 --epochs 1000 --device cpu " +
            $"--threads 1 --max-steps {steps + 2} --resume --json --output \"{bundle}\"", folder.Path, TimeSpan.FromSeconds(60));
        Assert.AreEqual(0, code, resumed);
        Assert.IsTrue(File.Exists(bundle), resumed);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
