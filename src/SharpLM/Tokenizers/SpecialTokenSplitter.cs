namespace SharpLM.Tokenizers;

/// <summary>
/// Finds special tokens (like <c>&lt;|endoftext|&gt;</c>) inside text when the caller allows them,
/// and hands the ordinary text between them to the tokenizer's normal path.
/// </summary>
internal static class SpecialTokenSplitter
{
    /// <summary>Calls <paramref name="ordinary"/> for each plain stretch and <paramref name="special"/> for each special token id, in order.</summary>
    public static void Split(string text, IReadOnlyDictionary<string, int> specials,
        Action<int, int> ordinary, Action<int> special)
    {
        int pos = 0;
        while (pos < text.Length)
        {
            int bestAt = -1, bestLen = 0, bestId = -1;
            foreach (var (s, id) in specials)
            {
                if (s.Length == 0) continue;
                int at = text.IndexOf(s, pos, StringComparison.Ordinal);
                // Earliest match wins; at the same place the longest special wins.
                if (at >= 0 && (bestAt < 0 || at < bestAt || (at == bestAt && s.Length > bestLen)))
                {
                    bestAt = at; bestLen = s.Length; bestId = id;
                }
            }
            if (bestAt < 0) { ordinary(pos, text.Length - pos); return; }
            if (bestAt > pos) ordinary(pos, bestAt - pos);
            special(bestId);
            pos = bestAt + bestLen;
        }
    }
}
