namespace SharpLM.Generation;

/// <summary>
/// A decoder that search can drive one token at a time: feed one token per row, get each row's
/// next-token logits, and (for beam search) tell it which row's history each row continues.
/// <see cref="Seq2SeqStepper"/> is the encoder-decoder's; tests plug in small hand-built ones.
/// </summary>
public interface IDecoderStepper
{
    /// <summary>Decoding rows (beams).</summary>
    int Rows { get; }

    /// <summary>Vocabulary size (logits per row).</summary>
    int VocabSize { get; }

    /// <summary>Feeds one token per row and returns the next-token logits <c>[Rows, V]</c> (valid until the next call).</summary>
    ReadOnlySpan<float> Step(ReadOnlySpan<int> tokens);

    /// <summary>Row r continues the history of row <paramref name="parents"/>[r] from now on.</summary>
    void Reorder(ReadOnlySpan<int> parents);
}

/// <summary>The encoder-decoder's <see cref="IDecoderStepper"/>: an engine and its cache (encoder already run).</summary>
public sealed class Seq2SeqStepper(Seq2SeqEngine engine, Seq2SeqCache cache) : IDecoderStepper
{
    /// <summary>The engine.</summary>
    public Seq2SeqEngine Engine { get; } = engine;

    /// <summary>The cache (self K/V so far, cross K/V).</summary>
    public Seq2SeqCache Cache { get; } = cache;

    /// <inheritdoc/>
    public int Rows => Cache.Rows;

    /// <inheritdoc/>
    public int VocabSize => Engine.Model.Config.VocabSize;

    /// <inheritdoc/>
    public ReadOnlySpan<float> Step(ReadOnlySpan<int> tokens) => Engine.Step(Cache, tokens);

    /// <inheritdoc/>
    public void Reorder(ReadOnlySpan<int> parents) => Cache.Reorder(parents);
}
