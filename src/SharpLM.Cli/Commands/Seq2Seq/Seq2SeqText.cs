using SharpLM.Models;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Cli.Commands.Seq2Seq;

/// <summary>
/// The special tokens an encoder-decoder needs and how text becomes its ids: <c>&lt;pad&gt;</c>,
/// <c>&lt;/s&gt;</c> (EOS), <c>&lt;unk&gt;</c>, <c>&lt;mask&gt;</c> (BART's infilling) and 100 T5 sentinels
/// <c>&lt;extra_id_0…99&gt;</c>, added to a byte-level BPE trained on the data until the Unigram
/// tokenizer lands. Every source and target ends with EOS.
/// </summary>
internal static class Seq2SeqText
{
    /// <summary>The specials, in id order at the front of a tokenizer trained here.</summary>
    public static readonly string[] SpecialTokens = ["<pad>", "</s>", "<unk>", "<mask>", .. Enumerable.Range(0, 100).Select(i => $"<extra_id_{i}>")];

    /// <summary>A tokenizer from <c>--tokenizer</c>: <c>bpe:N</c> (trained on <paramref name="text"/> with the specials) or a tokenizer file that has them.</summary>
    public static ITokenizer CreateTokenizer(string spec, string text)
    {
        ITokenizer tok;
        if (spec.StartsWith("bpe:", StringComparison.Ordinal))
        {
            if (!int.TryParse(spec.AsSpan(4), out int size) || size < 257 + SpecialTokens.Length)
                throw new CliException($"--tokenizer '{spec}': expected bpe:N with N ≥ {257 + SpecialTokens.Length} (bytes, specials and merges), e.g. bpe:8000.");
            tok = BpeTrainer.Train(text.Split('\n'), size, SpecialTokens);
        }
        else tok = TokenizerSpec.Create(spec, text);
        Check(tok, spec);
        return tok;
    }

    /// <summary>Fails clearly when a tokenizer lacks the specials an encoder-decoder needs.</summary>
    public static void Check(ITokenizer tok, string what)
    {
        foreach (var s in new[] { "<pad>", "</s>" })
            if (!tok.SpecialTokens.ContainsKey(s))
                throw new CliException($"tokenizer {what} has no {s} token; encoder-decoders need <pad> and </s> (train one with --tokenizer bpe:N).");
    }

    /// <summary>The family's special ids for a tokenizer: T5 starts the decoder with pad, BART with EOS.</summary>
    public static EncoderDecoderConfig WithTokenizer(EncoderDecoderConfig config, ITokenizer tok)
    {
        int pad = tok.SpecialTokens["<pad>"], eos = tok.SpecialTokens["</s>"];
        return (config with
        {
            VocabSize = tok.VocabSize, PadTokenId = pad, EosTokenId = eos,
            DecoderStartTokenId = config.Family == EncoderDecoderFamily.T5 ? pad : eos,
        }).Validate();
    }

    /// <summary>Text → ids + EOS.</summary>
    public static int[] Encode(ITokenizer tok, string text, int eos) => [.. tok.Encode(text), eos];

    /// <summary>Pairs → examples (the prefix before every source).</summary>
    public static List<Seq2SeqExample> Examples(ITokenizer tok, IEnumerable<Training.Data.TextPair> pairs, string prefix, int eos) =>
        pairs.Select(p => new Seq2SeqExample(Encode(tok, prefix + p.Source, eos), Encode(tok, p.Target, eos))).ToList();

    /// <summary>Generated ids → text (specials dropped).</summary>
    public static string Decode(ITokenizer tok, IEnumerable<int> ids)
    {
        var specials = tok.SpecialTokens.Values.ToHashSet();
        return tok.Decode(ids.Where(i => !specials.Contains(i)).ToArray()).Trim();
    }
}
