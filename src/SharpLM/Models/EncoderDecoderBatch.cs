namespace SharpLM.Models;

/// <summary>
/// One teacher-forced encoder-decoder micro-batch, all row-major: source ids <c>[B,S]</c>
/// (padded past each row's length), the decoder input <c>[B,T]</c> (the target shifted right
/// after the decoder start token) and the targets <c>[B,T]</c> (−1 = padding, ignored by the loss).
/// </summary>
public sealed record EncoderDecoderBatch(int[] Source, int[] SourceLengths, int[] DecoderInput, int[] Targets, int BatchSize, int SourceLength, int TargetLength)
{
    /// <summary>Checks the arrays match the stated shape.</summary>
    public EncoderDecoderBatch Validate()
    {
        int b = BatchSize, s = SourceLength, t = TargetLength;
        if (b < 1 || s < 1 || t < 1) throw new ArgumentException($"EncoderDecoderBatch: batch {b}, source length {s} and target length {t} must be ≥ 1.");
        if (Source.Length != b * s) throw new ArgumentException($"EncoderDecoderBatch: {Source.Length} source ids for B={b} × S={s}.");
        if (SourceLengths.Length != b) throw new ArgumentException($"EncoderDecoderBatch: {SourceLengths.Length} source lengths for B={b}.");
        foreach (int len in SourceLengths)
            if (len < 1 || len > s) throw new ArgumentException($"EncoderDecoderBatch: source length {len} outside 1..{s}.");
        if (DecoderInput.Length != b * t || Targets.Length != b * t)
            throw new ArgumentException($"EncoderDecoderBatch: decoder input {DecoderInput.Length} / targets {Targets.Length} for B={b} × T={t}.");
        return this;
    }

    /// <summary>
    /// The decoder input for teacher forcing: <paramref name="target"/> shifted one place right after
    /// <paramref name="startToken"/> (the last target token is never an input); ignored targets (−1)
    /// become <paramref name="padToken"/>, as Hugging Face's <c>shift_tokens_right</c> does.
    /// </summary>
    public static int[] ShiftRight(ReadOnlySpan<int> target, int startToken, int padToken)
    {
        var input = new int[target.Length];
        if (input.Length == 0) return input;
        input[0] = startToken;
        for (int i = 1; i < input.Length; i++) input[i] = target[i - 1] < 0 ? padToken : target[i - 1];
        return input;
    }
}
