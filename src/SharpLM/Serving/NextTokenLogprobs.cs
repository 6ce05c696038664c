namespace SharpLM.Serving;

/// <summary>
/// Log-probabilities of next tokens from raw logits (a log-softmax): what OpenAI's
/// <c>logprobs</c> / <c>top_logprobs</c> report — the chosen token's log-probability and the most
/// likely alternatives at that step, under the model's own distribution.
/// </summary>
public static class NextTokenLogprobs
{
    /// <summary>
    /// The log-probability of <paramref name="chosen"/> and the <paramref name="top"/> most likely
    /// tokens (most likely first, ties by lower id) under softmax(<paramref name="logits"/>).
    /// </summary>
    public static (float Chosen, IdLogprob[] Top) Compute(ReadOnlySpan<float> logits, int chosen, int top)
    {
        if ((uint)chosen >= (uint)logits.Length) throw new ArgumentOutOfRangeException(nameof(chosen), $"token {chosen} is outside the {logits.Length} logits.");
        top = Math.Clamp(top, 0, logits.Length);
        float max = float.NegativeInfinity;
        foreach (var l in logits) max = MathF.Max(max, l);
        double sum = 0;
        foreach (var l in logits) sum += Math.Exp(l - max);
        float logZ = max + (float)Math.Log(sum);

        // The top entries by insertion into a short sorted array: most logits fail the first comparison.
        var best = new IdLogprob[top];
        int n = 0;
        for (int i = 0; i < logits.Length && top > 0; i++)
        {
            float l = logits[i];
            if (n == top && !(l > best[n - 1].Logprob)) continue;
            int at = n == top ? n - 1 : n++;
            while (at > 0 && l > best[at - 1].Logprob) { best[at] = best[at - 1]; at--; }
            best[at] = new IdLogprob(i, l);
        }
        for (int i = 0; i < n; i++) best[i] = best[i] with { Logprob = best[i].Logprob - logZ };
        return (logits[chosen] - logZ, best);
    }
}
