using SharpLM.Tensors;

namespace SharpLM.Training;

/// <summary>
/// A language-modeling dataset: one long stream of token ids, split into a training part
/// (the first 1 − valFraction) and a validation part (the rest), so the model is judged on
/// text it never trained on. Batches are random windows of T+1 tokens: the first T are the
/// input, the last T (shifted by one) the next-token targets — nanoGPT's sampling.
/// </summary>
public sealed class TokenDataset
{
    /// <summary>Splits <paramref name="tokens"/>: the last <paramref name="valFraction"/> becomes validation.</summary>
    public TokenDataset(int[] tokens, double valFraction, int blockSize, string source = "data")
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (valFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(valFraction), $"validation fraction must be in [0, 1), got {valFraction}.");
        if (blockSize < 1) throw new ArgumentOutOfRangeException(nameof(blockSize), $"block size must be ≥ 1, got {blockSize}.");
        if (tokens.Length == 0) throw new ArgumentException($"{source}: contains no tokens (is the file empty?).");
        int valCount = (int)Math.Round(tokens.Length * valFraction);
        int trainCount = tokens.Length - valCount;
        if (trainCount < blockSize + 1)
            throw new ArgumentException($"{source}: the training part has {trainCount} tokens, fewer than one block of {blockSize} + 1; use more data or a smaller --block-size.");
        if (valFraction > 0 && valCount < blockSize + 1)
            throw new ArgumentException($"{source}: the validation part (last {valFraction:P0}) has {valCount} tokens, fewer than one block of {blockSize} + 1; use more data, a larger --val-fraction or a smaller --block-size.");
        All = tokens;
        Train = tokens.AsMemory(0, trainCount);
        Validation = tokens.AsMemory(trainCount, valCount);
        BlockSize = blockSize;
        Source = source;
    }

    /// <summary>The whole stream: training then validation tokens.</summary>
    public ReadOnlyMemory<int> All { get; }

    /// <summary>Fingerprint of the whole stream (<see cref="TrainerState.HashTokens"/>), computed once.</summary>
    public ulong Hash => _hash ??= TrainerState.HashTokens(All.Span);

    private ulong? _hash;

    /// <summary>The training tokens (the first part of the stream).</summary>
    public ReadOnlyMemory<int> Train { get; }

    /// <summary>The validation tokens (the last part of the stream); empty when the fraction is 0.</summary>
    public ReadOnlyMemory<int> Validation { get; }

    /// <summary>Sequence length T of every window.</summary>
    public int BlockSize { get; }

    /// <summary>Where the tokens came from (for messages).</summary>
    public string Source { get; }

    /// <summary>True when there is a validation part.</summary>
    public bool HasValidation => Validation.Length > 0;

    /// <summary>
    /// Fills <paramref name="inputs"/> and <paramref name="targets"/> (each <c>[B,T]</c>) with
    /// B windows whose start offsets are drawn uniformly from <paramref name="rng"/>.
    /// </summary>
    public void SampleBatch(ReadOnlySpan<int> split, Rng rng, int batch, int[] inputs, int[] targets)
    {
        int t = BlockSize;
        if (inputs.Length != batch * t || targets.Length != batch * t)
            throw new ArgumentException($"SampleBatch: buffers must hold B×T = {batch * t} ids.");
        int starts = split.Length - t;
        if (starts < 1) throw new InvalidOperationException($"{Source}: {split.Length} tokens are too few for a window of {t} + 1.");
        for (int b = 0; b < batch; b++)
        {
            int s = rng.NextInt(starts);
            split.Slice(s, t).CopyTo(inputs.AsSpan(b * t, t));
            split.Slice(s + 1, t).CopyTo(targets.AsSpan(b * t, t));
        }
    }

    /// <summary>
    /// Fills batch number <paramref name="index"/> of consecutive windows (batch i starts at
    /// token i·B·T, as llm.c's evaluation reads), wrapping around at the end of the split.
    /// </summary>
    public static void SequentialBatch(ReadOnlySpan<int> split, int index, int batch, int t, int[] inputs, int[] targets)
    {
        int windows = (split.Length - 1) / t;
        if (windows < 1) throw new InvalidOperationException($"{split.Length} tokens are too few for a window of {t} + 1.");
        for (int b = 0; b < batch; b++)
        {
            int s = (int)((long)(index * batch + b) % windows) * t;
            split.Slice(s, t).CopyTo(inputs.AsSpan(b * t, t));
            split.Slice(s + 1, t).CopyTo(targets.AsSpan(b * t, t));
        }
    }
}
