using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>
/// BART's pretraining noise: sentence permutation (the document's sentences shuffled) then text
/// infilling — about <see cref="MaskRatio"/> of the tokens are covered by spans whose lengths are
/// drawn from Poisson(λ = <see cref="PoissonLambda"/>), each span replaced by a single mask token;
/// a span of length 0 inserts a mask token, so the model also learns how many tokens are missing.
/// The target is the original, unpermuted document.
/// </summary>
public sealed class TextInfilling
{
    /// <summary>Creates the noise (BART's defaults: 30 % masked, λ = 3, sentences permuted).</summary>
    public TextInfilling(int maskId, double maskRatio = 0.3, double poissonLambda = 3.0, bool permuteSentences = true)
    {
        if (maskRatio is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(maskRatio), $"mask ratio {maskRatio} must be in (0, 1).");
        if (poissonLambda <= 0) throw new ArgumentOutOfRangeException(nameof(poissonLambda), $"Poisson λ {poissonLambda} must be > 0.");
        MaskId = maskId;
        MaskRatio = maskRatio;
        PoissonLambda = poissonLambda;
        PermuteSentences = permuteSentences;
    }

    /// <summary>The mask token id (<c>&lt;mask&gt;</c>).</summary>
    public int MaskId { get; }

    /// <summary>Fraction of tokens covered by masked spans (0.3).</summary>
    public double MaskRatio { get; }

    /// <summary>Mean span length λ of the Poisson distribution (3).</summary>
    public double PoissonLambda { get; }

    /// <summary>Whether sentences are shuffled before infilling.</summary>
    public bool PermuteSentences { get; }

    /// <summary>One draw from Poisson(λ) (Knuth's multiplication method; fine for small λ).</summary>
    public static int Poisson(double lambda, Rng rng)
    {
        double limit = Math.Exp(-lambda), product = rng.NextDouble();
        int k = 0;
        while (product > limit) { k++; product *= rng.NextDouble(); }
        return k;
    }

    /// <summary>The span lengths for a document of <paramref name="length"/> tokens: Poisson draws until they cover ⌈ratio·length⌉ tokens, the last one trimmed to fit.</summary>
    public List<int> SpanLengths(int length, Rng rng)
    {
        int budget = (int)Math.Ceiling(length * MaskRatio), covered = 0;
        var spans = new List<int>();
        while (covered < budget)
        {
            int span = Math.Min(Poisson(PoissonLambda, rng), budget - covered);
            spans.Add(span);
            covered += span;
        }
        return spans;
    }

    /// <summary>
    /// Noises a document given as sentences of token ids: returns the noised input (permuted,
    /// infilled) and the target (the sentences in their original order, concatenated). Spans are
    /// placed at random starts; spans that touch or overlap merge into one masked run (one mask token).
    /// </summary>
    public (int[] Input, int[] Target) Apply(IReadOnlyList<int[]> sentences, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        var target = sentences.SelectMany(s => s).ToArray();
        var order = Enumerable.Range(0, sentences.Count).ToArray();
        if (PermuteSentences)
            for (int i = order.Length - 1; i > 0; i--) { int j = rng.NextInt(i + 1); (order[i], order[j]) = (order[j], order[i]); }
        var tokens = order.SelectMany(i => sentences[i]).ToArray();
        return (Infill(tokens, rng), target);
    }

    /// <summary>
    /// Text infilling of one token sequence (no permutation). The non-empty spans cover exactly
    /// ⌈ratio·n⌉ tokens and never touch (at least one kept token between two), so each becomes its
    /// own mask token; a zero-length span inserts a mask token at a random place between kept tokens.
    /// </summary>
    public int[] Infill(ReadOnlySpan<int> tokens, Rng rng)
    {
        int n = tokens.Length;
        if (n == 0) return [];
        var lengths = SpanLengths(n, rng);
        int inserts = lengths.Count(l => l == 0);
        var spans = lengths.Where(l => l > 0).ToList();
        int masked = spans.Sum();
        // Too many spans to keep them apart: merge the last two until they fit.
        while (spans.Count > 1 && n - masked < spans.Count - 1) { spans[^2] += spans[^1]; spans.RemoveAt(spans.Count - 1); }
        for (int i = spans.Count - 1; i > 0; i--) { int j = rng.NextInt(i + 1); (spans[i], spans[j]) = (spans[j], spans[i]); }
        // Kept tokens around the k spans: k + 1 gaps, the inner ones at least 1 long.
        int k = spans.Count, free = n - masked - Math.Max(0, k - 1);
        var gaps = SpanCorruption.RandomSegmentation(free + k + 1, k + 1, rng);
        for (int g = 0; g <= k; g++) gaps[g] += (g > 0 && g < k ? 1 : 0) - 1;
        var insertAt = new int[inserts];                // zero-length spans go before kept-token number insertAt[i]
        for (int i = 0; i < inserts; i++) insertAt[i] = rng.NextInt(n - masked + 1);
        Array.Sort(insertAt);

        var result = new List<int>(n);
        int at = 0, kept = 0, nextInsert = 0;
        void Keep(int count, ReadOnlySpan<int> source)
        {
            for (int c = 0; c < count; c++)
            {
                while (nextInsert < inserts && insertAt[nextInsert] == kept) { result.Add(MaskId); nextInsert++; }
                result.Add(source[at++]);
                kept++;
            }
        }
        for (int s = 0; s < k; s++)
        {
            Keep(gaps[s], tokens);
            result.Add(MaskId);
            at += spans[s];
        }
        Keep(gaps[k], tokens);
        while (nextInsert++ < inserts) result.Add(MaskId);
        return result.ToArray();
    }
}
