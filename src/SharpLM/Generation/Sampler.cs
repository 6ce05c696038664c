using SharpLM.Tensors;

namespace SharpLM.Generation;

/// <summary>
/// Picks the next token from the model's logits with the rule in <see cref="SamplerOptions"/>:
/// penalties adjust logits of recently seen tokens, temperature rescales, softmax turns
/// logits into probabilities, top-k / top-p / min-p drop unlikely tokens, and a seeded
/// random draw chooses among the rest. All scratch space is allocated once, so sampling a
/// token allocates nothing.
/// </summary>
public sealed class Sampler
{
    private static readonly Comparison<TokenProbability> Order = TokenProbability.MostLikelyFirst;
    private readonly float[] _logits;
    private readonly int[] _counts;
    private readonly TokenProbability[] _candidates;
    private readonly Rng _rng;
    private int _count;

    /// <summary>Creates a sampler over a vocabulary of <paramref name="vocabSize"/> tokens.</summary>
    public Sampler(int vocabSize, SamplerOptions options)
    {
        if (vocabSize < 1) throw new ArgumentOutOfRangeException(nameof(vocabSize), $"vocabulary size must be ≥ 1, got {vocabSize}.");
        Options = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        VocabSize = vocabSize;
        _logits = new float[vocabSize];
        _counts = new int[vocabSize];
        _candidates = new TokenProbability[vocabSize];
        _rng = new Rng(options.Seed);
    }

    /// <summary>The decoding rule.</summary>
    public SamplerOptions Options { get; }

    /// <summary>Number of tokens in the vocabulary (V).</summary>
    public int VocabSize { get; }

    /// <summary>The logits after penalties and temperature from the last <see cref="Filter"/> call.</summary>
    public ReadOnlySpan<float> AdjustedLogits => _logits;

    /// <summary>The tokens that survived the last <see cref="Filter"/>, with probabilities renormalized to sum to 1.</summary>
    public ReadOnlySpan<TokenProbability> Candidates => _candidates.AsSpan(0, _count);

