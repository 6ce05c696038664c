using System.Globalization;
using System.Text;
using System.Xml.Linq;

namespace SharpLM.Cli.Commands;

/// <summary>One attention heatmap: a title and a <c>[T, T]</c> matrix, row = the query token, column = the key token it looks at.</summary>
/// <param name="Title">E.g. "layer 3, head 5" or "layer 3, average of 12 heads".</param>
/// <param name="Weights">Row-major <c>[T, T]</c> attention probabilities.</param>
public sealed record AttentionMap(string Title, float[] Weights);

/// <summary>
/// Draws attention maps as a self-contained SVG image or HTML page: for each map a T×T grid
/// of cells, darker where a token (row) pays more attention to an earlier token (column),
/// with the tokens written along both axes and each cell's value in its tooltip.
/// </summary>
public static class AttentionMapWriter
{
    private const int MapsPerRow = 4;
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    /// <summary>The maps as an SVG document.</summary>
    public static string ToSvg(IReadOnlyList<string> tokens, IReadOnlyList<AttentionMap> maps, string caption) => ToSvg(tokens, tokens, maps, caption);

    /// <summary>
    /// Rectangular maps as an SVG document: rows are <paramref name="rowTokens"/> (e.g. a decoder's output
    /// tokens), columns <paramref name="columnTokens"/> (the source tokens cross-attention looks at);
    /// weights are row-major <c>[rows, columns]</c>.
    /// </summary>
    public static string ToSvg(IReadOnlyList<string> rowTokens, IReadOnlyList<string> columnTokens, IReadOnlyList<AttentionMap> maps, string caption)
    {
        var root = BuildSvg(rowTokens, columnTokens, maps, caption);
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root).Declaration + "\n" + root.ToString(SaveOptions.DisableFormatting);
    }

    /// <summary>The maps as an HTML page with the SVG inline (no external files or scripts).</summary>
    public static string ToHtml(IReadOnlyList<string> tokens, IReadOnlyList<AttentionMap> maps, string caption)
    {
        var svg = BuildSvg(tokens, tokens, maps, caption).ToString(SaveOptions.DisableFormatting);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>Attention maps</title>");
        sb.Append("<style>body{font-family:sans-serif;margin:1.5em;color:#222}svg{max-width:100%;height:auto}</style></head><body>");
        sb.Append("<h1>Attention maps</h1><p>").Append(new XText(caption)).Append("</p>");
        sb.Append("<p>Each grid shows, for every token (row), how its attention is shared among the tokens up to it (columns); ");
        sb.Append("rows sum to 1 and the greyed area above the diagonal is the future, which a causal model cannot see. Hover a cell for its value.</p>");
        sb.Append(svg).Append("</body></html>\n");
        return sb.ToString();
    }

    private static XElement BuildSvg(IReadOnlyList<string> rowTokens, IReadOnlyList<string> columnTokens, IReadOnlyList<AttentionMap> maps, string caption)
    {
        int t = rowTokens.Count, tk = columnTokens.Count;
        bool square = ReferenceEquals(rowTokens, columnTokens);
        if (t == 0 || tk == 0) throw new ArgumentException("attention map: no tokens.", nameof(rowTokens));
        foreach (var m in maps)
            if (m.Weights.Length != t * tk) throw new ArgumentException($"attention map '{m.Title}': {m.Weights.Length} weights for {t} × {tk} tokens (expected {t * tk}).", nameof(maps));
        var labels = rowTokens.Select(Label).ToArray();
        var columnLabels = columnTokens.Select(Label).ToArray();
        int cell = Math.Clamp(480 / Math.Max(t, tk), 3, 22);
        bool showLabels = cell >= 8;
        int labelSpace = showLabels ? Math.Min(140, 8 + 7 * labels.Concat(columnLabels).Max(l => l.Length)) : 8;
        int mapSize = cell * t, mapWidth = cell * tk;
        int panelW = labelSpace + mapWidth + 24, panelH = 24 + labelSpace + mapSize + 24;
        int columns = Math.Min(MapsPerRow, maps.Count), rows = (maps.Count + MapsPerRow - 1) / MapsPerRow;
        int width = Math.Max(360, columns * panelW), height = 40 + rows * panelH + 30;
        var inv = CultureInfo.InvariantCulture;

        var svg = new XElement(Svg + "svg",
            new XAttribute("width", width), new XAttribute("height", height),
            new XAttribute("viewBox", $"0 0 {width} {height}"),
            new XAttribute("font-family", "sans-serif"), new XAttribute("font-size", Math.Max(8, Math.Min(12, cell - 1))),
            new XElement(Svg + "rect", new XAttribute("width", width), new XAttribute("height", height), new XAttribute("fill", "white")),
            new XElement(Svg + "text", new XAttribute("x", 8), new XAttribute("y", 22), new XAttribute("font-size", 14), caption));
        for (int k = 0; k < maps.Count; k++)
        {
            var map = maps[k];
            int ox = (k % MapsPerRow) * panelW, oy = 40 + (k / MapsPerRow) * panelH;
            int gx = ox + labelSpace, gy = oy + 24 + labelSpace;
            var g = new XElement(Svg + "g", new XAttribute("class", "map"));
            g.Add(new XElement(Svg + "text", new XAttribute("x", ox + 4), new XAttribute("y", oy + 14), new XAttribute("font-weight", "bold"), map.Title));
            g.Add(new XElement(Svg + "rect", new XAttribute("x", gx), new XAttribute("y", gy), new XAttribute("width", mapWidth), new XAttribute("height", mapSize),
                new XAttribute("fill", "#eeeeee"), new XAttribute("stroke", "#999999"), new XAttribute("stroke-width", 0.5)));
            for (int q = 0; q < t; q++)
                for (int s = 0; s < tk; s++)
                {
                    float w = map.Weights[q * tk + s];
                    if (square && s > q && w == 0f) continue; // the masked future: left as the grey background
                    var rect = new XElement(Svg + "rect",
                        new XAttribute("x", gx + s * cell), new XAttribute("y", gy + q * cell),
                        new XAttribute("width", cell), new XAttribute("height", cell), new XAttribute("fill", Color(w)),
                        new XElement(Svg + "title", string.Format(inv, "{0} → {1}: {2:F3}", labels[q], columnLabels[s], w)));
                    g.Add(rect);
                }
            if (showLabels)
            {
                // Row labels (queries) on the left, column labels (keys) rotated along the top.
                for (int i = 0; i < t; i++)
                    g.Add(new XElement(Svg + "text", new XAttribute("x", gx - 4), new XAttribute("y", gy + i * cell + cell * 0.75),
                        new XAttribute("text-anchor", "end"), labels[i]));
                for (int i = 0; i < tk; i++)
                {
                    double cx = gx + i * cell + cell * 0.7, cy = gy - 4;
                    g.Add(new XElement(Svg + "text", new XAttribute("x", cx.ToString(inv)), new XAttribute("y", cy.ToString(inv)),
                        new XAttribute("transform", string.Format(inv, "rotate(-60 {0} {1})", cx, cy)), columnLabels[i]));
                }
            }
            svg.Add(g);
        }
        svg.Add(new XElement(Svg + "text", new XAttribute("x", 8), new XAttribute("y", height - 10), new XAttribute("fill", "#555555"),
            "rows: the token attending; columns: the token attended to; white = 0, dark blue = 1"));
        return svg;
    }

    // White (0) to dark blue (1).
    private static string Color(float w)
    {
        double v = Math.Clamp(w, 0f, 1f);
        int r = (int)Math.Round(255 - v * (255 - 8)), g = (int)Math.Round(255 - v * (255 - 48)), b = (int)Math.Round(255 - v * (255 - 107));
        return $"#{r:x2}{g:x2}{b:x2}";
    }

    // A token as printable text: control characters shown as escapes (XML cannot hold them), long pieces shortened.
    private static string Label(string token)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < token.Length; i++)
        {
            char ch = token[i];
            if (ch == ' ') sb.Append('␣');
            else if (ch == '\n') sb.Append("\\n");
            else if (ch == '\t') sb.Append("\\t");
            else if (char.IsHighSurrogate(ch) && i + 1 < token.Length && char.IsLowSurrogate(token[i + 1])) sb.Append(ch).Append(token[++i]);
            else if (ch < 0x20 || ch == 0x7f) sb.Append($"\\x{(int)ch:x2}");
            else if (char.IsSurrogate(ch) || ch == '\uFFFE' || ch == '\uFFFF') sb.Append('?');
            else sb.Append(ch);
        }
        var s = sb.ToString();
        if (s.Length <= 16) return s;
        int cut = char.IsHighSurrogate(s[14]) ? 14 : 15;
        return s[..cut] + "…";
    }
}
