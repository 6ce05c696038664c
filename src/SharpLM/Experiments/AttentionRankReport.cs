using System.Globalization;
using System.Net;

namespace SharpLM.Experiments;

/// <summary>Writes an <see cref="AttentionRankResults"/> as <c>report.html</c> (XHTML with SVG charts) and <c>results.json</c>.</summary>
public static class AttentionRankReport
{
    /// <summary>Writes both files into <paramref name="directory"/>.</summary>
    public static void Write(AttentionRankResults results, string directory) =>
        ExperimentFiles.Write(directory, Json(results), Html(results));

    /// <summary>The raw numbers: options, tolerances, held-out losses, one entry per head and sequence (ranks, singular values), and the cache costs.</summary>
    public static string Json(AttentionRankResults r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var o = r.Options;
        return ExperimentFiles.Json(new Dictionary<string, object>
        {
            ["experiment"] = "attention-rank",
            ["seed"] = o.Seed,
            ["width"] = o.Width, ["layers"] = o.Layers, ["heads"] = o.Heads, ["sequence_length"] = o.SequenceLength,
            ["steps"] = o.Steps, ["batch"] = o.Batch, ["learning_rate"] = o.LearningRate, ["vocab_size"] = r.VocabSize,
            ["tolerances"] = r.Tolerances,
            ["held_out_loss"] = r.HeldOutLoss.ToDictionary(kv => kv.Key, kv => ExperimentFiles.Finite(kv.Value)),
            ["mean_rank_fraction"] = AttentionRankExperiment.Models.ToDictionary(m => m, m => r.Tolerances.Select((_, i) => r.MeanRankFraction(m, i)).ToArray()),
            ["seconds"] = r.Seconds,
            ["heads_measured"] = r.Heads.Select(h => new Dictionary<string, object>
            {
                ["model"] = h.Model, ["layer"] = h.Layer, ["head"] = h.Head, ["sequence"] = h.Sequence, ["ranks"] = h.Ranks,
                ["min_diagonal"] = h.MinDiagonal, ["max_above_diagonal"] = h.MaxAboveDiagonal, ["singular_values"] = h.Singular,
            }).ToList(),
            ["kv_cache"] = new Dictionary<string, object>
            {
                ["speed_model"] = new Dictionary<string, object> { ["width"] = o.SpeedWidth, ["layers"] = o.SpeedLayers, ["heads"] = 4, ["vocab_size"] = r.VocabSize },
                ["points"] = r.Cache.Select(c => new Dictionary<string, object>
                {
                    ["length"] = c.Length, ["cached_flops_per_token"] = c.CachedFlops, ["recompute_flops_per_token"] = c.RecomputeFlops,
                    ["cached_tokens_per_second"] = c.CachedTokensPerSecond, ["recompute_tokens_per_second"] = c.RecomputeTokensPerSecond,
                }).ToList(),
            },
        });
    }

