using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Training;

namespace SharpLM.Tests.Seq2Seq;

/// <summary>T5 span corruption, BART text infilling + sentence permutation, and teacher forcing's shift-right.</summary>
public class PretrainingNoiseTests
{
    private static readonly int[] Sentinels = Enumerable.Range(0, 100).Select(i => 1000 - i).ToArray();
    private const int Eos = 1;

    [Fact]
    public void SpanCorruptionCountsFollowT5()
    {
        var noise = new SpanCorruption(Sentinels, Eos);
        var rng = new Rng(1);
        for (int trial = 0; trial < 200; trial++)
        {
            var mask = noise.NoiseMask(100, rng);
            Assert.Equal(15, mask.Count(m => m));                    // round(100·0.15)
            Assert.False(mask[0]);                                   // spans start with a kept one
            int spans = Enumerable.Range(0, 100).Count(i => mask[i] && (i == 0 || !mask[i - 1]));
            Assert.Equal(5, spans);                                  // round(15 / 3)
        }
        // T5's edge rules: at least one noise token, at least one kept token.
        Assert.Equal(1, noise.NoiseMask(3, rng).Count(m => m));
        Assert.Equal(1, noise.NoiseMask(2, rng).Count(m => m));
    }

    [Fact]
    public void SpanCorruptionSpreadsNoiseEvenlyWithMeanSpanThree()
    {
        var noise = new SpanCorruption(Sentinels, Eos);
        var rng = new Rng(2);
        int length = 200, trials = 3000;
        var perPosition = new int[length];
        long spanCount = 0, noiseCount = 0;
        var spanLengthHistogram = new int[length];
        for (int t = 0; t < trials; t++)
        {
            var mask = noise.NoiseMask(length, rng);
            int run = 0;
            for (int i = 0; i < length; i++)
            {
                if (mask[i]) { perPosition[i]++; noiseCount++; run++; }
                if (run > 0 && (!mask[i] || i == length - 1)) { spanCount++; spanLengthHistogram[run]++; run = 0; }
            }
        }
        Assert.Equal(3.0, noiseCount / (double)spanCount, 1);       // 30 noise tokens in 10 spans
        // Span lengths are a random composition: lengths 1..5 all occur, mean 3.
        for (int len = 1; len <= 5; len++) Assert.True(spanLengthHistogram[len] > 0, $"no span of length {len}");
        // Away from the ends every position is noise about 15 % of the time.
        for (int i = 20; i < length - 20; i++)
            Assert.InRange(perPosition[i] / (double)trials, 0.11, 0.19);
    }

    [Fact]
    public void SpanCorruptionInputAndTargetReassembleTheText()
    {
        var noise = new SpanCorruption(Sentinels, Eos);
        var tokens = Enumerable.Range(10, 57).ToArray();
        var (input, target) = noise.Apply(tokens, new Rng(3));
        Assert.Equal(Eos, input[^1]);
        Assert.Equal(Eos, target[^1]);
        Assert.Equal(Sentinels[0], target[0]);                       // the target starts with <extra_id_0>
        // Replace each sentinel of the input by the target's span after the same sentinel.
        var spans = new Dictionary<int, List<int>>();
        int current = -1;
        foreach (int id in target[..^1])
        {
            if (Sentinels.Contains(id)) { current = id; spans[id] = []; }
            else spans[current].Add(id);
        }
        var rebuilt = input[..^1].SelectMany(id => Sentinels.Contains(id) ? spans[id] : [id]).ToArray();
        Assert.Equal(tokens, rebuilt);
        var usedInInput = input.Where(Sentinels.Contains).ToArray();
        Assert.Equal(Sentinels[..usedInInput.Length], usedInInput);  // <extra_id_0>, <extra_id_1>, … in order
    }

