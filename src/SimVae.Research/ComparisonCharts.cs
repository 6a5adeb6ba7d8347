using ScottPlot;
using SkiaSharp;

namespace SimVae.Research;

/// <summary>
/// The charts of a comparison report, drawn with ScottPlot (headless: SkiaSharp, no display needed), each written as PNG
/// and SVG: <c>accuracy</c> (content vs style accuracy per method, mean ± std over seeds) and <c>losses</c> (the
/// training loss of every run, one panel per trained method).
/// </summary>
public static class ComparisonCharts
{
    /// <summary>The file names (without extension) of the charts <see cref="Write"/> draws.</summary>
    public static IReadOnlyList<string> Names { get; } = ["accuracy", "losses"];

    /// <summary>The formats each chart is written in.</summary>
    public static IReadOnlyList<string> Formats { get; } = ["png", "svg"];

    private const int Width = 900, Height = 460, PanelWidth = 360, PanelHeight = 260;

    /// <summary>Draws the charts of <paramref name="result"/> into <paramref name="folder"/> (<c>accuracy.png</c>, <c>accuracy.svg</c>, <c>losses.png</c>, <c>losses.svg</c>).</summary>
    public static void Write(ComparisonResult result, string folder)
    {
        ArgumentNullException.ThrowIfNull(result);
        Save(Accuracy(result), Path.Combine(folder, "accuracy"), Width, Height);
        var panels = LossPanels(result);
        int columns = Math.Clamp(panels.Count, 1, 3), rows = Math.Max(1, (panels.Count + columns - 1) / columns);
        Save(Losses(result, panels, columns, rows), Path.Combine(folder, "losses"), columns * PanelWidth, rows * PanelHeight + 40);
    }

    /// <summary>Grouped bars: per method, content and mean style accuracy (linear and kNN probes) with ± std error bars.</summary>
    public static Plot Accuracy(ComparisonResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        (string Name, Func<string, Summary> Score)[] series =
        [
            ("content: linear", m => result.Score(m, "content", "linear")),
            ("content: kNN", m => result.Score(m, "content", "knn_euclidean")),
            ("style mean: linear", m => result.StyleMean(m, "linear")),
            ("style mean: kNN", m => result.StyleMean(m, "knn_euclidean")),
        ];
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var methods = result.Methods;
        double width = 0.8 / series.Length;
        for (int s = 0; s < series.Length; s++)
        {
            var color = palette.GetColor(s);
            var bars = new List<Bar>();
            for (int g = 0; g < methods.Count; g++)
            {
                var summary = series[s].Score(methods[g]);
                if (summary.Values.Count == 0 || !double.IsFinite(summary.Mean)) continue;
                bars.Add(new Bar
                {
                    Position = g - 0.4 + width * (s + 0.5), Value = summary.Mean, Error = summary.Std, ErrorSize = 0.3, Size = width * 0.92,
                    FillColor = color, LineWidth = 1.2f, LineColor = Colors.Black.WithAlpha(0.7),
                });
            }
            plot.Add.Bars(bars);
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = series[s].Name, FillColor = color });
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, methods.Count).Select(i => (double)i).ToArray(), methods.ToArray());
        plot.Axes.SetLimits(-0.6, methods.Count - 0.4, 0, 1.08);
        plot.Title($"Content vs style accuracy on {result.Options.DataSet} (mean ± std over {result.Options.Seeds.Count} seed(s))");
        plot.YLabel("test accuracy");
        plot.Legend.Orientation = Orientation.Horizontal;
        plot.ShowLegend(Alignment.UpperCenter);
        return plot;
    }

    /// <summary>One panel per trained method with its runs' loss curves (one line per seed, each panel on its own scale).</summary>
    public static Multiplot Losses(ComparisonResult result, IReadOnlyList<(string Method, IReadOnlyList<RunResult> Runs)> panels, int columns, int rows)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(panels);
        var multiplot = new Multiplot();
        var palette = new ScottPlot.Palettes.Category10();
        multiplot.AddPlots(Math.Max(1, panels.Count));
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
        for (int p = 0; p < panels.Count; p++)
        {
            var plot = multiplot.GetPlot(p);
            var (method, runs) = panels[p];
            for (int r = 0; r < runs.Count; r++)
            {
                var points = runs[r].LossCurve.Where(q => double.IsFinite(q.Step) && double.IsFinite(q.Loss)).ToArray();
                if (points.Length == 0) continue;
                var line = plot.Add.ScatterLine(points.Select(q => q.Step).ToArray(), points.Select(q => q.Loss).ToArray(), palette.GetColor(r));
                line.LegendText = $"seed {runs[r].Seed}";
            }
            plot.ShowLegend(Alignment.UpperRight);
            plot.Title(method);
            plot.XLabel("step");
            plot.YLabel("loss");
        }
        if (panels.Count == 0) multiplot.GetPlot(0).Title($"Training loss ({result.Options.DataSet}): no trained runs");
        return multiplot;
    }

    private static List<(string Method, IReadOnlyList<RunResult> Runs)> LossPanels(ComparisonResult result) =>
        result.Methods.Select(m => (m, (IReadOnlyList<RunResult>)result.Runs.Where(r => r.Method == m && r.LossCurve.Count > 0).ToList()))
            .Where(p => p.Item2.Count > 0).ToList();

    private static void Save(Plot plot, string path, int width, int height)
    {
        plot.SavePng(path + ".png", width, height);
        plot.SaveSvg(path + ".svg", width, height);
    }

    private static void Save(Multiplot multiplot, string path, int width, int height)
    {
        multiplot.SavePng(path + ".png", width, height);
        // Multiplot has no SaveSvg: render it onto Skia's SVG canvas, as Plot.SaveSvg does.
        using var stream = File.Create(path + ".svg");
        using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, width, height), stream))
            multiplot.Render(canvas, new PixelRect(0, width, height, 0));
    }
}
