using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using SharpLM.Autograd;
using SharpLM.Experiments;
using SharpLM.Models;

namespace SharpLM.Tests.Experiments;

public class AttentionRankExperimentTests
{
    /// <summary>A few thousand characters of varied English-like text (the experiment needs ≥ 1000).</summary>
    internal static string SampleText()
    {
        var words = "the a model attention token layer head key value query cache decoder encoder reads writes sees every earlier later word in of to and is"
            .Split(' ');
        var rng = new SharpLM.Tensors.Rng(11);
        var sb = new StringBuilder();
        while (sb.Length < 60_000)
        {
            int n = 4 + rng.NextInt(8);
            for (int i = 0; i < n; i++) sb.Append(i == 0 ? "" : " ").Append(words[rng.NextInt(words.Length)]);
            sb.Append(". ");
        }
        return sb.ToString();
    }

    [Fact]
    public void BertCaptureReproducesTheEncoderAndItsRowsAreDistributions()
    {
        var bert = new Bert(new BertConfig { VocabSize = 20, Width = 16, Layers = 2, Heads = 2, Intermediate = 32, MaxPositions = 12, Dropout = 0 }, BertTask.MaskedLM, 3);
        int[] ids = [1, 5, 7, 2, 9, 9, 3, 4, 11, 0];
        var (maps, hidden) = BertAttentionCapture.Capture(bert, ids);
        var tape = new Tape(recordGradients: false) { Training = false };
        var expected = bert.Encode(tape, BertBatch.Single(ids)).Data.Span.ToArray();
        var got = hidden.Span.ToArray();
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < got.Length; i++) Assert.True(Math.Abs(expected[i] - got[i]) < 1e-4f, $"hidden[{i}]: {got[i]} vs {expected[i]}");
        var m = maps.Span;
        int t = ids.Length;
        for (int row = 0; row < 2 * 2 * t; row++)
        {
            double sum = 0;
            for (int j = 0; j < t; j++) sum += m[row * t + j];
            Assert.Equal(1.0, sum, 4);
        }
    }

    [Fact]
    public void QuickRunWritesAWellFormedReportAndShowsTheEffect()
    {
        var options = AttentionRankOptions.Quick with { Seed = 2 };
        var results = AttentionRankExperiment.Run(SampleText(), options);
        string dir = Path.Combine(Path.GetTempPath(), "sharplm-attention-rank-" + Guid.NewGuid().ToString("N"));
        try
        {
            AttentionRankReport.Write(results, dir);
            var html = XDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.html")));
            XNamespace svg = "http://www.w3.org/2000/svg";
            var charts = html.Descendants(svg + "svg").ToList();
            Assert.Equal(3, charts.Count);
            Assert.Equal(2 * options.Layers, charts[0].Descendants(svg + "polyline").Count());
            Assert.Equal(2, charts[1].Descendants(svg + "polyline").Count());

            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "results.json")));
            var root = json.RootElement;
            Assert.Equal("attention-rank", root.GetProperty("experiment").GetString());
            Assert.Equal(2 * options.Layers * options.Heads * options.EvalSequences, root.GetProperty("heads_measured").GetArrayLength());
            var head = root.GetProperty("heads_measured")[0];
            Assert.Equal(options.SequenceLength, head.GetProperty("singular_values").GetArrayLength());
            Assert.Equal(1 + options.Tolerances.Count, head.GetProperty("ranks").GetArrayLength());
            Assert.Equal(options.CacheLengths.Count, root.GetProperty("kv_cache").GetProperty("points").GetArrayLength());
            foreach (var model in AttentionRankExperiment.Models)
                Assert.True(root.GetProperty("held_out_loss").GetProperty(model).GetDouble() > 0);
        }
        finally { Directory.Delete(dir, recursive: true); }

        // Both models learned something (character entropy of uniform guessing is ln V).
        Assert.All(results.HeldOutLoss.Values, l => Assert.True(l < Math.Log(results.VocabSize) - 0.3, $"held-out loss {l} vs uniform {Math.Log(results.VocabSize)}"));

        // The claim: every causal head is lower-triangular with a positive diagonal (so det ≠ 0: full rank in exact arithmetic),
        // and numerically (NumPy's float32 tolerance) nearly all causal heads keep full rank while the bidirectional ones are lower rank on average.
        foreach (var h in results.Heads.Where(h => h.Model == AttentionRankExperiment.Models[0]))
        {
            Assert.Equal(0, h.MaxAboveDiagonal);
            Assert.True(h.MinDiagonal > 0);
        }
        double causal = results.MeanRankFraction(AttentionRankExperiment.Models[0], 0), bidirectional = results.MeanRankFraction(AttentionRankExperiment.Models[1], 0);
        Assert.True(causal >= 0.95, $"causal mean rank fraction {causal}");
        Assert.True(bidirectional < causal, $"bidirectional {bidirectional} vs causal {causal}");

        // The KV cache: the FLOP saving grows with the context, and decoding from the cache is faster at the longest one.
        var c = results.Cache;
        for (int i = 1; i < c.Count; i++)
            Assert.True(c[i].RecomputeFlops / c[i].CachedFlops > c[i - 1].RecomputeFlops / c[i - 1].CachedFlops);
        Assert.True(c[^1].CachedTokensPerSecond > 2 * c[^1].RecomputeTokensPerSecond, $"cached {c[^1].CachedTokensPerSecond} vs recompute {c[^1].RecomputeTokensPerSecond} tok/s");
    }

    [Fact]
    public void TheCacheFlopCountMatchesTheFormula()
    {
        // C = 8, L = 1, V = 10, n = 4: cached 24·64 + 4·4·8 + 2·8·10 = 1536 + 128 + 160; recompute 4·1536 + 2·8·4·5 + 160.
        var (cached, recompute) = AttentionRankExperiment.DecodeFlops(4, 8, 1, 10);
        Assert.Equal(1824, cached);
        Assert.Equal(6144 + 320 + 160, recompute);
    }

    [Fact]
    public void BadOptionsAreNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => AttentionRankExperiment.Run(SampleText(), AttentionRankOptions.Quick with { Width = 30, Heads = 4 }));
        Assert.Contains("width 30", e.Message);
    }
}
