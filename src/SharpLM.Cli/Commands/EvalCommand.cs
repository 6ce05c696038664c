using System.CommandLine;
using SharpLM.Autograd;
using SharpLM.Formats;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Cli.Commands;

/// <summary>
/// <c>sharplm eval</c>: how well a trained model predicts some data — the mean next-token
/// cross-entropy (nats per token) and the perplexity e^loss, over consecutive batches
/// (batch i starts at token i·B·T, as llm.c reads its validation file).
/// </summary>
public static class EvalCommand
{
    /// <summary>Creates the <c>eval</c> command.</summary>
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Model folder (a training run, or a Hugging Face GPT-2 folder)." };
        var data = new Option<string?>("--data") { Description = "Text file (tokenized with the model's tokenizer.json) or llm.c token file (.bin)." };
        var batchSize = new Option<int>("--batch-size") { Description = "Sequences per batch (B).", DefaultValueFactory = _ => 4 };
        var blockSize = new Option<int?>("--block-size") { Description = "Tokens per sequence (T); default min(model context, 1024)." };
        var batches = new Option<int?>("--batches") { Description = "Number of batches (default: as many as the data holds)." };
        var threads = new Option<int>("--threads") { Description = "CPU threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cmd = new Command("eval", "Mean loss and perplexity of a model on a text or llm.c token file.");
        foreach (var o in new Option[] { model, data, batchSize, blockSize, batches, threads }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            string modelDir = pr.GetValue(model) ?? throw new CliException("--model is required: a model folder such as runs/quickstart.");
            string dataPath = pr.GetValue(data) ?? throw new CliException("--data is required: a text file or an llm.c .bin token file.");
            if (pr.GetValue(threads) < 1) throw new CliException($"--threads must be ≥ 1, got {pr.GetValue(threads)}.");
            KernelThreads.Count = pr.GetValue(threads);
            try
            {
                var gpt = GptHuggingFace.Load(modelDir);
                int[] tokens = LoadTokens(modelDir, dataPath);
                int b = pr.GetValue(batchSize), t = pr.GetValue(blockSize) ?? Math.Min(gpt.Config.BlockSize, 1024);
                if (b < 1) throw new CliException($"--batch-size must be ≥ 1, got {b}.");
                if (t < 1 || t > gpt.Config.BlockSize) throw new CliException($"--block-size must be in 1..{gpt.Config.BlockSize} (the model's context), got {t}.");
                int available = (tokens.Length - 1) / (b * t);
                if (available < 1) throw new CliException($"{dataPath}: {tokens.Length} tokens are fewer than one batch of B×T+1 = {b * t + 1}; lower --batch-size or --block-size.");
                int count = pr.GetValue(batches) ?? available;
                if (count < 1 || count > available) throw new CliException($"--batches must be in 1..{available} for this data, got {count}.");
                var (loss, seconds) = MeanLoss(gpt, tokens, b, t, count);
                Console.WriteLine($"model {modelDir}, data {dataPath}: {count} batches × {b}×{t} tokens");
                Console.WriteLine($"mean loss {loss:F6}  perplexity {Math.Exp(loss):F4}  ({count * b * t / seconds:N0} tokens/s)");
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or InvalidDataException or TokenizerFormatException)
            {
                throw new CliException(e.Message);
            }
        });
        return cmd;
    }

    /// <summary>Token ids of <paramref name="dataPath"/>: read directly from an llm.c token file, else the text encoded by the model's tokenizer.</summary>
    internal static int[] LoadTokens(string modelDir, string dataPath)
    {
        if (!File.Exists(dataPath)) throw new FileNotFoundException($"--data '{dataPath}' does not exist.", dataPath);
        if (LlmcTokens.IsTokenFile(dataPath)) return LlmcTokens.Read(dataPath);
        var tokenizerPath = Path.Combine(modelDir, Checkpoint.TokenizerFile);
        if (!File.Exists(tokenizerPath))
            throw new FileNotFoundException($"{modelDir} has no {Checkpoint.TokenizerFile}, so text cannot be tokenized; pass an llm.c token file instead.", tokenizerPath);
        var text = TextCorpus.Read(dataPath);
        return TokenizerFiles.Load(tokenizerPath).Encode(text);
    }

    /// <summary>Mean loss over <paramref name="count"/> consecutive batches (batch i starts at token i·B·T); returns it with the seconds taken.</summary>
    internal static (double Loss, double Seconds) MeanLoss(Gpt model, int[] tokens, int b, int t, int count)
    {
        var inputs = new int[b * t];
        var targets = new int[b * t];
        var tape = new Tape(recordGradients: false) { Training = false };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double sum = 0;
        for (int i = 0; i < count; i++)
        {
            int start = i * b * t;
            for (int r = 0; r < b; r++)
            {
                tokens.AsSpan(start + r * t, t).CopyTo(inputs.AsSpan(r * t, t));
                tokens.AsSpan(start + r * t + 1, t).CopyTo(targets.AsSpan(r * t, t));
            }
            tape.Reset();
            sum += model.Loss(tape, inputs, targets, b, t).Data[0];
        }
        return (sum / count, clock.Elapsed.TotalSeconds);
    }
}
