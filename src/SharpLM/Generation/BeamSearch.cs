using SharpLM.Kernels;

namespace SharpLM.Generation;

/// <summary>One finished beam-search output: its tokens (EOS excluded) and its length-normalized log-probability.</summary>
public sealed record BeamHypothesis(int[] Tokens, double Score);

/// <summary>
/// Beam search: keeps the B most probable partial outputs (by summed log-probability), all B
/// fed through the decoder together as B rows; each step every beam proposes its best
/// continuations, the best 2B of all B·V go forward, those ending in EOS become finished
/// hypotheses (scored <c>Σ log p / length^α</c>) and the best B others become the next beams,
/// the decoder's cache reordered to follow their parents.
/// </summary>
public static class BeamSearch
{
    /// <summary>Runs beam search from <paramref name="startToken"/> until EOS / the stopping rule; returns the finished hypotheses, best first.</summary>
    public static IReadOnlyList<BeamHypothesis> Run(IDecoderStepper decoder, int startToken, int eosToken, BeamSearchOptions options)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        options = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        int beams = options.Beams, v = decoder.VocabSize;
        if (decoder.Rows != beams) throw new ArgumentException($"beam search with {beams} beams needs a decoder with {beams} rows, got {decoder.Rows}.");
        var histories = Enumerable.Range(0, beams).Select(_ => new List<int>()).ToArray();
        var scores = new double[beams];
        for (int b = 1; b < beams; b++) scores[b] = double.NegativeInfinity;   // at first only one distinct beam
        var finished = new List<BeamHypothesis>();
        var tokens = new int[beams];
        Array.Fill(tokens, startToken);
        var logProbs = new float[v];
        var candidates = new List<(double Score, int Beam, int Token)>(2 * beams * 2);
        var parents = new int[beams];

        for (int step = 0; step < options.MaxLength; step++)
        {
            var logits = decoder.Step(tokens);
            candidates.Clear();
            for (int b = 0; b < beams; b++)
            {
                if (double.IsNegativeInfinity(scores[b])) continue;
                LogSoftmax(logits.Slice(b * v, v), logProbs);
                if (options.NoRepeatNgramSize > 0) BanRepeatedNgrams(histories[b], options.NoRepeatNgramSize, logProbs);
                TopK(logProbs, 2 * beams, scores[b], b, candidates);
            }
            candidates.Sort((x, y) => y.Score.CompareTo(x.Score));
            var next = new List<(double Score, int Beam, int Token)>(beams);
            for (int i = 0; i < candidates.Count && next.Count < beams; i++)
            {
                var cand = candidates[i];
                if (double.IsNegativeInfinity(cand.Score)) break;
                if (cand.Token == eosToken)
                {
                    if (i < beams) Add(finished, new BeamHypothesis(histories[cand.Beam].ToArray(), Normalize(cand.Score, histories[cand.Beam].Count + 1, options.LengthPenalty)), beams);
                    continue;
                }
                next.Add(cand);
            }
            if (Done(finished, next, step + 1, options)) break;
            if (step == options.MaxLength - 1)
            {
                foreach (var c in next) Add(finished, new BeamHypothesis([.. histories[c.Beam], c.Token], Normalize(c.Score, histories[c.Beam].Count + 1, options.LengthPenalty)), beams);
                break;
            }
            var newHistories = new List<int>[beams];
            for (int b = 0; b < beams; b++)
            {
                if (b < next.Count)
                {
                    var c = next[b];
                    parents[b] = c.Beam;
                    newHistories[b] = [.. histories[c.Beam], c.Token];
                    scores[b] = c.Score;
                    tokens[b] = c.Token;
                }
                else { parents[b] = 0; newHistories[b] = [.. histories[0]]; scores[b] = double.NegativeInfinity; tokens[b] = startToken; }
            }
            histories = newHistories;
            decoder.Reorder(parents);
        }
        return finished.OrderByDescending(h => h.Score).ToList();
    }

    /// <summary>Length normalization: <c>score / length^α</c>.</summary>
    public static double Normalize(double sumLogProb, int length, float lengthPenalty) => sumLogProb / Math.Pow(Math.Max(1, length), lengthPenalty);

    private static bool Done(List<BeamHypothesis> finished, List<(double Score, int Beam, int Token)> next, int length, BeamSearchOptions options)
    {
        if (next.Count == 0) return true;
        if (finished.Count < options.Beams) return false;
        if (options.EarlyStopping) return true;
        // No live beam can beat the worst finished one any more (log-probabilities only fall; with α ≥ 0 the best case is now).
        double worst = finished.Min(h => h.Score);
        double bestLive = Normalize(next.Max(c => c.Score), length, options.LengthPenalty);
        return bestLive <= worst;
    }

    private static void Add(List<BeamHypothesis> finished, BeamHypothesis h, int beams)
    {
        finished.Add(h);
        if (finished.Count > beams) finished.Remove(finished.MinBy(x => x.Score)!);
    }

    private static unsafe void LogSoftmax(ReadOnlySpan<float> logits, float[] output)
    {
        fixed (float* x = logits, y = output) Softmax.LogRows(x, y, 1, logits.Length);
    }

    /// <summary>Adds the k best (beam score + log p) continuations of one beam.</summary>
    private static void TopK(float[] logProbs, int k, double beamScore, int beam, List<(double, int, int)> into)
    {
        var best = new List<(float LogProb, int Token)>(k + 1);
        for (int id = 0; id < logProbs.Length; id++)
        {
            float lp = logProbs[id];
            if (float.IsNegativeInfinity(lp) || (best.Count == k && lp <= best[^1].LogProb)) continue;
            int at = best.Count;
            while (at > 0 && best[at - 1].LogProb < lp) at--;
            best.Insert(at, (lp, id));
            if (best.Count > k) best.RemoveAt(k);
        }
        foreach (var (lp, id) in best) into.Add((beamScore + lp, beam, id));
    }

    /// <summary>Sets log p = −∞ for every token that would complete an n-gram already in <paramref name="history"/>.</summary>
    public static void BanRepeatedNgrams(IReadOnlyList<int> history, int n, Span<float> logProbs)
    {
        if (n < 1 || history.Count < n - 1) return;
        if (n == 1) { foreach (int id in history) logProbs[id] = float.NegativeInfinity; return; }
        int prefixStart = history.Count - (n - 1);
        for (int i = 0; i + n <= history.Count; i++)
        {
            bool match = true;
            for (int j = 0; j < n - 1 && match; j++) match = history[i + j] == history[prefixStart + j];
            if (match) logProbs[history[i + n - 1]] = float.NegativeInfinity;
        }
    }
}
