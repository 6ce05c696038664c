using System.Xml.Linq;
using SharpLM.Cli;
using SharpLM.Cli.Commands;
using SharpLM.Generation;
using SharpLM.Models;
using SharpLM.Tokenizers;

namespace SharpLM.Tests.Generation;

public class InspectionTests
{
    private static readonly Lazy<ITokenizer> Tok = new(() =>
        BpeTrainer.Train(["the cat sat on the mat. the dog sat on the log."], vocabSize: 280, specialTokens: ["<|endoftext|>"]));

    [Fact]
    public void AttentionRowsSumToOneAndAreZeroAboveTheDiagonal()
    {
        var model = TestModels.Random(TestModels.Tiny(), seed: 31);
        int[] ids = [3, 9, 27, 1, 44, 8, 8, 15, 2];
        var gen = new Generator(model, new GeneratorOptions { PrefillChunk = 4 }); // chunked prefill must capture the same maps
        var maps = gen.CaptureAttention(ids);
        var cfg = model.Config;
        int t = ids.Length;
        Assert.Equal(new[] { cfg.Layers, cfg.Heads, t, t }, maps.ShapeArray);
        var s = maps.Span;
        for (int lh = 0; lh < cfg.Layers * cfg.Heads; lh++)
            for (int q = 0; q < t; q++)
            {
                double sum = 0;
                for (int k = 0; k < t; k++)
                {
                    float w = s[(lh * t + q) * t + k];
                    if (k > q) Assert.Equal(0f, w);
                    else Assert.InRange(w, 0f, 1f);
                    sum += w;
                }
                Assert.Equal(1.0, sum, 5);
            }
        // Position 0 can only look at itself.
        Assert.Equal(1f, s[0], 6);
        // The capture is a normal prefill: its logits are the model's.
        KvCacheTests.AssertClose(ReferenceForward.Logits(model, ids)[^1], gen.Logits.ToArray(), "capture logits");
    }

    [Fact]
    public void NextListsTheTopTokensWithSoftmaxProbabilities()
    {
        var tok = Tok.Value;
        var model = TestModels.Random(TestModels.Tiny(vocab: tok.VocabSize, block: 64), seed: 32);
        var rows = NextCommand.TopTokens(model, tok, "the cat", 10);
        Assert.Equal(10, rows.Count);
        var logits = new Generator(model).Prefill(tok.Encode("the cat")).ToArray();
        double max = logits.Max(), z = logits.Sum(l => Math.Exp(l - max));
        var expectedOrder = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).Take(10).ToArray();
        Assert.Equal(expectedOrder, rows.Select(r => r.Id).ToArray());
        foreach (var r in rows)
        {
            Assert.Equal(logits[r.Id], r.Logit);
            Assert.Equal(Math.Exp(logits[r.Id] - max) / z, r.Probability, 6);
        }
        Assert.Equal(Enumerable.Range(1, 10), rows.Select(r => r.Rank));
    }

    [Fact]
    public void AttentionCommandWritesWellFormedSvgAndHtml()
    {
        var tok = Tok.Value;
        var model = TestModels.Random(TestModels.Tiny(vocab: tok.VocabSize, block: 64), seed: 33);
        var dir = Directory.CreateTempSubdirectory("sharplm-attn-").FullName;
        try
        {
            GptHuggingFace.Save(model, dir);
            TokenizerFiles.Save(tok, Path.Combine(dir, "tokenizer.json"));
            string text = "the cat\n<&> \"sat\"";
            int t = tok.Encode(text).Length;
            var svgPath = Path.Combine(dir, "maps.svg");
            Assert.Equal(0, Program.BuildRoot().Parse(["attention", "--model", dir, "--text", text, "--layer", "1", "--out", svgPath, "--threads", "1"]).Invoke());
            var svg = XDocument.Load(svgPath);
            XNamespace ns = "http://www.w3.org/2000/svg";
            Assert.Equal(ns + "svg", svg.Root!.Name);
            var groups = svg.Root.Elements(ns + "g").ToList();
            Assert.Equal(model.Config.Heads, groups.Count); // one heatmap per head of layer 1
            foreach (var g in groups)
            {
                var cells = g.Elements(ns + "rect").Where(r => r.Element(ns + "title") is not null).ToList();
                Assert.Equal(t * (t + 1) / 2, cells.Count); // the causal triangle
            }
            Assert.Contains("layer 1, head 3", svg.Root.Value);

            var htmlPath = Path.Combine(dir, "maps.html");
            Assert.Equal(0, Program.BuildRoot().Parse(["attention", "--model", dir, "--text", text, "--head", "avg", "--out", htmlPath, "--threads", "1"]).Invoke());
            var html = File.ReadAllText(htmlPath);
            Assert.StartsWith("<!DOCTYPE html>", html);
            var page = XDocument.Parse(html[html.IndexOf("<html", StringComparison.Ordinal)..]); // well-formed throughout
            var maps = page.Descendants(ns + "g").ToList();
            Assert.Equal(model.Config.Layers, maps.Count); // the head average of every layer
            Assert.DoesNotContain(Directory.GetFiles(dir), f => f.EndsWith(".tmp"));

            var e = Assert.Throws<CliException>(() => AttentionCommand.Capture(model, tok, text, layer: null, head: "9"));
            Assert.Contains("--head", e.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