    /// <summary>Chooses the next token given the logits and the tokens seen so far (for the penalties).</summary>
    public int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<int> history)
    {
        Filter(logits, history);
        if (_count == 1) return _candidates[0].Id;
        double r = _rng.NextDouble(), cumulative = 0;
        for (int i = 0; i < _count; i++)
        {
            cumulative += _candidates[i].Probability;
            if (r < cumulative) return _candidates[i].Id;
        }
        return _candidates[_count - 1].Id; // rounding: r landed past the last partial sum
    }

    /// <summary>
    /// Runs every stage except the draw and leaves the surviving tokens in <see cref="Candidates"/>.
    /// Returns how many survived.
    /// </summary>
    public int Filter(ReadOnlySpan<float> logits, ReadOnlySpan<int> history)
    {
        if (logits.Length < VocabSize) throw new ArgumentException($"sampler: {logits.Length} logits given, the vocabulary has {VocabSize}.", nameof(logits));
        logits[..VocabSize].CopyTo(_logits);
        var o = Options;
        if (o.HasPenalties) ApplyPenalties(_logits, history);
        if (o.Temperature == 0f)
        {
            int best = 0;
            for (int i = 1; i < VocabSize; i++) if (_logits[i] > _logits[best]) best = i;
            _candidates[0] = new TokenProbability(best, 1f);
            _count = 1;
            return 1;
        }
        if (o.Temperature != 1f)
            for (int i = 0; i < VocabSize; i++) _logits[i] /= o.Temperature;
        Softmax();
        bool sorted = false;
        if (o.TopK > 0 && o.TopK < _count) { KeepTopK(o.TopK); sorted = true; }
        if (o.TopP < 1f) { KeepNucleus(o.TopP, sorted); sorted = true; }
        if (o.MinP > 0f) KeepAboveMinP(o.MinP, sorted);
        return _count;
    }

    /// <summary>
    /// Applies the repetition, frequency and presence penalties to <paramref name="logits"/> for
    /// the tokens in the last <see cref="SamplerOptions.PenaltyWindow"/> entries of
    /// <paramref name="history"/>; every other logit is left exactly as it was.
    /// </summary>
    public void ApplyPenalties(Span<float> logits, ReadOnlySpan<int> history)
    {
        var o = Options;
        var window = o.PenaltyWindow > 0 && history.Length > o.PenaltyWindow ? history[^o.PenaltyWindow..] : history;
        foreach (var id in window)
            if ((uint)id < (uint)VocabSize) _counts[id]++;
        foreach (var id in window)
        {
            if ((uint)id >= (uint)VocabSize || _counts[id] == 0) continue; // outside, or already applied
            float l = logits[id];
            if (o.RepetitionPenalty != 1f) l = l > 0 ? l / o.RepetitionPenalty : l * o.RepetitionPenalty;
            l -= _counts[id] * o.FrequencyPenalty + o.PresencePenalty;
            logits[id] = l;
            _counts[id] = 0;
        }
    }

    private void Softmax()
    {
        float max = float.NegativeInfinity;
        for (int i = 0; i < VocabSize; i++) max = MathF.Max(max, _logits[i]);
        double sum = 0;
        for (int i = 0; i < VocabSize; i++)
        {
            float e = MathF.Exp(_logits[i] - max);
            _candidates[i] = new TokenProbability(i, e);
            sum += e;
        }
        float inv = (float)(1.0 / sum);
        for (int i = 0; i < VocabSize; i++) _candidates[i] = _candidates[i] with { Probability = _candidates[i].Probability * inv };
        _count = VocabSize;
    }

    // Top-k with a size-k min-heap (root = least likely kept), then sorted most likely first.
    private void KeepTopK(int k)
    {
        var c = _candidates;
        for (int i = k / 2 - 1; i >= 0; i--) SiftDown(c, i, k);
        for (int i = k; i < _count; i++)
            if (Order(c[i], c[0]) < 0) { c[0] = c[i]; SiftDown(c, 0, k); }
        _count = k;
        c.AsSpan(0, k).Sort(Order);
        Renormalize();
    }

    private static void SiftDown(TokenProbability[] heap, int i, int n)
    {
        while (true)
        {
            int worst = i, l = 2 * i + 1, r = l + 1;
            if (l < n && Order(heap[l], heap[worst]) > 0) worst = l;
            if (r < n && Order(heap[r], heap[worst]) > 0) worst = r;
            if (worst == i) return;
            (heap[i], heap[worst]) = (heap[worst], heap[i]);
            i = worst;
        }
    }

    // Nucleus: the smallest most-likely-first prefix whose mass reaches p.
    private void KeepNucleus(float p, bool sorted)
    {
        var c = _candidates;
        if (!sorted)
        {
            // A token below (1−p)/(n−1) can never be needed: all such tokens together hold
            // less than 1−p, so the others already reach p (llama2.c's shortcut). Sort only the rest.
            if (_count > 1)
            {
                float cutoff = (1f - p) / (_count - 1);
                int kept = 0;
                for (int i = 0; i < _count; i++) if (c[i].Probability >= cutoff) c[kept++] = c[i];
                _count = kept;
            }
            c.AsSpan(0, _count).Sort(Order);
        }
        double cumulative = 0;
        int m = _count;
        for (int i = 0; i < _count; i++)
        {
            cumulative += c[i].Probability;
            if (cumulative >= p) { m = i + 1; break; }
        }
        _count = m;
        Renormalize();
    }

    // Min-p: drop tokens below min_p × the most likely token's probability.
    private void KeepAboveMinP(float minP, bool sorted)
    {
        var c = _candidates;
        float max = 0;
        if (sorted) max = c[0].Probability;
        else for (int i = 0; i < _count; i++) max = MathF.Max(max, c[i].Probability);
        float threshold = minP * max;
        int kept = 0;
        for (int i = 0; i < _count; i++) if (c[i].Probability >= threshold) c[kept++] = c[i];
        _count = kept;
        Renormalize();
    }

    private void Renormalize()
    {
        double sum = 0;
        for (int i = 0; i < _count; i++) sum += _candidates[i].Probability;
        float inv = (float)(1.0 / sum);
        for (int i = 0; i < _count; i++) _candidates[i] = _candidates[i] with { Probability = _candidates[i].Probability * inv };
    }
}
