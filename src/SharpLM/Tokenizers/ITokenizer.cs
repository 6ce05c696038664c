namespace SharpLM.Tokenizers;

/// <summary>
/// A tokenizer turns text into token ids (the integers a language model reads) and back.
/// Every kind in SharpLM (character, byte-level BPE, WordPiece) implements this one contract.
/// </summary>
public interface ITokenizer
{
    /// <summary>Short name of the tokenizer family: "char", "bpe", "wordpiece", "sentencepiece-bpe", "unigram" or "llama2c".</summary>
    string Kind { get; }

    /// <summary>Number of ids the model's embedding table needs (largest id + 1), special tokens included.</summary>
    int VocabSize { get; }

    /// <summary>Special (control) tokens such as <c>&lt;|endoftext|&gt;</c> or <c>[CLS]</c>, by text, with their ids.</summary>
    IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>
    /// Encodes text to token ids. Text that merely looks like a special token is encoded as
    /// ordinary text unless <paramref name="allowSpecial"/> is true.
    /// </summary>
    int[] Encode(string text, bool allowSpecial = false);

    /// <summary>Decodes token ids back to text (the inverse of <see cref="Encode"/> for valid text).</summary>
    string Decode(ReadOnlySpan<int> ids);

    /// <summary>The learner's view of one token: its text piece (e.g. "Ġthe" becomes " the", "##ing" stays "##ing").</summary>
    string TokenPiece(int id);

    /// <summary>A decoder for generation that prints text as ids arrive, holding back half-finished characters.</summary>
    StreamingDecoder CreateStreamingDecoder();
}
