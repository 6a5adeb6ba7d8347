using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace SimVae.Cli.Tests;

/// <summary>Runs the real tool in its own process on cases that must be refused: exit code, exactly one error line, fragments of it.</summary>
internal static class Refusals
{
    /// <summary>One refusal: the arguments, the exit code and fragments the error line must hold.</summary>
    public sealed record Case(string Name, string[] Args, int Exit, params string[] Fragments);

    /// <summary>Train arguments for 2 steps on 64 generated images; <paramref name="extra"/> adds options or replaces their values.</summary>
    public static string[] Tiny(string output, params string[] extra)
    {
        var args = new List<string> { "train", "--preset", "paper", "--dataset", "synthetic", "--limit", "64", "--batch-size", "32", "--max-steps", "2", "--device", "cpu", "--output", output };
        for (int k = 0; k < extra.Length; k++)
        {
            bool valued = k + 1 < extra.Length && !extra[k + 1].StartsWith("--", StringComparison.Ordinal);
            int at = args.IndexOf(extra[k]);
            if (valued && at >= 0) args[at + 1] = extra[++k];
            else if (valued) args.AddRange([extra[k], extra[++k]]);
            else args.Add(extra[k]);
        }
        return [.. args];
    }

    /// <summary>Runs every case (in parallel) in <paramref name="workingFolder"/> and reports all that failed at once.</summary>
    public static void Expect(string workingFolder, params Case[] cases)
    {
        var failures = new ConcurrentBag<string>();
        Parallel.ForEach(cases, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) }, c =>
        {
            var arguments = string.Join(" ", c.Args.Append("--quiet").Select(a => $"\"{a}\""));
            var (code, text) = Processes.Run("dotnet", $"\"{Cli.ToolDll}\" {arguments}", workingFolder, TimeSpan.FromSeconds(90));
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var problems = new List<string>();
            if (code != c.Exit) problems.Add($"exit {code}, expected {c.Exit}");
            if (lines.Length != 1 || !lines[0].StartsWith("simvae: error: ", StringComparison.Ordinal)) problems.Add("not exactly one error line");
            problems.AddRange(c.Fragments.Where(f => !text.Contains(f, StringComparison.Ordinal)).Select(f => $"no '{f}'"));
            if (problems.Count > 0) failures.Add($"{c.Name}: {string.Join(", ", problems)}\n{text}");
        });
        if (!failures.IsEmpty) Assert.Fail(string.Join("\n", failures));
    }

    /// <summary>SHA-256 of every regular file under <paramref name="folder"/> (relative path → hash; pipes as "special"), to assert a folder unchanged.</summary>
    public static SortedDictionary<string, string> Snapshot(string folder) => new(
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(folder, f),
            f => SimVae.IO.FileIdentity.Of(f) is { IsRegularFile: true } ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))) : "special"),
        StringComparer.Ordinal);
}