    [Fact]
    public void RandomSegmentationIsUniformOverCompositions()
    {
        var rng = new Rng(4);
        var counts = new Dictionary<(int, int), int>();
        for (int t = 0; t < 30000; t++)
        {
            var s = SpanCorruption.RandomSegmentation(4, 2, rng);
            counts[(s[0], s[1])] = counts.GetValueOrDefault((s[0], s[1])) + 1;
        }
        Assert.Equal(3, counts.Count);                                // (1,3), (2,2), (3,1)
        foreach (var c in counts.Values) Assert.InRange(c / 30000.0, 0.31, 0.357);
    }

    [Fact]
    public void PoissonHasMeanAndZeroProbabilityOfLambdaThree()
    {
        var rng = new Rng(5);
        var draws = Enumerable.Range(0, 40000).Select(_ => TextInfilling.Poisson(3, rng)).ToArray();
        Assert.InRange(draws.Average(), 2.95, 3.05);
        Assert.InRange(draws.Count(d => d == 0) / 40000.0, Math.Exp(-3) - 0.006, Math.Exp(-3) + 0.006);
        var variance = draws.Select(d => (d - 3.0) * (d - 3.0)).Average();
        Assert.InRange(variance, 2.85, 3.15);
    }

    [Fact]
    public void InfillingMasksThirtyPercentWithOneMaskPerSpanAndZeroLengthInserts()
    {
        const int mask = 999;
        var noise = new TextInfilling(mask, permuteSentences: false);
        var rng = new Rng(6);
        var tokens = Enumerable.Range(0, 300).ToArray();
        int sawInserts = 0;
        for (int t = 0; t < 300; t++)
        {
            var input = noise.Infill(tokens, rng);
            var kept = input.Where(id => id != mask).ToArray();
            Assert.Equal(300 - 90, kept.Length);                    // ⌈0.3·300⌉ tokens removed
            Assert.True(kept.Zip(kept.Skip(1)).All(p => p.First < p.Second));   // order kept
            // Every run of missing tokens is exactly one mask; extra masks are zero-length inserts.
            var present = kept.ToHashSet();
            int missingRuns = Enumerable.Range(0, 300).Count(i => !present.Contains(i) && (i == 0 || present.Contains(i - 1)));
            int masks = input.Count(id => id == mask);
            int inserts = masks - missingRuns;
            Assert.True(inserts >= 0, $"fewer masks ({masks}) than missing runs ({missingRuns})");
            // A missing run is never split into two masks: between two masks standing for runs there is a kept token.
            Assert.True(missingRuns >= 20, $"only {missingRuns} spans for 90 masked tokens (Poisson(3) spans expected ~30)");
            if (inserts > 0) sawInserts++;
        }
        Assert.True(sawInserts > 30, $"zero-length spans inserted a mask in only {sawInserts} of 300 documents");
    }

    [Fact]
    public void SentencePermutationShufflesInputButNotTarget()
    {
        var noise = new TextInfilling(999);
        int[][] sentences = [[1, 2, 3], [4, 5], [6, 7, 8, 9], [10, 11], [12]];
        var rng = new Rng(7);
        int reordered = 0;
        for (int t = 0; t < 50; t++)
        {
            var (input, target) = noise.Apply(sentences, rng);
            Assert.Equal(Enumerable.Range(1, 12), target);
            var kept = input.Where(id => id != 999).ToArray();
            if (!kept.SequenceEqual(kept.Order())) reordered++;
        }
        Assert.True(reordered > 30, $"sentences were reordered in only {reordered} of 50 documents");
    }

    [Fact]
    public void ShiftRightPutsTheStartTokenFirstAndPadsIgnoredTargets()
    {
        Assert.Equal([0, 5, 6, 7], EncoderDecoderBatch.ShiftRight([5, 6, 7, 1], startToken: 0, padToken: 0));
        Assert.Equal([2, 5, 6, 2, 1], EncoderDecoderBatch.ShiftRight([5, 6, 2, -1, -1], startToken: 2, padToken: 1));
        Assert.Empty(EncoderDecoderBatch.ShiftRight([], 0, 0));
    }
}
