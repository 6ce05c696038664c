using SharpLM.Tensors;

namespace SharpLM.Generation;

/// <summary>
/// What an encoder-decoder remembers while it generates: per decoder layer, the self-attention
/// keys and values of every target token so far (<c>[R, H, MaxLength, D]</c>, R decoding rows —
/// one per beam), and the cross-attention keys and values computed once from the encoder output
/// (<c>[Bsrc, H, S, D]</c>). Each decoding row reads the source row <see cref="SourceRow"/> points
/// at, so beams share their source's cross K/V instead of copying it.
/// </summary>
public sealed class Seq2SeqCache
{
    internal Seq2SeqCache(int layers, int rows, int sources, int heads, int headSize, int maxLength, int sourceLength, int[] sourceLengths)
    {
        Rows = rows; Heads = heads; HeadSize = headSize; MaxLength = maxLength; SourceLength = sourceLength;
        SelfKeys = new Tensor[layers]; SelfValues = new Tensor[layers];
        CrossKeys = new Tensor[layers]; CrossValues = new Tensor[layers];
        for (int l = 0; l < layers; l++)
        {
            SelfKeys[l] = new Tensor(rows, heads, maxLength, headSize);
            SelfValues[l] = new Tensor(rows, heads, maxLength, headSize);
            CrossKeys[l] = new Tensor(sources, heads, sourceLength, headSize);
            CrossValues[l] = new Tensor(sources, heads, sourceLength, headSize);
        }
        SourceLengths = sourceLengths;
        SourceRow = new int[rows];
        _scratch = new Tensor(rows, heads, maxLength, headSize);
        CrossScores = new float[sourceLength];
    }

    /// <summary>Scratch for one head's cross-attention scores (S floats), so a step allocates nothing.</summary>
    internal float[] CrossScores { get; }

    private readonly Tensor _scratch;

    /// <summary>Decoding rows (batch × beams).</summary>
    public int Rows { get; }

    /// <summary>Heads per layer.</summary>
    public int Heads { get; }

    /// <summary>Head size D.</summary>
    public int HeadSize { get; }

    /// <summary>The most target tokens the cache holds.</summary>
    public int MaxLength { get; }

    /// <summary>Padded source length S.</summary>
    public int SourceLength { get; }

    /// <summary>Target tokens fed so far (the next token's position).</summary>
    public int Length { get; internal set; }

    /// <summary>Real length of each source row (keys past it are padding).</summary>
    public int[] SourceLengths { get; }

    /// <summary>Which source row each decoding row reads.</summary>
    public int[] SourceRow { get; }

    /// <summary>Self-attention keys per layer <c>[R, H, MaxLength, D]</c>.</summary>
    public Tensor[] SelfKeys { get; }

    /// <summary>Self-attention values per layer <c>[R, H, MaxLength, D]</c>.</summary>
    public Tensor[] SelfValues { get; }

    /// <summary>Cross-attention keys per layer <c>[Bsrc, H, S, D]</c> (from the encoder output, computed once).</summary>
    public Tensor[] CrossKeys { get; }

    /// <summary>Cross-attention values per layer <c>[Bsrc, H, S, D]</c>.</summary>
    public Tensor[] CrossValues { get; }

    /// <summary>
    /// Beam search's bookkeeping: decoding row r continues the history of row <paramref name="parents"/>[r],
    /// so its cached keys and values (the first <see cref="Length"/> positions) become that row's.
    /// </summary>
    public void Reorder(ReadOnlySpan<int> parents)
    {
        if (parents.Length != Rows) throw new ArgumentException($"Reorder: {parents.Length} parents for {Rows} rows.", nameof(parents));
        bool identity = true;
        for (int r = 0; r < Rows; r++) identity &= parents[r] == r;
        if (identity) return;
        int rowFloats = Heads * MaxLength * HeadSize, used = Length * HeadSize;
        Span<int> sources = stackalloc int[Rows];
        SourceRow.CopyTo(sources);
        for (int r = 0; r < Rows; r++) SourceRow[r] = sources[parents[r]];
        // Stage the rows that change (read every source before writing any), then write them back.
        for (int k = 0; k < 2 * SelfKeys.Length; k++)
        {
            var all = (k < SelfKeys.Length ? SelfKeys[k] : SelfValues[k - SelfKeys.Length]).Span;
            var tmp = _scratch.Span;
            for (int r = 0; r < Rows; r++)
                if (parents[r] != r)
                    for (int h = 0; h < Heads; h++)
                    {
                        int offset = h * MaxLength * HeadSize;
                        all.Slice(parents[r] * rowFloats + offset, used).CopyTo(tmp.Slice(r * rowFloats + offset, used));
                    }
            for (int r = 0; r < Rows; r++)
                if (parents[r] != r)
                    for (int h = 0; h < Heads; h++)
                    {
                        int offset = r * rowFloats + h * MaxLength * HeadSize;
                        tmp.Slice(offset, used).CopyTo(all.Slice(offset, used));
                    }
        }
    }
}
