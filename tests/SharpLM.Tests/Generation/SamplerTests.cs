using SharpLM.Generation;
using SharpLM.Tensors;

namespace SharpLM.Tests.Generation;

public class SamplerTests
{
    // Probabilities 0.4, 0.25, 0.15, 0.1, 0.06, 0.04 placed at scrambled ids.
    private static readonly int[] Ids = [4, 0, 5, 2, 1, 3];
    private static readonly float[] Probs = [0.4f, 0.25f, 0.15f, 0.1f, 0.06f, 0.04f];

    private static float[] Logits()
    {
        var logits = new float[6];
        for (int i = 0; i < 6; i++) logits[Ids[i]] = MathF.Log(Probs[i]) + 3f; // any shift: softmax ignores it
        return logits;
    }

    private static int[] Kept(SamplerOptions o, float[] logits, int[]? history = null)
    {
        var s = new Sampler(logits.Length, o);
        s.Filter(logits, history ?? []);
        var kept = s.Candidates.ToArray();
        Assert.Equal(1.0, kept.Sum(c => (double)c.Probability), 5);
        return kept.Select(c => c.Id).Order().ToArray();
    }

    private static int[] IdsOf(int count) => Ids.Take(count).Order().ToArray();

    [Theory]
    [InlineData(0.39f, 1)]
    [InlineData(0.41f, 2)]
    [InlineData(0.64f, 2)]
    [InlineData(0.66f, 3)]
    [InlineData(0.79f, 3)]
    [InlineData(0.81f, 4)]
    [InlineData(0.97f, 6)]
    public void TopPKeepsExactlyTheSmallestSetWhoseMassReachesP(float p, int expected)
    {
        Assert.Equal(IdsOf(expected), Kept(new SamplerOptions { TopP = p }, Logits()));
    }

    [Fact]
    public void TopPMatchesABruteForceNucleusOnALargeVocabulary()
    {
        var rng = new Rng(3);
        var logits = new float[2000];
        for (int i = 0; i < logits.Length; i++) logits[i] = (float)(rng.NextNormal() * 2.5);
        var probs = SoftmaxDouble(logits);
        foreach (var p in new[] { 0.1f, 0.5f, 0.9f, 0.99f })
        {
            var order = Enumerable.Range(0, probs.Length).OrderByDescending(i => probs[i]).ToArray();
            double mass = 0;
            int m = 0;
            while (mass < p) mass += probs[order[m++]];
            Assert.Equal(order.Take(m).Order().ToArray(), Kept(new SamplerOptions { TopP = p }, logits));
        }
    }

    [Theory]
    [InlineData(0.3f, 3)]   // threshold 0.12: keeps 0.4, 0.25, 0.15
    [InlineData(0.2f, 4)]   // threshold 0.08: also 0.1
    [InlineData(0.14f, 5)]  // threshold 0.056: also 0.06
    [InlineData(0.9f, 1)]
    public void MinPDropsExactlyTheTokensBelowMinPTimesTheMax(float minP, int expected)
    {
        Assert.Equal(IdsOf(expected), Kept(new SamplerOptions { MinP = minP }, Logits()));
    }

