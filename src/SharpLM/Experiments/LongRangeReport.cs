using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace SharpLM.Experiments;

/// <summary>Writes a <see cref="LongRangeResults"/> as <c>report.html</c> (well-formed XHTML with inline SVG charts) and <c>results.json</c> (the raw numbers).</summary>
public static class LongRangeReport
{
    /// <summary>Writes both files into <paramref name="directory"/> (each to a temporary file, then renamed into place).</summary>
    public static void Write(LongRangeResults results, string directory)
    {
        ArgumentNullException.ThrowIfNull(results);
        Directory.CreateDirectory(directory);
        WriteAtomically(Path.Combine(directory, "results.json"), Json(results));
        WriteAtomically(Path.Combine(directory, "report.html"), Html(results));
    }

    /// <summary>The raw numbers as JSON: options, chance, one entry per (model, k) run, and the gradient profiles.</summary>
    public static string Json(LongRangeResults r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var o = r.Options;
        var doc = new Dictionary<string, object>
        {
            ["experiment"] = "long-range",
            ["seed"] = o.Seed,
            ["ks"] = o.Ks,
            ["steps"] = o.Steps,
            ["batch"] = o.Batch,
            ["learning_rate"] = o.LearningRate,
            ["grad_clip"] = o.GradClip,
            ["eval_examples"] = o.EvalExamples,
            ["chance"] = r.Chance,
            ["seconds"] = r.Seconds,
            ["runs"] = r.Runs.Select(x => new Dictionary<string, object>
            {
                ["model"] = x.Model, ["k"] = x.K, ["parameters"] = x.Parameters, ["accuracy"] = x.Accuracy,
                ["final_loss"] = double.IsFinite(x.FinalLoss) ? x.FinalLoss : -1, ["seconds"] = x.Seconds,
            }).ToList(),
            ["gradient_norms"] = r.Gradients.Select(g => new Dictionary<string, object>
            {
                ["model"] = g.Model, ["k"] = g.K, ["distance"] = g.Distances,
                ["at_init"] = g.AtInit.Select(Finite).ToList(), ["trained"] = g.Trained.Select(Finite).ToList(),
            }).ToList(),
        };
        return JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true });
    }

    private static double Finite(double v) => double.IsFinite(v) ? v : 0;

    /// <summary>The report page: what was run, the accuracy-vs-k and gradient-norm-vs-distance charts, and a table of every run.</summary>
    public static string Html(LongRangeResults r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var o = r.Options;
        var inv = CultureInfo.InvariantCulture;
        var acc = LongRangeExperiment.Models
            .Select(m => (m, (IReadOnlyList<(double, double)>)r.Runs.Where(x => x.Model == m).Select(x => ((double)x.K, x.Accuracy)).ToList()))
            .Append(("chance", r.Runs.Select(x => (double)x.K).Distinct().Select(k => (k, r.Chance)).ToList()))
            .ToList();
        var grad = r.Gradients.SelectMany(g => new[]
        {
            ($"{g.Model} (init)", (IReadOnlyList<(double, double)>)g.Distances.Select((d, i) => ((double)d, g.AtInit[i])).ToList()),
            ($"{g.Model} (trained)", (IReadOnlyList<(double, double)>)g.Distances.Select((d, i) => ((double)d, g.Trained[i])).ToList()),
        }).ToList();
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><meta charset=\"utf-8\"/><title>SharpLM long-range experiment</title>");
        sb.Append("<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style></head><body>\n");
        sb.Append("<h1>Long-range dependencies: RNN vs LSTM vs Transformer</h1>\n");
        sb.Append(inv, $"<p>Task: a key token (one of {LongRangeTask.Keys}), k distractors, a query; the model must answer the key (chance {r.Chance:P1}). ");
        sb.Append(inv, $"Each model trains {o.Steps} steps × {o.Batch} examples (AdamW lr {o.LearningRate}, gradient clip {o.GradClip}); accuracy on {o.EvalExamples} held-out examples; seed {o.Seed}; total {r.Seconds:F0} s.</p>\n");
        sb.Append("<h2>Accuracy at the query against k</h2>\n");
        sb.Append(SvgLineChart.Render("Held-out accuracy vs distractors k", "k (distractors)", "accuracy", acc, logY: false)).Append('\n');
        sb.Append("<h2>Vanishing gradients</h2>\n<p>Norm of ∂loss/∂x<sub>t</sub> (the embedded input) at distance d before the query, for the largest k, at initialization and after training. The Elman RNN's signal from far inputs decays geometrically; the LSTM's cell path keeps more of it.</p>\n");
        sb.Append(SvgLineChart.Render("‖∂loss/∂input‖ vs distance", "distance to the query", "gradient norm (log)", grad, logY: true)).Append('\n');
        sb.Append("<h2>Runs</h2>\n<table><tr><th>model</th><th>k</th><th>parameters</th><th>accuracy</th><th>final loss</th><th>seconds</th></tr>\n");
        foreach (var x in r.Runs)
            sb.Append(inv, $"<tr><td>{WebUtility.HtmlEncode(x.Model)}</td><td>{x.K}</td><td>{x.Parameters}</td><td>{x.Accuracy:F3}</td><td>{x.FinalLoss:F3}</td><td>{x.Seconds:F1}</td></tr>\n");
        sb.Append("</table>\n<p>Raw numbers: results.json.</p></body></html>\n");
        return sb.ToString();
    }

    private static void WriteAtomically(string path, string text)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, text, new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);
    }
}
