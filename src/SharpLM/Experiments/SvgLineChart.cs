using System.Globalization;
using System.Net;
using System.Text;

namespace SharpLM.Experiments;

/// <summary>A line chart as a standalone SVG element for experiment reports: one polyline per series, linear or log-10 y axis, x on a log-2 axis.</summary>
public static class SvgLineChart
{
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];

    /// <summary>Renders <paramref name="series"/> (name → points; non-finite or, on a log axis, non-positive y are skipped) as an SVG.</summary>
    public static string Render(string title, string xLabel, string yLabel, IReadOnlyList<(string Name, IReadOnlyList<(double X, double Y)> Points)> series, bool logY)
    {
        const int w = 560, h = 320, left = 60, right = 130, top = 30, bottom = 45;
        var all = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.Y) && (!logY || p.Y > 0) && p.X > 0).ToList();
        double fy(double y) => logY ? Math.Log10(y) : y;
        double x0 = all.Count == 0 ? 0 : all.Min(p => Math.Log2(p.X)), x1 = all.Count == 0 ? 1 : all.Max(p => Math.Log2(p.X));
        double y0 = all.Count == 0 ? 0 : all.Min(p => fy(p.Y)), y1 = all.Count == 0 ? 1 : all.Max(p => fy(p.Y));
        if (!logY) { y0 = Math.Min(0, y0); y1 = Math.Max(1, y1); }
        if (x1 - x0 < 1e-9) x1 = x0 + 1;
        if (y1 - y0 < 1e-9) y1 = y0 + 1;
        string px(double x) => (left + (Math.Log2(x) - x0) / (x1 - x0) * (w - left - right)).ToString("F1", CultureInfo.InvariantCulture);
        string py(double y) => (top + (1 - (fy(y) - y0) / (y1 - y0)) * (h - top - bottom)).ToString("F1", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{w / 2}\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">{WebUtility.HtmlEncode(title)}</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{h - bottom}\" x2=\"{w - right}\" y2=\"{h - bottom}\" stroke=\"black\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{h - bottom}\" stroke=\"black\"/>");
        for (int e = (int)Math.Floor(x0); e <= (int)Math.Ceiling(x1); e++)
        {
            double x = Math.Pow(2, e);
            if (Math.Log2(x) < x0 - 1e-9 || Math.Log2(x) > x1 + 1e-9) continue;
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{px(x)}\" y=\"{h - bottom + 15}\" text-anchor=\"middle\" font-size=\"10\">{x}</text>");
        }
        for (int i = 0; i <= 4; i++)
        {
            double v = y0 + (y1 - y0) * i / 4, y = logY ? Math.Pow(10, v) : v;
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 5}\" y=\"{py(y)}\" text-anchor=\"end\" font-size=\"10\">{y:G3}</text>");
        }
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{(left + w - right) / 2}\" y=\"{h - 8}\" text-anchor=\"middle\" font-size=\"11\">{WebUtility.HtmlEncode(xLabel)}</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"14\" y=\"{(top + h - bottom) / 2}\" text-anchor=\"middle\" font-size=\"11\" transform=\"rotate(-90 14 {(top + h - bottom) / 2})\">{WebUtility.HtmlEncode(yLabel)}</text>");
        for (int s = 0; s < series.Count; s++)
        {
            string color = Colors[s % Colors.Length];
            var pts = series[s].Points.Where(p => double.IsFinite(p.Y) && (!logY || p.Y > 0) && p.X > 0).Select(p => $"{px(p.X)},{py(p.Y)}");
            sb.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{string.Join(' ', pts)}\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{w - right + 8}\" y=\"{top + 15 + 16 * s}\" font-size=\"12\" fill=\"{color}\">{WebUtility.HtmlEncode(series[s].Name)}</text>");
        }
        sb.Append("</svg>");
        return sb.ToString();
    }
}
