using System.Globalization;
using System.Text;
using SharpLM.Formats;

namespace SharpLM.Training;

/// <summary>
/// Draws the loss curves of a run (training loss per step, validation loss at evaluation
/// steps) as a self-contained SVG image, <c>loss.svg</c>: the picture that shows whether a
/// model is learning, plateauing or overfitting (validation rising while training falls).
/// </summary>
public static class LossChart
{
    /// <summary>File name inside a run folder.</summary>
    public const string FileName = "loss.svg";

    private const int Width = 800, Height = 480, Left = 70, Right = 20, Top = 40, Bottom = 50;

    /// <summary>Writes the chart of <paramref name="records"/> to <paramref name="path"/> (atomically).</summary>
    public static void Write(string path, IReadOnlyList<MetricsRecord> records, string title = "loss")
        => AtomicFile.WriteAllText(path, Render(records, title));

    /// <summary>The SVG text of the chart.</summary>
    public static string Render(IReadOnlyList<MetricsRecord> records, string title = "loss")
    {
        var train = records.Where(r => r.TrainLoss is { } v && double.IsFinite(v)).Select(r => (x: (double)r.Step, y: r.TrainLoss!.Value)).ToList();
        var val = records.Where(r => r.ValLoss is { } v && double.IsFinite(v)).Select(r => (x: (double)r.Step, y: r.ValLoss!.Value)).ToList();
        var all = train.Concat(val).ToList();
        double xMax = all.Count == 0 ? 1 : Math.Max(1, all.Max(p => p.x));
        double yMin = all.Count == 0 ? 0 : all.Min(p => p.y), yMax = all.Count == 0 ? 1 : all.Max(p => p.y);
        if (yMax - yMin < 1e-6) { yMax += 0.5; yMin -= 0.5; }
        double pad = (yMax - yMin) * 0.05;
        yMin = Math.Max(0, yMin - pad); yMax += pad;
        int plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        string X(double x) => F(Left + x / xMax * plotW);
        string Y(double y) => F(Top + (1 - (y - yMin) / (yMax - yMin)) * plotH);

        var s = new StringBuilder();
        s.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        s.Append($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        s.Append($"<text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">{Escape(title)}</text>\n");
        // Grid and axis labels.
        for (int i = 0; i <= 5; i++)
        {
            double y = yMin + (yMax - yMin) * i / 5;
            s.Append($"<line x1=\"{Left}\" y1=\"{Y(y)}\" x2=\"{Width - Right}\" y2=\"{Y(y)}\" stroke=\"#e5e5e5\"/>\n");
            s.Append($"<text x=\"{Left - 6}\" y=\"{Y(y)}\" text-anchor=\"end\" dominant-baseline=\"middle\">{F(y, 2)}</text>\n");
            double x = xMax * i / 5;
            s.Append($"<text x=\"{X(x)}\" y=\"{Height - Bottom + 18}\" text-anchor=\"middle\">{F(Math.Round(x), 0)}</text>\n");
        }
        s.Append($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#888\"/>\n");
        s.Append($"<text x=\"{Left + plotW / 2}\" y=\"{Height - 10}\" text-anchor=\"middle\">step</text>\n");
        s.Append($"<text x=\"16\" y=\"{Top + plotH / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {Top + plotH / 2})\">loss (nats/token)</text>\n");
        if (train.Count > 0)
            s.Append($"<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.2\" points=\"{string.Join(" ", train.Select(p => X(p.x) + "," + Y(p.y)))}\"/>\n");
        if (val.Count > 0)
        {
            s.Append($"<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" points=\"{string.Join(" ", val.Select(p => X(p.x) + "," + Y(p.y)))}\"/>\n");
            foreach (var p in val) s.Append($"<circle cx=\"{X(p.x)}\" cy=\"{Y(p.y)}\" r=\"3\" fill=\"#d62728\"/>\n");
        }
        // Legend.
        s.Append($"<line x1=\"{Width - Right - 150}\" y1=\"{Top + 16}\" x2=\"{Width - Right - 125}\" y2=\"{Top + 16}\" stroke=\"#1f77b4\" stroke-width=\"2\"/>");
        s.Append($"<text x=\"{Width - Right - 120}\" y=\"{Top + 20}\">train</text>\n");
        s.Append($"<line x1=\"{Width - Right - 150}\" y1=\"{Top + 34}\" x2=\"{Width - Right - 125}\" y2=\"{Top + 34}\" stroke=\"#d62728\" stroke-width=\"2\"/>");
        s.Append($"<text x=\"{Width - Right - 120}\" y=\"{Top + 38}\">validation</text>\n");
        s.Append("</svg>\n");
        return s.ToString();
    }

    private static string F(double v, int digits = 1) => v.ToString("F" + digits, CultureInfo.InvariantCulture);

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
