using System.Text.Json;
using SimVae.Torch.Native;

namespace SimVae.Torch;

/// <summary>
/// Records the libtorch operators called on this thread (the backward pass included) while it is open, with libtorch's
/// own profiler (<c>torch.autograd.profiler.profile</c>), and writes them as a Chrome trace (open it in
/// <c>chrome://tracing</c> or Perfetto) when disposed. <see cref="Summarize"/> turns a trace into a per-operator table.
/// The profiler adds a few microseconds per operator: profile to see where time goes, time without it.
/// </summary>
public sealed class OperatorProfiler : IDisposable
{
    private IntPtr session;

    private OperatorProfiler(IntPtr session) => this.session = session;

    /// <summary>Starts recording on this thread; the trace goes to <paramref name="tracePath"/> on <see cref="Dispose"/>.</summary>
    public static OperatorProfiler Start(string tracePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(tracePath);
        NativeMethods.Check(NativeMethods.ProfilerStart(Path.GetFullPath(tracePath), out var session));
        return new OperatorProfiler(session);
    }

    /// <summary>Stops recording and writes the trace.</summary>
    public void Dispose()
    {
        var s = Interlocked.Exchange(ref session, IntPtr.Zero);
        if (s != IntPtr.Zero) NativeMethods.Check(NativeMethods.ProfilerStop(s));
    }

    /// <summary>One operator's share of a trace.</summary>
    /// <param name="Name">Operator (e.g. <c>aten::addmm</c>, <c>AddmmBackward0</c>).</param>
    /// <param name="Calls">How many times it ran.</param>
    /// <param name="TotalMs">Time inside it, operators it called included.</param>
    /// <param name="SelfMs">Time inside it minus the operators it called.</param>
    public sealed record Entry(string Name, int Calls, double TotalMs, double SelfMs);

    /// <summary>The operators of a Chrome trace written by this class, by self time (largest first).</summary>
    /// <exception cref="InvalidDataException">The file is not such a trace.</exception>
    public static IReadOnlyList<Entry> Summarize(string tracePath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(tracePath));
        var root = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement
            : doc.RootElement.TryGetProperty("traceEvents", out var e) ? e
            : throw new InvalidDataException($"{tracePath}: not a Chrome trace (no event array)");
        var spans = new List<(string Name, string Thread, double Start, double Duration)>();
        foreach (var ev in root.EnumerateArray())
        {
            if (!ev.TryGetProperty("ph", out var ph) || ph.GetString() != "X") continue;
            spans.Add((ev.GetProperty("name").GetString() ?? "?", ev.TryGetProperty("tid", out var tid) ? tid.ToString() : "",
                ev.GetProperty("ts").GetDouble(), ev.GetProperty("dur").GetDouble()));
        }
        // Self time: a span's duration minus that of the spans nested directly inside it on the same thread.
        var totals = new Dictionary<string, (int Calls, double Total, double Self)>();
        foreach (var thread in spans.GroupBy(s => s.Thread))
        {
            var open = new Stack<(string Name, double End, double Children, double Duration)>();
            void Close()
            {
                var (name, _, children, duration) = open.Pop();
                var t = totals.GetValueOrDefault(name);
                totals[name] = (t.Calls + 1, t.Total + duration, t.Self + Math.Max(0, duration - children));
                if (open.Count > 0)
                {
                    var parent = open.Pop();
                    open.Push(parent with { Children = parent.Children + duration });
                }
            }
            foreach (var s in thread.OrderBy(s => s.Start).ThenByDescending(s => s.Duration))
            {
                while (open.Count > 0 && open.Peek().End <= s.Start) Close();
                open.Push((s.Name, s.Start + s.Duration, 0, s.Duration));
            }
            while (open.Count > 0) Close();
        }
        return totals.Select(t => new Entry(t.Key, t.Value.Calls, t.Value.Total / 1000, t.Value.Self / 1000))
            .OrderByDescending(e => e.SelfMs).ToList();
    }
}
