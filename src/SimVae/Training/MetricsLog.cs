using System.Text;
using System.Text.Json;
using SimVae.IO;

namespace SimVae.Training;

/// <summary>
/// The JSON-lines metrics log of <see cref="TrainerOptions.MetricsPath"/>: one object per progress report,
/// <c>{"step", "epoch", "views_per_s", ["allreduce_ms_per_step",] "losses"}</c>; and how to tell such a log from any
/// other file, so that a file this library did not write is never overwritten.
/// </summary>
public static class MetricsLog
{
    /// <summary>Bytes of the first line read to recognise a log.</summary>
    private const int MaxFirstLineBytes = 64 * 1024;

    /// <summary>One line of the log.</summary>
    public static string Line(TrainingProgress progress) => progress.AllReduceMsPerStep is { } ms
        ? JsonSerializer.Serialize(new { step = progress.Step, epoch = progress.Epoch, views_per_s = progress.ViewsPerSecond, allreduce_ms_per_step = ms, losses = progress.Losses })
        : JsonSerializer.Serialize(new { step = progress.Step, epoch = progress.Epoch, views_per_s = progress.ViewsPerSecond, losses = progress.Losses });

    /// <summary>
    /// Whether <paramref name="path"/> is a metrics log (its first line is an object with a numeric <c>step</c> and a
    /// <c>losses</c> object) or empty. A file that cannot be read as a regular file is not.
    /// </summary>
    public static bool IsMetricsLog(string path)
    {
        try
        {
            using var file = BoundedFile.OpenRead(path, "metrics log");
            if (file.Length == 0) return true;
            var head = new byte[(int)Math.Min(file.Length, MaxFirstLineBytes)];
            int read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            int end = Array.IndexOf(head, (byte)'\n', 0, read);
            using var line = JsonDocument.Parse(Encoding.UTF8.GetString(head, 0, end < 0 ? read : end));
            var root = line.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("step", out var step) && step.ValueKind == JsonValueKind.Number
                && root.TryGetProperty("losses", out var losses) && losses.ValueKind == JsonValueKind.Object;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or JsonException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }
}
