using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>
/// Next-sentence-prediction pairs from one split's documents (each a list of tokenized
/// sentences): half the time sentence A and the sentence that really follows it (IsNext),
/// half the time A and a random sentence of another document of the same split (NotNext) —
/// so a pair never reaches into held-out documents. <see cref="Join"/> builds
/// <c>[CLS] A [SEP] B [SEP]</c> with segment ids, trimming the longer side to fit.
/// </summary>
public sealed class SentencePairs
{
    private readonly IReadOnlyList<int[][]> _documents;
    private readonly (int Document, int Sentence)[] _starts;

    /// <summary>Indexes <paramref name="documents"/>; needs two documents and at least one with two sentences.</summary>
    public SentencePairs(IReadOnlyList<int[][]> documents, string name)
    {
        ArgumentNullException.ThrowIfNull(documents);
        Name = name;
        _documents = documents;
        if (documents.Count < 2) throw new ArgumentException($"{name}: next-sentence pairs need at least 2 documents, got {documents.Count}.", nameof(documents));
        var starts = new List<(int, int)>();
        for (int d = 0; d < documents.Count; d++)
        {
            var doc = documents[d];
            if (doc.Length == 0 || doc.Any(s => s.Length == 0)) throw new ArgumentException($"{name}: document {d} has an empty sentence or no sentences.", nameof(documents));
            for (int s = 0; s + 1 < doc.Length; s++) starts.Add((d, s));
        }
        if (starts.Count == 0) throw new ArgumentException($"{name}: no document has two consecutive sentences, so there is no IsNext pair.", nameof(documents));
        _starts = starts.ToArray();
        Tokens = documents.Sum(d => d.Sum(s => (long)s.Length));
    }

    /// <summary>What the split is called in errors ("train", "validation").</summary>
    public string Name { get; }

    /// <summary>The documents.</summary>
    public IReadOnlyList<int[][]> Documents => _documents;

    /// <summary>Tokens in all sentences.</summary>
    public long Tokens { get; }

    /// <summary>Draws a pair: IsNext with probability ½, else B from another document.</summary>
    public (int[] A, int[] B, bool IsNext, int DocumentA, int DocumentB) Sample(Rng rng)
    {
        var (d, s) = _starts[rng.NextInt(_starts.Length)];
        var a = _documents[d][s];
        if (rng.NextDouble() < 0.5) return (a, _documents[d][s + 1], true, d, d);
        int other = rng.NextInt(_documents.Count - 1);
        if (other >= d) other++;
        var doc = _documents[other];
        return (a, doc[rng.NextInt(doc.Length)], false, d, other);
    }

    /// <summary>
    /// <c>[CLS] A [SEP] B [SEP]</c> (segment 0 through the first [SEP], 1 after), at most
    /// <paramref name="maxLength"/> ids: while too long, the last token of the longer side goes.
    /// </summary>
    public static (int[] Ids, int[] TypeIds) Join(ReadOnlySpan<int> a, ReadOnlySpan<int> b, int cls, int sep, int maxLength)
    {
        if (maxLength < 5) throw new ArgumentOutOfRangeException(nameof(maxLength), $"a sentence pair needs a max length of at least 5 ([CLS] a [SEP] b [SEP]), got {maxLength}.");
        int la = a.Length, lb = b.Length;
        while (la + lb > maxLength - 3)
        {
            if (la >= lb) la--; else lb--;
        }
        var ids = new int[la + lb + 3];
        var types = new int[ids.Length];
        ids[0] = cls;
        a[..la].CopyTo(ids.AsSpan(1));
        ids[la + 1] = sep;
        b[..lb].CopyTo(ids.AsSpan(la + 2));
        ids[^1] = sep;
        types.AsSpan(la + 2).Fill(1);
        return (ids, types);
    }

    /// <summary>
    /// Splits documents into train and held-out ones (whole documents, shuffled with
    /// <paramref name="seed"/>): the last <paramref name="validationFraction"/> of them are held out.
    /// </summary>
    public static (int[][][] Train, int[][][] Validation) SplitDocuments(IReadOnlyList<int[][]> documents, double validationFraction, ulong seed)
    {
        if (validationFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(validationFraction), $"validation fraction must be in [0, 1), got {validationFraction}.");
        var order = Enumerable.Range(0, documents.Count).ToArray();
        var rng = new Rng(seed);
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        int held = validationFraction == 0 ? 0 : Math.Max(2, (int)Math.Round(documents.Count * validationFraction));
        if (held > 0 && documents.Count - held < 2)
            throw new ArgumentException($"{documents.Count} documents are too few to hold out {held} and still train on 2.");
        var train = order[..^held].Order().Select(i => documents[i]).ToArray();
        var validation = order[^held..].Order().Select(i => documents[i]).ToArray();
        return (train, validation);
    }
}
