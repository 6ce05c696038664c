using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>
/// T5's pretraining noise, span corruption: about <see cref="NoiseDensity"/> of the tokens, in
/// spans of mean length <see cref="MeanSpanLength"/>, are cut out of the input; each cut span is
/// replaced by one sentinel (<c>&lt;extra_id_0&gt;</c>, <c>&lt;extra_id_1&gt;</c>, …) and the target
/// lists the cut spans, each after its sentinel: "Thank you &lt;X&gt; me to your party &lt;Y&gt;"
/// → "&lt;X&gt; for inviting &lt;Y&gt; last". Follows T5's <c>random_spans_noise_mask</c>: the counts
/// are fixed by the length, the spans alternate kept/noise starting with a kept one, and both
/// sets of span lengths are uniform random compositions.
/// </summary>
public sealed class SpanCorruption
{
    /// <summary>Creates the noise with T5's defaults (15 % of tokens, mean span 3) and the given sentinel and end-of-sequence ids.</summary>
    public SpanCorruption(IReadOnlyList<int> sentinelIds, int eosId, double noiseDensity = 0.15, double meanSpanLength = 3.0)
    {
        ArgumentNullException.ThrowIfNull(sentinelIds);
        if (sentinelIds.Count == 0) throw new ArgumentException("span corruption needs sentinel tokens (<extra_id_0>, …); the tokenizer has none.", nameof(sentinelIds));
        if (noiseDensity is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(noiseDensity), $"noise density {noiseDensity} must be in (0, 1).");
        if (meanSpanLength < 1) throw new ArgumentOutOfRangeException(nameof(meanSpanLength), $"mean span length {meanSpanLength} must be ≥ 1.");
        SentinelIds = sentinelIds;
        EosId = eosId;
        NoiseDensity = noiseDensity;
        MeanSpanLength = meanSpanLength;
    }

    /// <summary>Sentinel ids in order: <c>&lt;extra_id_0&gt;</c> first.</summary>
    public IReadOnlyList<int> SentinelIds { get; }

    /// <summary>The end-of-sequence id appended to input and target.</summary>
    public int EosId { get; }

    /// <summary>Fraction of tokens that become noise (0.15).</summary>
    public double NoiseDensity { get; }

    /// <summary>Mean length of a noise span (3).</summary>
    public double MeanSpanLength { get; }

    /// <summary>
    /// The noise mask of a sequence of <paramref name="length"/> tokens (true = cut out), as T5's
    /// <c>random_spans_noise_mask</c>: round(length·density) noise tokens (at least 1, at most
    /// length − 1) in round(noise/mean) spans (at least 1, at most the sentinels available).
    /// </summary>
    public bool[] NoiseMask(int length, Rng rng)
    {
        if (length < 2) return new bool[Math.Max(0, length)];
        int noise = (int)Math.Round(length * NoiseDensity);
        noise = Math.Clamp(noise, 1, length - 1);
        int spans = Math.Max(1, (int)Math.Round(noise / MeanSpanLength));
        spans = Math.Min(spans, Math.Min(noise, Math.Min(length - noise, SentinelIds.Count)));
        var noiseLengths = RandomSegmentation(noise, spans, rng);
        var keptLengths = RandomSegmentation(length - noise, spans, rng);
        var mask = new bool[length];
        int at = 0;
        for (int s = 0; s < spans; s++)
        {
            at += keptLengths[s];
            for (int i = 0; i < noiseLengths[s]; i++) mask[at++] = true;
        }
        return mask;
    }

    /// <summary>Splits <paramref name="items"/> into <paramref name="segments"/> non-empty parts, uniformly over all such compositions.</summary>
    public static int[] RandomSegmentation(int items, int segments, Rng rng)
    {
        if (segments < 1 || segments > items) throw new ArgumentOutOfRangeException(nameof(segments), $"cannot split {items} items into {segments} non-empty segments.");
        // Choose segments − 1 of the items − 1 gaps as cut points (a shuffled prefix of the gaps).
        var gaps = Enumerable.Range(1, items - 1).ToArray();
        for (int i = 0; i < segments - 1; i++)
        {
            int j = i + rng.NextInt(gaps.Length - i);
            (gaps[i], gaps[j]) = (gaps[j], gaps[i]);
        }
        var cuts = gaps.AsSpan(0, segments - 1).ToArray();
        Array.Sort(cuts);
        var lengths = new int[segments];
        int previous = 0;
        for (int s = 0; s < segments - 1; s++) { lengths[s] = cuts[s] - previous; previous = cuts[s]; }
        lengths[^1] = items - previous;
        return lengths;
    }

    /// <summary>
    /// Corrupts <paramref name="tokens"/> with a fresh mask: the input keeps the kept tokens with one
    /// sentinel per noise span, the target holds each noise span after its sentinel; both end with EOS.
    /// </summary>
    public (int[] Input, int[] Target) Apply(ReadOnlySpan<int> tokens, Rng rng)
    {
        var mask = NoiseMask(tokens.Length, rng);
        return (Replace(tokens, mask, replaceNoise: true), Replace(tokens, mask, replaceNoise: false));
    }

    /// <summary>
    /// Keeps the tokens on one side of the mask and replaces each run on the other side by the next
    /// sentinel (T5's <c>noise_span_to_unique_sentinel</c> / <c>nonnoise_span_to_unique_sentinel</c>), then EOS.
    /// </summary>
    private int[] Replace(ReadOnlySpan<int> tokens, bool[] mask, bool replaceNoise)
    {
        var result = new List<int>(tokens.Length + 2);
        int sentinel = 0;
        for (int i = 0; i < tokens.Length; i++)
        {
            bool replaced = mask[i] == replaceNoise;
            if (!replaced) { result.Add(tokens[i]); continue; }
            if (i == 0 || mask[i - 1] != mask[i]) result.Add(SentinelIds[Math.Min(sentinel++, SentinelIds.Count - 1)]);
        }
        result.Add(EosId);
        return result.ToArray();
    }

    /// <summary>The sentinel ids of a tokenizer: <c>&lt;extra_id_0&gt;</c>, <c>&lt;extra_id_1&gt;</c>, … for as long as they exist.</summary>
    public static int[] SentinelsOf(IReadOnlyDictionary<string, int> specialTokens)
    {
        var ids = new List<int>();
        while (specialTokens.TryGetValue($"<extra_id_{ids.Count}>", out int id)) ids.Add(id);
        return ids.ToArray();
    }
}
