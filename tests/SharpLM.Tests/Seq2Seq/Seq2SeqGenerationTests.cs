using SharpLM.Autograd;
using SharpLM.Generation;
using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Tests.Seq2Seq;

/// <summary>The seq2seq engine: cached decoding equals the full recompute at every step (greedy and beams); beam search finds the known best output.</summary>
public class Seq2SeqGenerationTests
{
    public static TheoryData<string> Families => new() { "t5-relu", "t5-gated", "bart" };

    private static EncoderDecoder Model(string family)
    {
        var config = family switch
        {
            "t5-relu" => EncoderDecoderModelTests.TinyT5(),
            "t5-gated" => EncoderDecoderModelTests.TinyT5(FeedForwardKind.GatedGelu, tied: false),
            _ => EncoderDecoderModelTests.TinyBart(),
        } with { Width = 16, FeedForwardWidth = 24, VocabSize = 29 };
        var model = new EncoderDecoder(config, 11);
        // Make BART's bias and norms non-trivial so a mistake in them shows.
        if (model.FinalLogitsBias is not null) model.FinalLogitsBias.Data.Span.Fill(0.05f);
        return model;
    }

    /// <summary>The last position's logits of the tape forward over the whole prefix.</summary>
    internal static float[] Recompute(EncoderDecoder model, int[] source, IReadOnlyList<int> prefix)
    {
        var tape = new Tape(recordGradients: false) { Training = false };
        var encoded = model.Encode(tape, source, [source.Length], 1, source.Length);
        int t = prefix.Count;
        var logits = model.Head(tape, model.DecodeHidden(tape, encoded, [source.Length], prefix.ToArray(), 1, t)).Data;
        int v = model.Config.VocabSize;
        return logits.Span.Slice((t - 1) * v, v).ToArray();
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void CachedGreedyEqualsRecomputeAtEveryStep(string family)
    {
        var model = Model(family);
        int[] source = [5, 9, 3, 12, 7, 4];
        var engine = new Seq2SeqEngine(model, 1, 12);
        var cache = engine.Start([source]);
        var prefix = new List<int> { model.Config.DecoderStartTokenId };
        for (int step = 0; step < 12; step++)
        {
            var cached = engine.Step(cache, [prefix[^1]]).ToArray();
            var full = Recompute(model, source, prefix);
            for (int i = 0; i < full.Length; i++) Assert.Equal(full[i], cached[i], 1e-4);
            int next = Seq2SeqGenerator.ArgMax(cached);
            prefix.Add(next == model.Config.EosTokenId ? 3 : next);   // keep going past EOS to test long prefixes
        }
    }

    /// <summary>Wraps the real stepper and checks every live row's logits against a recompute of that row's own history.</summary>
    private sealed class CheckingStepper(Seq2SeqStepper inner, EncoderDecoder model, int[] source) : IDecoderStepper
    {
        private List<int>[] _histories = Enumerable.Range(0, inner.Rows).Select(_ => new List<int>()).ToArray();
        public int Checked { get; private set; }
        public int Rows => inner.Rows;
        public int VocabSize => inner.VocabSize;

        public ReadOnlySpan<float> Step(ReadOnlySpan<int> tokens)
        {
            for (int r = 0; r < Rows; r++) _histories[r].Add(tokens[r]);
            var logits = inner.Step(tokens);
            int v = VocabSize;
            for (int r = 0; r < Rows; r++)
            {
                var full = Recompute(model, source, _histories[r]);
                for (int i = 0; i < v; i++) Assert.Equal(full[i], logits[r * v + i], 1e-4);
                Checked++;
            }
            return logits;
        }

        public void Reorder(ReadOnlySpan<int> parents)
        {
            var old = _histories;
            var p = parents.ToArray();
            _histories = p.Select(parent => old[parent].ToList()).ToArray();
            inner.Reorder(parents);
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void CachedBeamsEqualRecomputeAfterEveryReorder(string family)
    {
        var model = Model(family);
        int[] source = [6, 8, 10, 14];
        var options = new BeamSearchOptions { Beams = 3, MaxLength = 8 };
        var engine = new Seq2SeqEngine(model, 3, 8);
        var checking = new CheckingStepper(new Seq2SeqStepper(engine, engine.Start([source], 3)), model, source);
        var hypotheses = BeamSearch.Run(checking, model.Config.DecoderStartTokenId, model.Config.EosTokenId, options);
        Assert.NotEmpty(hypotheses);
        Assert.True(checking.Checked >= 6, $"only {checking.Checked} row-steps checked");
        // The generator's beam output is the best hypothesis of the same search.
        Assert.Equal(hypotheses[0].Tokens, new Seq2SeqGenerator(model).GenerateBeam(source, options));
    }

    [Fact]
    public void BatchedSourcesDecodeAsIfAlone()
    {
        var model = Model("t5-relu");
        int[] a = [5, 9, 3], b = [7, 4, 12, 13, 8];
        var engine = new Seq2SeqEngine(model, 2, 4);
        var cache = engine.Start([a, b]);
        var both = engine.Step(cache, [0, 0]).ToArray();
        int v = model.Config.VocabSize;
        var alone = Recompute(model, b, [0]);
        for (int i = 0; i < v; i++) Assert.Equal(alone[i], both[v + i], 1e-4);
    }

    /// <summary>
    /// A hand-built decoder over tokens {0 = start, 1 = EOS, 2 = A, 3 = B}: after start, A has p 0.6 and B 0.4;
    /// after A, EOS has p 0.5; after B, EOS has p 0.9. Greedy takes A then
    /// EOS with 0.6·0.5 = 0.30; the best output is B EOS with 0.4·0.9 = 0.36.
    /// </summary>
    private sealed class KnownBestDecoder(int rows) : IDecoderStepper
    {
        private int[] _last = new int[rows];
        private readonly float[] _logits = new float[rows * 4];
        public int Rows => rows;
        public int VocabSize => 4;

        public ReadOnlySpan<float> Step(ReadOnlySpan<int> tokens)
        {
            for (int r = 0; r < rows; r++)
            {
                float[] p = tokens[r] switch
                {
                    0 => [1e-9f, 1e-9f, 0.6f, 0.4f],
                    2 => [1e-9f, 0.5f, 0.25f, 0.25f],
                    3 => [1e-9f, 0.9f, 0.05f, 0.05f],
                    _ => [1e-9f, 1f, 1e-9f, 1e-9f],
                };
                for (int i = 0; i < 4; i++) _logits[r * 4 + i] = MathF.Log(p[i]);
                _last[r] = tokens[r];
            }
            return _logits;
        }

        public void Reorder(ReadOnlySpan<int> parents) => _last = parents.ToArray().Select(p => _last[p]).ToArray();
    }

    [Fact]
    public void BeamSearchFindsTheKnownBestSequenceGreedyMisses()
    {
        var greedy = BeamSearch.Run(new KnownBestDecoder(1), 0, 1, new BeamSearchOptions { Beams = 1, MaxLength = 5, LengthPenalty = 0 });
        Assert.Equal([2], greedy[0].Tokens);           // A EOS: greedy never looks at B
        Assert.Equal(Math.Log(0.6 * 0.5), greedy[0].Score, 1e-5);
        var beam = BeamSearch.Run(new KnownBestDecoder(2), 0, 1, new BeamSearchOptions { Beams = 2, MaxLength = 5, LengthPenalty = 0 });
        Assert.Equal([3], beam[0].Tokens);             // B EOS
        Assert.Equal(Math.Log(0.4 * 0.9), beam[0].Score, 1e-5);
    }

    [Fact]
    public void NoRepeatNgramBansCompletingARepeatedNgram()
    {
        var logp = new float[6];
        BeamSearch.BanRepeatedNgrams([1, 2, 3, 1, 2], 3, logp);    // "1 2" was followed by 3 before
        Assert.True(float.IsNegativeInfinity(logp[3]));
        Assert.Equal(5, logp.Count(x => x == 0));
        var unigram = new float[6];
        BeamSearch.BanRepeatedNgrams([4, 5], 1, unigram);
        Assert.True(float.IsNegativeInfinity(unigram[4]) && float.IsNegativeInfinity(unigram[5]));
    }

    [Fact]
    public void CrossAttentionMapRowsArePerSourceProbabilities()
    {
        var model = Model("bart");
        int[] source = [5, 9, 3, 12];
        var engine = new Seq2SeqEngine(model, 1, 4);
        var cache = engine.Start([source]);
        var map = new float[model.Config.DecoderLayers * model.Config.Heads * source.Length];
        engine.CrossAttentionProbabilities = map;
        engine.Step(cache, [model.Config.DecoderStartTokenId]);
        for (int row = 0; row < map.Length / source.Length; row++)
            Assert.Equal(1.0, map.AsSpan(row * source.Length, source.Length).ToArray().Sum(), 1e-5);
    }
}
