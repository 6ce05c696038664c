using System.Net;
using System.Text;
using System.Text.Json;
using SharpLM.Formats;

namespace SharpLM.Experiments;

/// <summary>What every experiment report shares: the XHTML page frame (so the report parses as XML) and writing <c>report.html</c> + <c>results.json</c> atomically.</summary>
public static class ExperimentFiles
{
    /// <summary>Starts a well-formed XHTML page with <paramref name="title"/> as its title and first heading.</summary>
    public static StringBuilder BeginPage(string title)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><meta charset=\"utf-8\"/><title>")
          .Append(WebUtility.HtmlEncode(title)).Append("</title>")
          .Append("<style>body{font-family:sans-serif;max-width:980px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td.l,th.l{text-align:left}</style></head><body>\n")
          .Append("<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1>\n");
        return sb;
    }

    /// <summary>Closes the page opened by <see cref="BeginPage"/>.</summary>
    public static string EndPage(StringBuilder sb) => sb.Append("<p>Raw numbers: results.json.</p></body></html>\n").ToString();

    /// <summary>A table row of HTML-encoded cells (the first left-aligned).</summary>
    public static string Row(params object[] cells)
    {
        var sb = new StringBuilder("<tr>");
        for (int i = 0; i < cells.Length; i++)
            sb.Append(i == 0 ? "<td class=\"l\">" : "<td>").Append(WebUtility.HtmlEncode(Convert.ToString(cells[i], System.Globalization.CultureInfo.InvariantCulture))).Append("</td>");
        return sb.Append("</tr>\n").ToString();
    }

    /// <summary>Serializes the raw numbers with indentation (non-finite doubles must be replaced by the caller).</summary>
    public static string Json(object document) => JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true });

    /// <summary>Writes <c>results.json</c> and <c>report.html</c> into <paramref name="directory"/>, each to a temporary file renamed into place.</summary>
    public static void Write(string directory, string json, string html)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, "results.json"), json);
        AtomicFile.WriteAllText(Path.Combine(directory, "report.html"), html);
    }

    /// <summary>A finite value for JSON (NaN/∞ become −1, which no measured quantity here takes).</summary>
    public static double Finite(double v) => double.IsFinite(v) ? v : -1;
}