    /// <summary>The report page.</summary>
    public static string Html(AttentionRankResults r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var o = r.Options;
        var inv = CultureInfo.InvariantCulture;
        int t = o.SequenceLength;
        var sb = ExperimentFiles.BeginPage("Attention rank: causal vs bidirectional, and the KV cache");
        sb.Append(inv, $"<p>A causal decoder (GPT, next-token loss) and a bidirectional encoder (BERT, masked-LM loss), both {o.Layers} layers × {o.Heads} heads, width {o.Width}, ");
        sb.Append(inv, $"trained {o.Steps} steps × {o.Batch} windows of {t} characters (AdamW lr {o.LearningRate}) on the same text; seed {o.Seed}; total {r.Seconds:F0} s. ");
        sb.Append("Held-out loss: ");
        sb.Append(string.Join(", ", r.HeldOutLoss.Select(kv => string.Create(inv, $"{WebUtility.HtmlEncode(kv.Key)} {kv.Value:F3}"))));
        sb.Append(" (next-token and masked-token cross-entropy: they are not comparable, they show both models learned).</p>\n");
        sb.Append("<p>Claim: a causal softmax attention matrix is lower-triangular with a strictly positive diagonal, so its determinant (the product of the diagonal) is nonzero and it has full rank T; ");
        sb.Append("a bidirectional one is softmax of a score matrix of rank ≤ D (the head size), and its singular values can decay until it is numerically low-rank.</p>\n");

        sb.Append("<h2>Numerical rank of each head's T×T attention matrix</h2>\n<table><tr><th class=\"l\">model</th>");
        foreach (double tol in r.Tolerances) sb.Append(inv, $"<th>mean rank, σ &gt; {tol:G3}·σ₁</th>");
        sb.Append("<th>min rank (first tolerance)</th><th>smallest diagonal entry</th><th>largest entry above the diagonal</th></tr>\n");
        foreach (var m in AttentionRankExperiment.Models)
        {
            var hs = r.Heads.Where(h => h.Model == m).ToList();
            sb.Append("<tr><td class=\"l\">").Append(WebUtility.HtmlEncode(m)).Append("</td>");
            for (int i = 0; i < r.Tolerances.Count; i++) sb.Append(inv, $"<td>{hs.Average(h => (double)h.Ranks[i]):F1} / {t}</td>");
            sb.Append(inv, $"<td>{hs.Min(h => h.Ranks[0])}</td><td>{hs.Min(h => h.MinDiagonal):G3}</td><td>{hs.Max(h => h.MaxAboveDiagonal):G3}</td></tr>\n");
        }
        sb.Append(inv, $"</table>\n<p>The first tolerance is NumPy's <code>matrix_rank</code> default for float32 (T·ε = {r.Tolerances[0]:G3}). Singular values by one-sided Jacobi in double precision.</p>\n");

        var spectra = new List<(string, IReadOnlyList<(double, double)>)>();
        foreach (var m in AttentionRankExperiment.Models)
            for (int l = 0; l < o.Layers; l++)
            {
                var hs = r.Heads.Where(h => h.Model == m && h.Layer == l).ToList();
                var pts = Enumerable.Range(0, t).Select(i => ((double)(i + 1), Math.Exp(hs.Average(h => Math.Log(Math.Max(1e-30, h.Singular[i] / h.Singular[0])))))).ToList();
                if (spectra.Count < 5) spectra.Add(($"{(m.StartsWith("causal", StringComparison.Ordinal) ? "causal" : "bidirectional")} L{l}", pts));
            }
        sb.Append("<h2>Singular value spectra</h2>\n<p>σ<sub>i</sub>/σ<sub>1</sub> against i, geometric mean over the heads and sequences of a layer (at most five lines).</p>\n");
        sb.Append(SvgLineChart.Render("Normalized singular values of attention matrices", "index i", "σ_i / σ_1 (log)", spectra, logY: true)).Append('\n');

        sb.Append(inv, $"<h2>What the KV cache saves</h2>\n<p>Per generated token at context length n, for a GPT of width {o.SpeedWidth}, {o.SpeedLayers} layers, 4 heads, vocabulary {r.VocabSize}: ");
        sb.Append("with the cache the model runs only the new token (projections 24C² per layer, attention 4nC), without it the whole prefix again (n·24C² + 2C·n(n+1) per layer). ");
        sb.Append("Measured: Generator.Decode from the cache against Reset + Prefill of the whole prefix each step (median of 3).</p>\n");
        var flops = new List<(string, IReadOnlyList<(double, double)>)>
        {
            ("with cache", r.Cache.Select(c => ((double)c.Length, c.CachedFlops)).ToList()),
            ("recompute", r.Cache.Select(c => ((double)c.Length, c.RecomputeFlops)).ToList()),
        };
        sb.Append(SvgLineChart.Render("Decode FLOPs per token vs context length", "context length n", "FLOPs per token (log)", flops, logY: true)).Append('\n');
        var speed = new List<(string, IReadOnlyList<(double, double)>)>
        {
            ("with cache", r.Cache.Select(c => ((double)c.Length, c.CachedTokensPerSecond)).ToList()),
            ("recompute", r.Cache.Select(c => ((double)c.Length, c.RecomputeTokensPerSecond)).ToList()),
        };
        sb.Append(SvgLineChart.Render("Measured decode speed vs context length", "context length n", "tokens/s (log)", speed, logY: true)).Append('\n');
        sb.Append("<table><tr><th>n</th><th>FLOPs/token cached</th><th>FLOPs/token recompute</th><th>FLOP ratio</th><th>tok/s cached</th><th>tok/s recompute</th><th>speed ratio</th></tr>\n");
        foreach (var c in r.Cache)
            sb.Append(ExperimentFiles.Row(c.Length, c.CachedFlops.ToString("E3", inv), c.RecomputeFlops.ToString("E3", inv), (c.RecomputeFlops / c.CachedFlops).ToString("F1", inv),
                c.CachedTokensPerSecond.ToString("F0", inv), c.RecomputeTokensPerSecond.ToString("F0", inv), (c.CachedTokensPerSecond / c.RecomputeTokensPerSecond).ToString("F1", inv)));
        sb.Append("</table>\n");

        sb.Append("<h2>Every head</h2>\n<table><tr><th class=\"l\">model</th><th>layer</th><th>head</th><th>sequence</th>");
        foreach (double tol in r.Tolerances) sb.Append(inv, $"<th>rank @ {tol:G3}</th>");
        sb.Append("<th>min diagonal</th></tr>\n");
        foreach (var h in r.Heads)
            sb.Append(ExperimentFiles.Row([h.Model, h.Layer, h.Head, h.Sequence, .. h.Ranks.Cast<object>(), h.MinDiagonal.ToString("G3", inv)]));
        sb.Append("</table>\n");
        return ExperimentFiles.EndPage(sb);
    }
}