    [Fact]
    public void TopKKeepsTheKMostLikelyInOrder()
    {
        var rng = new Rng(9);
        var logits = new float[500];
        for (int i = 0; i < logits.Length; i++) logits[i] = (float)rng.NextNormal();
        foreach (var k in new[] { 1, 7, 40, 499 })
        {
            var s = new Sampler(logits.Length, new SamplerOptions { TopK = k });
            s.Filter(logits, []);
            var expected = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).Take(k).ToArray();
            Assert.Equal(expected, s.Candidates.ToArray().Select(c => c.Id).ToArray());
        }
        Assert.Equal(IdsOf(2), Kept(new SamplerOptions { TopK = 2 }, Logits()));
    }

    [Fact]
    public void StagesComposeInOrderTopKThenTopPThenMinP()
    {
        // After top-k = 3 the kept mass renormalizes to 0.5, 0.3125, 0.1875: top-p 0.75 then keeps 2 (0.8125 ≥ 0.75),
        // whereas top-p alone at 0.75 keeps 3 (0.4 + 0.25 = 0.65 < 0.75).
        Assert.Equal(IdsOf(2), Kept(new SamplerOptions { TopK = 3, TopP = 0.75f }, Logits()));
        Assert.Equal(IdsOf(3), Kept(new SamplerOptions { TopP = 0.75f }, Logits()));
        // min-p after top-p: of {0.4, 0.25, 0.15} min-p 0.5 drops 0.15 (and 0.25 ≥ 0.2 stays).
        Assert.Equal(IdsOf(2), Kept(new SamplerOptions { TopP = 0.75f, MinP = 0.5f }, Logits()));
    }

    [Fact]
    public void TemperatureRescalesTheLogitsBeforeSoftmax()
    {
        var logits = new float[] { 1f, 2f, 0.5f, -1f };
        foreach (var temperature in new[] { 0.5f, 1f, 2f })
        {
            var s = new Sampler(4, new SamplerOptions { Temperature = temperature });
            s.Filter(logits, []);
            var expected = SoftmaxDouble(logits.Select(l => l / temperature).ToArray());
            foreach (var c in s.Candidates) Assert.Equal(expected[c.Id], c.Probability, 5);
        }
        var greedy = new Sampler(4, SamplerOptions.Greedy);
        Assert.Equal(1, greedy.Sample(logits, []));
    }

    [Fact]
    public void PenaltiesChangeExactlyTheLogitsOfTokensInTheWindow()
    {
        var logits = new float[] { 1.5f, -2f, 0.7f, 3f, -0.4f, 2f, 0.1f, -1f, 0.9f, 1.2f };
        int[] history = [8, 3, 5, 3, 1, 3];
        var o = new SamplerOptions { RepetitionPenalty = 2f, FrequencyPenalty = 0.5f, PresencePenalty = 0.25f, PenaltyWindow = 5 };
        var s = new Sampler(logits.Length, o);
        var adjusted = logits.ToArray();
        s.ApplyPenalties(adjusted, history);
        // Window = last 5: [3, 5, 3, 1, 3] — token 8 fell out of it. Counts: 3→3, 5→1, 1→1.
        var expected = logits.ToArray();
        expected[3] = 3f / 2f - 3 * 0.5f - 0.25f;
        expected[5] = 2f / 2f - 1 * 0.5f - 0.25f;
        expected[1] = -2f * 2f - 1 * 0.5f - 0.25f;   // a negative logit is multiplied, pushing it further down
        Assert.Equal(expected, adjusted);
        // The sampler uses the same adjusted logits, and its scratch counts are clean for the next call.
        s.Filter(logits, history);
        Assert.Equal(expected, s.AdjustedLogits.ToArray());
        s.Filter(logits, history);
        Assert.Equal(expected, s.AdjustedLogits.ToArray());
    }

    [Fact]
    public void DrawsFollowTheDistributionAndASeedReproduces()
    {
        var logits = new[] { MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.2f) };
        var s = new Sampler(3, new SamplerOptions { Seed = 77 });
        var counts = new int[3];
        var first = new int[50];
        for (int i = 0; i < 20000; i++)
        {
            int id = s.Sample(logits, []);
            counts[id]++;
            if (i < 50) first[i] = id;
        }
        Assert.Equal(0.5, counts[0] / 20000.0, 1.5e-2);
        Assert.Equal(0.3, counts[1] / 20000.0, 1.5e-2);
        Assert.Equal(0.2, counts[2] / 20000.0, 1.5e-2);
        var again = new Sampler(3, new SamplerOptions { Seed = 77 });
        Assert.Equal(first, Enumerable.Range(0, 50).Select(_ => again.Sample(logits, [])).ToArray());
    }

    [Fact]
    public void BadOptionsAreRejectedByName()
    {
        Assert.Contains("top-p", Assert.Throws<ArgumentException>(() => new SamplerOptions { TopP = 0f }.Validate()).Message);
        Assert.Contains("temperature", Assert.Throws<ArgumentException>(() => new SamplerOptions { Temperature = -1f }.Validate()).Message);
        Assert.Contains("min-p", Assert.Throws<ArgumentException>(() => new SamplerOptions { MinP = 2f }.Validate()).Message);
        Assert.Contains("top-k", Assert.Throws<ArgumentException>(() => new SamplerOptions { TopK = -3 }.Validate()).Message);
    }

    private static double[] SoftmaxDouble(float[] logits)
    {
        double max = logits.Max();
        var e = logits.Select(l => Math.Exp(l - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }
}
