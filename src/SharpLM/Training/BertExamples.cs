using SharpLM.Tokenizers;

namespace SharpLM.Training;

/// <summary>A text (or text pair) ready for a sequence classifier: <c>[CLS] A [SEP] (B [SEP])</c>, segment ids and the label id.</summary>
/// <param name="Ids">Token ids.</param>
/// <param name="TypeIds">Segment ids (0 for A, 1 for B).</param>
/// <param name="Label">Class id.</param>
public sealed record ClassificationExample(int[] Ids, int[] TypeIds, int Label);

/// <summary>
/// A tagged sentence ready for a token classifier: <c>[CLS] pieces [SEP]</c>, the tag id on each
/// word's first WordPiece (−1 on the other pieces and the special tokens, which the loss
/// ignores), where each word starts (−1 when truncated away), and the gold tags by word.
/// </summary>
/// <param name="Ids">Token ids.</param>
/// <param name="Targets">Tag id per position, or −1.</param>
/// <param name="WordStarts">Position of each word's first piece, or −1 when it did not fit.</param>
/// <param name="GoldTags">The sentence's tags by word.</param>
public sealed record TokenExample(int[] Ids, int[] Targets, int[] WordStarts, string[] GoldTags);

/// <summary>Turns labeled texts and tagged sentences into model inputs with a WordPiece tokenizer, with errors that name the example.</summary>
public static class BertExamples
{
    /// <summary>
    /// Label ids from the training labels: sorted ordinally; for tags, <c>O</c> first. The order is
    /// the classifier's output order and config.json's id2label.
    /// </summary>
    public static string[] LabelSet(IEnumerable<string> labels)
    {
        var set = labels.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (set.Remove("O")) set.Insert(0, "O");
        return set.ToArray();
    }

    /// <summary>The id of every label, with an error naming <paramref name="source"/> when one was never seen in training.</summary>
    public static int LabelId(IReadOnlyDictionary<string, int> ids, string label, string source) =>
        ids.TryGetValue(label, out int id) ? id
        : throw new InvalidDataException($"{source}: label '{label}' never occurs in the training data (known labels: {string.Join(", ", ids.Keys.Take(20))}{(ids.Count > 20 ? ", …" : "")}).");

    /// <summary>
    /// Encodes one labeled text; when <c>[CLS] A [SEP] B [SEP]</c> is longer than
    /// <paramref name="maxLength"/> it throws naming the example, unless <paramref name="truncate"/>
    /// (then the longer side loses tokens from its end).
    /// </summary>
    public static ClassificationExample Classification(WordPieceTokenizer tokenizer, LabeledText row, int label, int maxLength, bool truncate, string source)
    {
        var a = tokenizer.Encode(row.Text);
        var b = row.Pair is null ? null : tokenizer.Encode(row.Pair);
        int cls = Special(tokenizer, "[CLS]"), sep = Special(tokenizer, "[SEP]");
        int length = a.Length + 2 + (b is null ? 0 : b.Length + 1);
        if (length > maxLength && !truncate)
            throw new InvalidDataException($"{source}, line {row.Line}: the {(b is null ? "text" : "text pair")} is {length} tokens with [CLS]/[SEP], longer than the max length {maxLength} (raise --max-length or pass --truncate).");
        if (b is null)
        {
            int keep = Math.Min(a.Length, maxLength - 2);
            var ids = new int[keep + 2];
            ids[0] = cls;
            a.AsSpan(0, keep).CopyTo(ids.AsSpan(1));
            ids[^1] = sep;
            return new ClassificationExample(ids, new int[ids.Length], label);
        }
        var (pairIds, types) = SentencePairs.Join(a, b, cls, sep, maxLength);
        return new ClassificationExample(pairIds, types, label);
    }

    /// <summary>Encodes one tagged sentence, labeling each word's first piece; words past <paramref name="maxLength"/> are dropped (WordStarts −1).</summary>
    public static TokenExample Tagged(WordPieceTokenizer tokenizer, TaggedSentence sentence, IReadOnlyDictionary<string, int> tagIds, int maxLength, string source)
    {
        var ids = new List<int> { Special(tokenizer, "[CLS]") };
        var targets = new List<int> { -1 };
        var starts = new int[sentence.Words.Length];
        for (int w = 0; w < sentence.Words.Length; w++)
        {
            int tag = LabelId(tagIds, sentence.Tags[w], source);
            var pieces = tokenizer.Encode(sentence.Words[w]);
            if (pieces.Length == 0 || ids.Count + pieces.Length > maxLength - 1) { starts[w] = -1; continue; }
            starts[w] = ids.Count;
            for (int p = 0; p < pieces.Length; p++) { ids.Add(pieces[p]); targets.Add(p == 0 ? tag : -1); }
        }
        ids.Add(Special(tokenizer, "[SEP]"));
        targets.Add(-1);
        return new TokenExample(ids.ToArray(), targets.ToArray(), starts, sentence.Tags);
    }

    /// <summary>The id of a BERT special token, with a clear error when the vocabulary lacks it.</summary>
    public static int Special(ITokenizer tokenizer, string token) =>
        tokenizer.SpecialTokens.TryGetValue(token, out int id) ? id
        : throw new InvalidDataException($"the tokenizer has no {token} token; a BERT needs a WordPiece vocabulary with [PAD], [UNK], [CLS], [SEP], [MASK].");
}
