namespace SharpLM.Models;

/// <summary>
/// A batch of encoder inputs, row-major <c>[B,T]</c>: token ids, segment ids (0 = sentence A,
/// 1 = sentence B) and each row's real length — positions at or after it are padding, which
/// no token attends to (Hugging Face's <c>attention_mask</c> of ones then zeros).
/// </summary>
public sealed record BertBatch(int[] Ids, int[] TypeIds, int[] Lengths, int B, int T)
{
    /// <summary>A batch of one unpadded sequence in segment A.</summary>
    public static BertBatch Single(int[] ids) => new(ids, new int[ids.Length], [ids.Length], 1, ids.Length);

    /// <summary>
    /// Pads <paramref name="sequences"/> (ids and segment ids) with <paramref name="padId"/> to the longest one
    /// (or <paramref name="minLength"/>) and records each one's length.
    /// </summary>
    public static BertBatch Pad(IReadOnlyList<(int[] Ids, int[] TypeIds)> sequences, int padId, int minLength = 1)
    {
        if (sequences.Count == 0) throw new ArgumentException("a batch needs at least one sequence.", nameof(sequences));
        int t = Math.Max(minLength, sequences.Max(s => s.Ids.Length));
        int b = sequences.Count;
        var ids = new int[b * t];
        Array.Fill(ids, padId);
        var types = new int[b * t];
        var lengths = new int[b];
        for (int i = 0; i < b; i++)
        {
            var (seq, seg) = sequences[i];
            if (seg.Length != seq.Length) throw new ArgumentException($"sequence {i}: {seq.Length} ids but {seg.Length} segment ids.", nameof(sequences));
            seq.CopyTo(ids, i * t);
            seg.CopyTo(types, i * t);
            lengths[i] = seq.Length;
        }
        return new BertBatch(ids, types, lengths, b, t);
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming what is inconsistent.</summary>
    public BertBatch Validate(BertConfig config)
    {
        if (B < 1 || T < 1) throw new ArgumentException($"BERT batch: B={B} and T={T} must be ≥ 1.");
        if (Ids.Length != B * T) throw new ArgumentException($"BERT batch: {Ids.Length} ids for B={B} × T={T}.");
        if (TypeIds.Length != B * T) throw new ArgumentException($"BERT batch: {TypeIds.Length} segment ids for B={B} × T={T}.");
        if (Lengths.Length != B) throw new ArgumentException($"BERT batch: {Lengths.Length} lengths for B={B}.");
        if (T > config.MaxPositions) throw new ArgumentException($"BERT batch: sequence length {T} exceeds the model's {config.MaxPositions} positions (max_position_embeddings).");
        for (int i = 0; i < Ids.Length; i++)
        {
            if ((uint)Ids[i] >= (uint)config.VocabSize) throw new ArgumentOutOfRangeException(nameof(Ids), $"BERT batch: token id {Ids[i]} at position {i} is outside the vocabulary 0..{config.VocabSize - 1}.");
            if ((uint)TypeIds[i] >= (uint)config.TypeVocabSize) throw new ArgumentOutOfRangeException(nameof(TypeIds), $"BERT batch: segment id {TypeIds[i]} at position {i} is outside 0..{config.TypeVocabSize - 1}.");
        }
        foreach (int len in Lengths)
            if (len < 1 || len > T) throw new ArgumentOutOfRangeException(nameof(Lengths), $"BERT batch: length {len} outside 1..{T}.");
        return this;
    }
}
