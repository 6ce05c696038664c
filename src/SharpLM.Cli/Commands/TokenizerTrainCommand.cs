using System.CommandLine;
using System.Diagnostics;
using SharpLM.Tokenizers;

namespace SharpLM.Cli.Commands;

/// <summary><c>sharplm tokenizer train</c>: learn a character, byte-level BPE, WordPiece, SentencePiece BPE or Unigram vocabulary from text files.</summary>
public static class TokenizerTrainCommand
{
    /// <summary>Creates the <c>train</c> sub-command.</summary>
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "A UTF-8 text file, or a folder (every file in it, recursively, in name order).", Required = true };
        var kind = new Option<string>("--kind") { Description = "char, bpe, wordpiece, sentencepiece (SentencePiece BPE, Llama style) or unigram (SentencePiece Unigram, T5 style).", DefaultValueFactory = _ => "bpe" };
        var vocabSize = new Option<int>("--vocab-size") { Description = "Total vocabulary size, special tokens included (ignored by char).", DefaultValueFactory = _ => 8192 };
        var output = new Option<string>("--out") { Description = "Where to write the Hugging Face tokenizer.json.", DefaultValueFactory = _ => "tokenizer.json" };
        var minFrequency = new Option<long>("--min-frequency") { Description = "A pair must occur this often to be merged (bpe, wordpiece).", DefaultValueFactory = _ => 2 };
        var special = new Option<string[]>("--special") { Description = "Special tokens (default: <|endoftext|> for bpe, [PAD] [UNK] [CLS] [SEP] [MASK] for wordpiece, none for char).", AllowMultipleArgumentsPerToken = true };
        var pattern = new Option<string>("--pattern") { Description = "BPE pre-tokenization: gpt2 or cl100k.", DefaultValueFactory = _ => "gpt2" };
        var cased = new Option<bool>("--cased") { Description = "WordPiece: keep case and accents (default lowercases and strips accents)." };
        var byteFallback = new Option<bool?>("--byte-fallback") { Description = "sentencepiece/unigram: add the 256 <0xNN> byte pieces (default: on for sentencepiece, off for unigram)." };
        var coverage = new Option<double>("--character-coverage") { Description = "sentencepiece/unigram: share of character occurrences the single-character pieces cover.", DefaultValueFactory = _ => 0.9995 };
        var splitDigits = new Option<bool?>("--split-digits") { Description = "sentencepiece/unigram: every digit is its own piece (default: on for sentencepiece, off for unigram)." };
        var normalizerFrom = new Option<string?>("--normalizer-from") { Description = "sentencepiece/unigram: take the normalizer (e.g. nmt_nfkc's character map and whitespace rules) from this SentencePiece .model." };
        var cmd = new Command("train", "Learn a tokenizer from text and save it as tokenizer.json (SentencePiece kinds also as a .model beside it).");
        foreach (var o in new Option[] { data, kind, vocabSize, output, minFrequency, special, pattern, cased, byteFallback, coverage, splitDigits, normalizerFrom }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            var k = pr.GetValue(kind)!;
            SentencePieceTrainerOptions? sp = null;
            if (k is "sentencepiece" or "unigram")
            {
                bool bpe = k == "sentencepiece";
                double c = pr.GetValue(coverage);
                if (c is <= 0 or > 1) throw new CliException($"--character-coverage must be in (0, 1], got {c}");
                sp = new SentencePieceTrainerOptions
                {
                    ByteFallback = pr.GetValue(byteFallback) ?? bpe,
                    SplitDigits = pr.GetValue(splitDigits) ?? bpe,
                    CharacterCoverage = c,
                    Normalizer = NormalizerFrom(pr.GetValue(normalizerFrom)) ?? (bpe ? SentencePieceNormalizerSpec.Llama : new SentencePieceNormalizerSpec()),
                    UserDefinedSymbols = pr.GetValue(special) ?? [],
                };
            }
            Run(pr.GetValue(data)!, k, pr.GetValue(vocabSize), pr.GetValue(output)!, pr.GetValue(minFrequency),
                pr.GetValue(special), pr.GetValue(pattern)!, pr.GetValue(cased), sp);
            return 0;
        });
        return cmd;
    }

    private static void Run(string data, string kind, int vocabSize, string output, long minFrequency, string[]? special, string pattern, bool cased,
        SentencePieceTrainerOptions? sentencePiece)
    {
        var texts = ReadCorpus(data);
        var pre = pattern switch
        {
            "gpt2" => PreTokenizer.Gpt2,
            "cl100k" => PreTokenizer.Cl100k,
            _ => throw new CliException($"--pattern must be gpt2 or cl100k, got '{pattern}'"),
        };
        if (special is { Length: 0 }) special = null;
        var clock = Stopwatch.StartNew();
        ITokenizer tokenizer;
        try
        {
            tokenizer = kind switch
            {
                "char" => CharTokenizer.Train(texts, special ?? []),
                "bpe" => BpeTrainer.Train(texts, vocabSize, special ?? ["<|endoftext|>"], minFrequency, pre),
                "wordpiece" => WordPieceTrainer.Train(texts, vocabSize, new BertNormalizer(Lowercase: !cased), minFrequency,
                    special ?? WordPieceTokenizer.BertSpecialTokens),
                "sentencepiece" => SentencePieceBpeTrainer.Train(texts, vocabSize, sentencePiece),
                "unigram" => UnigramTrainer.Train(texts, vocabSize, sentencePiece),
                _ => throw new CliException($"--kind must be char, bpe, wordpiece, sentencepiece or unigram, got '{kind}'"),
            };
        }
        catch (ArgumentException e) { throw new CliException($"--vocab-size/--special: {e.Message}"); }
        double seconds = clock.Elapsed.TotalSeconds;
        TokenizerFiles.Save(tokenizer, output);
        string? modelPath = null;
        if (tokenizer is SentencePieceTokenizer spt && !output.EndsWith(".model", StringComparison.OrdinalIgnoreCase))
        {
            modelPath = Path.ChangeExtension(output, ".model");
            spt.SaveModel(modelPath);
        }
        long chars = texts.Sum(t => (long)t.Length);
        long tokens = texts.Sum(t => (long)tokenizer.Encode(t).Length);
        Console.WriteLine($"trained {kind} tokenizer: {tokenizer.VocabSize} ids ({tokenizer.SpecialTokens.Count} special) in {seconds:F2} s");
        Console.WriteLine($"training text: {chars:N0} characters → {tokens:N0} tokens ({(double)chars / Math.Max(1, tokens):F2} characters per token)");
        Console.WriteLine($"wrote {output}" + (modelPath is null ? "" : $" and {modelPath} (SentencePiece model)"));
    }

    private static SentencePieceNormalizerSpec? NormalizerFrom(string? model)
    {
        if (model is null) return null;
        if (!File.Exists(model)) throw new CliException($"--normalizer-from: no such file: {model}");
        try { return SentencePieceModelFile.Read(model).Normalizer; }
        catch (TokenizerFormatException e) { throw new CliException($"--normalizer-from: {e.Message}"); }
    }

    /// <summary>A file's text, or every file under a folder (recursively, ordinal name order).</summary>
    internal static List<string> ReadCorpus(string data)
    {
        if (File.Exists(data)) return [File.ReadAllText(data)];
        if (!Directory.Exists(data)) throw new CliException($"--data: no such file or folder: {data}");
        var files = Directory.GetFiles(data, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new CliException($"--data: folder {data} has no files");
        return files.Select(f => File.ReadAllText(f)).ToList();
    }
}
