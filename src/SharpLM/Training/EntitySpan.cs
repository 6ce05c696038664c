namespace SharpLM.Training;

/// <summary>A named entity in a text: <paramref name="Length"/> characters from <paramref name="Start"/>, of type <paramref name="Type"/> (e.g. TYPE, PER).</summary>
/// <param name="Start">First character.</param>
/// <param name="Length">Number of characters.</param>
/// <param name="Type">The entity type.</param>
public sealed record EntitySpan(int Start, int Length, string Type);

/// <summary>A sentence of a token-classification (NER) data set: its words and one tag per word (BIO: O, B-TYPE, I-TYPE).</summary>
/// <param name="Words">The words.</param>
/// <param name="Tags">One tag per word.</param>
public sealed partial record TaggedSentence(string[] Words, string[] Tags)
{
    /// <summary>Words of a raw text with their character offsets: runs of letters/digits/underscore, and every other non-space character alone.</summary>
    public static List<(int Start, int Length)> SplitWords(string text) =>
        WordPattern().Matches(text).Select(m => (m.Index, m.Length)).ToList();

    [System.Text.RegularExpressions.GeneratedRegex(@"[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]")]
    private static partial System.Text.RegularExpressions.Regex WordPattern();

    /// <summary>
    /// BIO tags for words at character offsets <paramref name="words"/> of a text with entity
    /// <paramref name="spans"/>: a word inside a span is B- when it is the span's first word, else I-; other words O.
    /// </summary>
    public static string[] TagsFromSpans(IReadOnlyList<(int Start, int Length)> words, IReadOnlyList<EntitySpan> spans)
    {
        var tags = new string[words.Count];
        for (int w = 0; w < words.Count; w++)
        {
            tags[w] = "O";
            var (s, n) = words[w];
            foreach (var span in spans)
            {
                if (s < span.Start || s + n > span.Start + span.Length) continue;
                bool first = w == 0 || words[w - 1].Start < span.Start;
                tags[w] = (first ? "B-" : "I-") + span.Type;
                break;
            }
        }
        return tags;
    }
}
