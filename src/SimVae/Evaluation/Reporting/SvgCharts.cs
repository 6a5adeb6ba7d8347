using System.Globalization;
using System.Net;
using System.Text;

namespace SimVae.Evaluation.Reporting;

/// <summary>A bar of a grouped bar chart: value and error (e.g. mean ± std), in [0, 1] units or any scale.</summary>
/// <param name="Value">Bar height.</param>
/// <param name="Error">Half-length of the error bar (0 for none).</param>
public readonly record struct Bar(double Value, double Error);

/// <summary>Plain-text SVG charts for the comparison report (no dependencies).</summary>
public static class SvgCharts
{
    private static readonly string[] Palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7"];

    /// <summary>
    /// A grouped bar chart: one group per entry of <paramref name="groups"/> (e.g. methods), one bar per series
    /// (e.g. content and style accuracy) with error bars; the y axis runs from 0 to <paramref name="yMax"/>.
    /// </summary>
    public static string GroupedBars(string title, IReadOnlyList<string> groups, IReadOnlyList<string> series, Func<int, int, Bar?> bar,
        double yMax = 1, string yLabel = "accuracy", IReadOnlyList<(double Value, string Label)>? referenceLines = null)
    {
        const int width = 760, height = 420, left = 60, right = 20, top = 40, bottom = 70;
        double plotW = width - left - right, plotH = height - top - bottom;
        var svg = Begin(width, height, title);
        double Y(double v) => top + plotH * (1 - Math.Clamp(v / yMax, 0, 1));
        for (int t = 0; t <= 5; t++)
        {
            double v = yMax * t / 5;
            svg.AppendLine($"<line x1='{left}' y1='{F(Y(v))}' x2='{width - right}' y2='{F(Y(v))}' stroke='#ddd'/>");
            svg.AppendLine($"<text x='{left - 6}' y='{F(Y(v) + 4)}' text-anchor='end' font-size='11'>{F(v)}</text>");
        }
        svg.AppendLine($"<text x='14' y='{F(top + plotH / 2)}' transform='rotate(-90 14 {F(top + plotH / 2)})' text-anchor='middle' font-size='12'>{Esc(yLabel)}</text>");
        double groupW = plotW / Math.Max(1, groups.Count);
        double barW = groupW * 0.8 / Math.Max(1, series.Count);
        for (int g = 0; g < groups.Count; g++)
        {
            double x0 = left + g * groupW + groupW * 0.1;
            for (int s = 0; s < series.Count; s++)
            {
                if (bar(g, s) is not { } b || !double.IsFinite(b.Value)) continue;
                double x = x0 + s * barW;
                svg.AppendLine($"<rect x='{F(x)}' y='{F(Y(b.Value))}' width='{F(barW * 0.92)}' height='{F(Y(0) - Y(b.Value))}' fill='{Palette[s % Palette.Length]}'><title>{Esc(groups[g])} {Esc(series[s])}: {F(b.Value)} ± {F(b.Error)}</title></rect>");
                if (b.Error > 0)
                {
                    double cx = x + barW * 0.46;
                    svg.AppendLine($"<line x1='{F(cx)}' y1='{F(Y(b.Value - b.Error))}' x2='{F(cx)}' y2='{F(Y(b.Value + b.Error))}' stroke='#222'/>");
                }
            }
            svg.AppendLine($"<text x='{F(left + g * groupW + groupW / 2)}' y='{height - bottom + 18}' text-anchor='middle' font-size='12'>{Esc(groups[g])}</text>");
        }
        foreach (var (value, label) in referenceLines ?? [])
        {
            svg.AppendLine($"<line x1='{left}' y1='{F(Y(value))}' x2='{width - right}' y2='{F(Y(value))}' stroke='#888' stroke-dasharray='4 3'/>");
            svg.AppendLine($"<text x='{width - right - 4}' y='{F(Y(value) - 3)}' text-anchor='end' font-size='10' fill='#666'>{Esc(label)}</text>");
        }
        for (int s = 0; s < series.Count; s++)
        {
            double x = left + s * 200;
            svg.AppendLine($"<rect x='{F(x)}' y='{height - 30}' width='12' height='12' fill='{Palette[s % Palette.Length]}'/>");
            svg.AppendLine($"<text x='{F(x + 16)}' y='{height - 20}' font-size='12'>{Esc(series[s])}</text>");
        }
        return End(svg);
    }

