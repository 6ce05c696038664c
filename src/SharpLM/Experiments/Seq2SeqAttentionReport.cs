using System.Globalization;
using System.Net;

namespace SharpLM.Experiments;

/// <summary>Writes a <see cref="Seq2SeqAttentionResults"/> as <c>report.html</c> (XHTML with an SVG chart) and <c>results.json</c>.</summary>
public static class Seq2SeqAttentionReport
{
    /// <summary>Writes both files into <paramref name="directory"/>.</summary>
    public static void Write(Seq2SeqAttentionResults results, string directory) => ExperimentFiles.Write(directory, Json(results), Html(results));

    /// <summary>The raw numbers: options, task, one entry per model with its scores, per-length exact match and sample decodes.</summary>
    public static string Json(Seq2SeqAttentionResults r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var o = r.Options;
        return ExperimentFiles.Json(new Dictionary<string, object>
        {
            ["experiment"] = "seq2seq-attention",
            ["task"] = r.Task, ["seed"] = o.Seed, ["steps"] = o.Steps, ["batch"] = o.Batch, ["learning_rate"] = o.LearningRate,
            ["embedding"] = o.Embedding, ["hidden"] = o.Hidden, ["train_pairs"] = r.TrainPairs, ["held_out_pairs"] = r.HeldOutPairs, ["seconds"] = r.Seconds,
            ["runs"] = r.Runs.Select(x => new Dictionary<string, object>
            {
                ["model"] = x.Model, ["parameters"] = x.Parameters, ["exact_match"] = x.ExactMatch, ["chrf"] = x.ChrF,
                ["final_loss"] = ExperimentFiles.Finite(x.FinalLoss), ["seconds"] = x.Seconds,
                ["exact_match_by_source_length"] = x.ExactMatchByLength.ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => kv.Value),
                ["samples"] = x.Samples.Select(s => new Dictionary<string, string> { ["source"] = s.Source, ["reference"] = s.Reference, ["output"] = s.Output }).ToList(),
            }).ToList(),
        });
    }

    /// <summary>The report page.</summary>
    public static string Html(Seq2SeqAttentionResults r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var o = r.Options;
        var inv = CultureInfo.InvariantCulture;
        var sb = ExperimentFiles.BeginPage("Sequence to sequence: LSTM encoder-decoder with and without attention");
        sb.Append(inv, $"<p>Task: {WebUtility.HtmlEncode(r.Task)}; {r.TrainPairs:N0} training pairs, {r.HeldOutPairs} held out. Both models: embedding {o.Embedding}, hidden {o.Hidden}, ");
        sb.Append(inv, $"{o.Steps} steps × {o.Batch} pairs (AdamW lr {o.LearningRate}, clip 1), greedy decoding; seed {o.Seed}; total {r.Seconds:F0} s.</p>\n");
        sb.Append("<p>Without attention the decoder sees the source only as the encoder's final state (one vector, fed at every step); with Luong global attention each decoder state also reads a softmax-weighted mix of all encoder states. ");
        sb.Append("The claim (Bahdanau et al., 2015): the fixed-size summary is a bottleneck that grows with the source length, and attention removes it.</p>\n");
        sb.Append("<table><tr><th class=\"l\">model</th><th>parameters</th><th>exact match %</th><th>chrF</th><th>final training loss</th><th>seconds</th></tr>\n");
        foreach (var x in r.Runs)
            sb.Append(ExperimentFiles.Row(x.Model, x.Parameters, x.ExactMatch.ToString("F1", inv), x.ChrF.ToString("F1", inv), x.FinalLoss.ToString("F3", inv), x.Seconds.ToString("F0", inv)));
        sb.Append("</table>\n<h2>Exact match against source length</h2>\n");
        var series = r.Runs.Select(x => (x.Model, (IReadOnlyList<(double, double)>)x.ExactMatchByLength.Select(kv => ((double)kv.Key, kv.Value / 100)).ToList())).ToList();
        sb.Append(SvgLineChart.Render("Held-out exact match vs source length", "source length (characters)", "exact match", series, logY: false)).Append('\n');
        sb.Append("<h2>Sample decodes</h2>\n<table><tr><th class=\"l\">model</th><th class=\"l\">source</th><th class=\"l\">reference</th><th class=\"l\">output</th></tr>\n");
        foreach (var x in r.Runs)
            foreach (var s in x.Samples)
                sb.Append("<tr><td class=\"l\">").Append(WebUtility.HtmlEncode(x.Model)).Append("</td><td class=\"l\">").Append(WebUtility.HtmlEncode(s.Source))
                  .Append("</td><td class=\"l\">").Append(WebUtility.HtmlEncode(s.Reference)).Append("</td><td class=\"l\">").Append(WebUtility.HtmlEncode(s.Output)).Append("</td></tr>\n");
        sb.Append("</table>\n");
        return ExperimentFiles.EndPage(sb);
    }
}
