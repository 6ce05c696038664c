using SharpLM.Tensors;

namespace SharpLM.Experiments;

/// <summary>
/// A training text as the experiments see it: one token per character (the characters that occur,
/// in ordinal order), the first 90% for training and the rest held out, and random windows drawn
/// from either part. Character level keeps every model's vocabulary tiny and identical, so the
/// experiments compare architectures, not tokenizers.
/// </summary>
public sealed class CharCorpus
{
    private readonly Dictionary<char, int> _ids;

    /// <summary>Builds the vocabulary from <paramref name="text"/> and splits it (held-out fraction in (0, 0.5]).</summary>
    public CharCorpus(string text, double heldOutFraction = 0.1)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!(heldOutFraction > 0 && heldOutFraction <= 0.5)) throw new ArgumentOutOfRangeException(nameof(heldOutFraction), $"held-out fraction {heldOutFraction} must be in (0, 0.5].");
        if (text.Length < 1000) throw new ArgumentException($"experiment corpus: {text.Length} characters is too little text (need at least 1000).", nameof(text));
        Alphabet = text.Distinct().Order().ToArray();
        _ids = Alphabet.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i);
        var all = Encode(text);
        int split = (int)(all.Length * (1 - heldOutFraction));
        Train = all[..split];
        HeldOut = all[split..];
    }

    /// <summary>The characters, id order.</summary>
    public char[] Alphabet { get; }

    /// <summary>Number of character ids (models may append special ids after these).</summary>
    public int VocabSize => Alphabet.Length;

    /// <summary>The training ids.</summary>
    public int[] Train { get; }

    /// <summary>The held-out ids.</summary>
    public int[] HeldOut { get; }

    /// <summary>Ids of <paramref name="text"/>; a character the corpus never had is an error naming it.</summary>
    public int[] Encode(string text)
    {
        var ids = new int[text.Length];
        for (int i = 0; i < text.Length; i++)
            ids[i] = _ids.TryGetValue(text[i], out int id) ? id : throw new ArgumentException($"experiment corpus: character '{text[i]}' (U+{(int)text[i]:X4}) does not occur in the corpus.", nameof(text));
        return ids;
    }

    /// <summary>The text of <paramref name="ids"/>.</summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var chars = new char[ids.Length];
        for (int i = 0; i < ids.Length; i++) chars[i] = Alphabet[ids[i]];
        return new string(chars);
    }

    /// <summary>
    /// <paramref name="b"/> random windows of <paramref name="t"/> ids into <paramref name="ids"/> and the next-token
    /// targets (the same windows shifted by one) into <paramref name="targets"/>, from the training or held-out part.
    /// </summary>
    public void Sample(Rng rng, int b, int t, int[] ids, int[]? targets, bool heldOut = false)
    {
        var source = heldOut ? HeldOut : Train;
        if (source.Length < t + 2) throw new ArgumentException($"experiment corpus: the {(heldOut ? "held-out" : "training")} part ({source.Length} characters) is shorter than a window of {t + 1}.");
        for (int i = 0; i < b; i++)
        {
            int start = rng.NextInt(source.Length - t - 1);
            source.AsSpan(start, t).CopyTo(ids.AsSpan(i * t, t));
            if (targets is not null) source.AsSpan(start + 1, t).CopyTo(targets.AsSpan(i * t, t));
        }
    }
}
