using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using SharpLM.Tokenizers;

namespace SharpLM.Cli.Commands.Bench;

/// <summary>
/// <c>sharplm bench tokenizer</c>: byte-level BPE encode throughput (MB of UTF-8 per second) on one
/// thread and on all cores, and the time to train an 8,192-token BPE vocabulary on the same text.
/// "cold" starts every repeat with an empty word cache (as tiktoken, which has none); "warm" re-encodes.
/// </summary>
public static class TokenizerBench
{
    /// <summary>Creates the <c>tokenizer</c> bench sub-command.</summary>
    public static Command Create()
    {
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer file (default: shared/data/gpt2/r50k_base.tiktoken found above the current folder); byte-level BPE also gets the parallel and cache cases, SentencePiece the training of its kind." };
        var input = new Option<string?>("--input") { Description = "Text to encode and train on (default: shared/data/tinyshakespeare.txt)." };
        var json = new Option<bool>("--json") { Description = "One JSON object per line instead of a table." };
        var repeat = new Option<int>("--repeat") { Description = "Timed repeats for encoding; the median is reported.", DefaultValueFactory = _ => 7 };
        var threads = new Option<int>("--threads") { Description = "Threads for the parallel encode.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var vocab = new Option<int>("--train-vocab") { Description = "Vocabulary size for the training benchmark (0 skips it).", DefaultValueFactory = _ => 8192 };
        var cmd = new Command("tokenizer", "Encode MB/s (1 thread and parallel) and BPE training time.");
        foreach (var o in new Option[] { tokenizer, input, json, repeat, threads, vocab }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            Run(pr.GetValue(tokenizer) ?? FindShared("data/gpt2/r50k_base.tiktoken", "--tokenizer"),
                pr.GetValue(input) ?? FindShared("data/tinyshakespeare.txt", "--input"),
                pr.GetValue(json), pr.GetValue(repeat), pr.GetValue(threads), pr.GetValue(vocab));
            return 0;
        });
        return cmd;
    }

    private static void Run(string tokenizerPath, string inputPath, bool json, int repeat, int threads, int trainVocab)
    {
        if (repeat < 1) throw new CliException($"--repeat must be ≥ 1, got {repeat}");
        if (threads < 1) throw new CliException($"--threads must be ≥ 1, got {threads}");
        var loaded = TokenizerCommand.Load(tokenizerPath);
        var text = TokenizerCommand.ReadText(inputPath, "--input");
        if (loaded is not BpeTokenizer tok)
        {
            RunOther(loaded, tokenizerPath, inputPath, text, json, repeat, trainVocab);
            return;
        }
        double mb = Encoding.UTF8.GetByteCount(text) / 1e6;
        if (!json) Console.WriteLine($"tokenizer bench: {Path.GetFileName(tokenizerPath)} on {Path.GetFileName(inputPath)} ({mb:F2} MB), median of {repeat}");

        var reference = tok.Encode(text); // also warms up the JIT
        var cases = new List<(int, string)> { (1, "cold"), (1, "warm") };
        if (threads > 1) cases.AddRange([(threads, "cold"), (threads, "warm")]);
        foreach (var (n, cache) in cases)
        {
            int[] ids = [];
            var times = new List<double>();
            for (int r = 0; r < repeat; r++)
            {
                if (cache == "cold") tok.ClearCaches();
                else ids = n == 1 ? tok.Encode(text) : tok.EncodeParallel(text, n);
                var clock = Stopwatch.StartNew();
                ids = n == 1 ? tok.Encode(text) : tok.EncodeParallel(text, n);
                times.Add(clock.Elapsed.TotalSeconds);
            }
            if (!ids.AsSpan().SequenceEqual(reference)) throw new InvalidOperationException("parallel encoding differs from sequential encoding");
            double seconds = Median(times);
            Report(json, $"{{\"bench\":\"tokenizer\",\"task\":\"encode\",\"threads\":{n},\"cache\":\"{cache}\",\"mb_per_s\":{F(mb / seconds)},\"ms\":{F(seconds * 1e3)},\"tokens\":{ids.Length}}}",
                $"encode  {n} thread(s), {cache} cache: {mb / seconds,8:F1} MB/s  ({seconds * 1e3:F1} ms, {ids.Length:N0} tokens)");
        }

        if (trainVocab > 0)
        {
            var times = new List<double>();
            int size = 0;
            for (int r = 0; r < 3; r++)
            {
                var clock = Stopwatch.StartNew();
                size = BpeTrainer.Train([text], trainVocab, ["<|endoftext|>"]).VocabSize;
                times.Add(clock.Elapsed.TotalSeconds);
            }
            double seconds = Median(times);
            Report(json, $"{{\"bench\":\"tokenizer\",\"task\":\"train_bpe\",\"vocab_size\":{size},\"seconds\":{F(seconds)}}}",
                $"train   BPE vocabulary {size:N0}: {seconds:F2} s (median of 3)");
        }
    }

    // SentencePiece, llama2.c and other tokenizers: sequential encode of the whole text, and training of the same kind.
    private static void RunOther(ITokenizer tok, string tokenizerPath, string inputPath, string text, bool json, int repeat, int trainVocab)
    {
        double mb = Encoding.UTF8.GetByteCount(text) / 1e6;
        if (!json) Console.WriteLine($"tokenizer bench: {Path.GetFileName(tokenizerPath)} ({tok.Kind}) on {Path.GetFileName(inputPath)} ({mb:F2} MB), median of {repeat}");
        var ids = tok.Encode(text);
        var times = new List<double>();
        for (int r = 0; r < repeat; r++)
        {
            var clock = Stopwatch.StartNew();
            ids = tok.Encode(text);
            times.Add(clock.Elapsed.TotalSeconds);
        }
        double seconds = Median(times);
        Report(json, $"{{\"bench\":\"tokenizer\",\"task\":\"encode\",\"kind\":\"{tok.Kind}\",\"threads\":1,\"mb_per_s\":{F(mb / seconds)},\"ms\":{F(seconds * 1e3)},\"tokens\":{ids.Length}}}",
            $"encode  1 thread: {mb / seconds,8:F1} MB/s  ({seconds * 1e3:F1} ms, {ids.Length:N0} tokens)");
        if (trainVocab <= 0 || tok is not SentencePieceTokenizer sp) return;
        var train = Stopwatch.StartNew();
        var trained = sp.ModelKind == SentencePieceModelKind.Bpe ? SentencePieceBpeTrainer.Train([text], trainVocab) : UnigramTrainer.Train([text], trainVocab);
        Report(json, $"{{\"bench\":\"tokenizer\",\"task\":\"train_{tok.Kind}\",\"vocab_size\":{trained.VocabSize},\"seconds\":{F(train.Elapsed.TotalSeconds)}}}",
            $"train   {tok.Kind} vocabulary {trained.VocabSize:N0}: {train.Elapsed.TotalSeconds:F2} s");
    }

    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static void Report(bool json, string jsonLine, string text) => Console.WriteLine(json ? jsonLine : text);

    /// <summary>Finds shared/&lt;relative&gt; in SHARPLM_SHARED or beside the current folder or one of its parents.</summary>
    internal static string FindShared(string relative, string option)
    {
        var env = Environment.GetEnvironmentVariable("SHARPLM_SHARED");
        if (!string.IsNullOrEmpty(env) && File.Exists(Path.Combine(env, relative))) return Path.Combine(env, relative);
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new CliException($"{option}: not given and shared/{relative} was not found above {Directory.GetCurrentDirectory()} (set SHARPLM_SHARED)");
    }
}