    /// <summary>
    /// Line charts as small multiples: one panel per entry of <paramref name="panels"/> (its own y range), each with
    /// one or more (x, y) curves (e.g. one per seed).
    /// </summary>
    public static string SmallMultiples(string title, IReadOnlyList<(string Name, IReadOnlyList<IReadOnlyList<(double X, double Y)>> Curves)> panels,
        string xLabel = "step", string yLabel = "loss")
    {
        int columns = Math.Min(3, Math.Max(1, panels.Count)), rows = (panels.Count + columns - 1) / Math.Max(1, columns);
        const int panelW = 300, panelH = 200, pad = 50;
        int width = columns * (panelW + pad) + pad, height = rows * (panelH + pad) + 50;
        var svg = Begin(width, Math.Max(height, 120), title);
        for (int p = 0; p < panels.Count; p++)
        {
            var (name, curves) = panels[p];
            double ox = pad + (p % columns) * (panelW + pad), oy = 45 + (p / columns) * (panelH + pad);
            var points = curves.SelectMany(c => c).Where(q => double.IsFinite(q.X) && double.IsFinite(q.Y)).ToList();
            svg.AppendLine($"<rect x='{F(ox)}' y='{F(oy)}' width='{panelW}' height='{panelH}' fill='none' stroke='#999'/>");
            svg.AppendLine($"<text x='{F(ox + panelW / 2.0)}' y='{F(oy - 6)}' text-anchor='middle' font-size='13'>{Esc(name)}</text>");
            if (points.Count == 0) continue;
            double xMin = points.Min(q => q.X), xMax = points.Max(q => q.X), yMin = points.Min(q => q.Y), yMax = points.Max(q => q.Y);
            if (xMax <= xMin) xMax = xMin + 1;
            if (yMax <= yMin) { yMax = yMin + 1; }
            double X(double x) => ox + (x - xMin) / (xMax - xMin) * panelW;
            double Y(double y) => oy + panelH - (y - yMin) / (yMax - yMin) * panelH;
            svg.AppendLine($"<text x='{F(ox - 4)}' y='{F(oy + 10)}' text-anchor='end' font-size='10'>{G(yMax)}</text>");
            svg.AppendLine($"<text x='{F(ox - 4)}' y='{F(oy + panelH)}' text-anchor='end' font-size='10'>{G(yMin)}</text>");
            svg.AppendLine($"<text x='{F(ox)}' y='{F(oy + panelH + 14)}' font-size='10'>{G(xMin)}</text>");
            svg.AppendLine($"<text x='{F(ox + panelW)}' y='{F(oy + panelH + 14)}' text-anchor='end' font-size='10'>{G(xMax)} {Esc(xLabel)}</text>");
            for (int c = 0; c < curves.Count; c++)
            {
                var path = string.Join(" ", curves[c].Where(q => double.IsFinite(q.X) && double.IsFinite(q.Y)).Select(q => $"{F(X(q.X))},{F(Y(q.Y))}"));
                if (path.Length > 0) svg.AppendLine($"<polyline points='{path}' fill='none' stroke='{Palette[c % Palette.Length]}' stroke-width='1.5'/>");
            }
        }
        svg.AppendLine($"<text x='{width / 2}' y='{height - 8}' text-anchor='middle' font-size='11' fill='#555'>{Esc(yLabel)} (own scale per panel; one line per seed)</text>");
        return End(svg);
    }

    private static StringBuilder Begin(int width, int height, string title)
    {
        var svg = new StringBuilder();
        svg.AppendLine($"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' viewBox='0 0 {width} {height}' font-family='sans-serif'>");
        svg.AppendLine($"<rect width='{width}' height='{height}' fill='white'/>");
        svg.AppendLine($"<text x='{width / 2}' y='22' text-anchor='middle' font-size='15' font-weight='bold'>{Esc(title)}</text>");
        return svg;
    }

    private static string End(StringBuilder svg) => svg.AppendLine("</svg>").ToString();

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    private static string G(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    private static string Esc(string s) => WebUtility.HtmlEncode(s);
}
