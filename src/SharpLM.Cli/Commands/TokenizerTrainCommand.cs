using System.CommandLine;
using System.Diagnostics;
using SharpLM.Tokenizers;

namespace SharpLM.Cli.Commands;

/// <summary><c>sharplm tokenizer train</c>: learn a character, byte-level BPE or WordPiece vocabulary from text files.</summary>
public static class TokenizerTrainCommand
{
    /// <summary>Creates the <c>train</c> sub-command.</summary>
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "A UTF-8 text file, or a folder (every file in it, recursively, in name order).", Required = true };
        var kind = new Option<string>("--kind") { Description = "char, bpe or wordpiece.", DefaultValueFactory = _ => "bpe" };
        var vocabSize = new Option<int>("--vocab-size") { Description = "Total vocabulary size, special tokens included (ignored by char).", DefaultValueFactory = _ => 8192 };
        var output = new Option<string>("--out") { Description = "Where to write the Hugging Face tokenizer.json.", DefaultValueFactory = _ => "tokenizer.json" };
        var minFrequency = new Option<long>("--min-frequency") { Description = "A pair must occur this often to be merged (bpe, wordpiece).", DefaultValueFactory = _ => 2 };
        var special = new Option<string[]>("--special") { Description = "Special tokens (default: <|endoftext|> for bpe, [PAD] [UNK] [CLS] [SEP] [MASK] for wordpiece, none for char).", AllowMultipleArgumentsPerToken = true };
        var pattern = new Option<string>("--pattern") { Description = "BPE pre-tokenization: gpt2 or cl100k.", DefaultValueFactory = _ => "gpt2" };
        var cased = new Option<bool>("--cased") { Description = "WordPiece: keep case and accents (default lowercases and strips accents)." };
        var cmd = new Command("train", "Learn a tokenizer from text and save it as tokenizer.json.");
        foreach (var o in new Option[] { data, kind, vocabSize, output, minFrequency, special, pattern, cased }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            Run(pr.GetValue(data)!, pr.GetValue(kind)!, pr.GetValue(vocabSize), pr.GetValue(output)!, pr.GetValue(minFrequency),
                pr.GetValue(special), pr.GetValue(pattern)!, pr.GetValue(cased));
            return 0;
        });
        return cmd;
    }

    private static void Run(string data, string kind, int vocabSize, string output, long minFrequency, string[]? special, string pattern, bool cased)
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
                _ => throw new CliException($"--kind must be char, bpe or wordpiece, got '{kind}'"),
            };
        }
        catch (ArgumentException e) { throw new CliException($"--vocab-size/--special: {e.Message}"); }
        double seconds = clock.Elapsed.TotalSeconds;
        TokenizerFiles.Save(tokenizer, output);
        long chars = texts.Sum(t => (long)t.Length);
        long tokens = texts.Sum(t => (long)tokenizer.Encode(t).Length);
        Console.WriteLine($"trained {kind} tokenizer: {tokenizer.VocabSize} ids ({tokenizer.SpecialTokens.Count} special) in {seconds:F2} s");
        Console.WriteLine($"training text: {chars:N0} characters → {tokens:N0} tokens ({(double)chars / Math.Max(1, tokens):F2} characters per token)");
        Console.WriteLine($"wrote {output}");
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
