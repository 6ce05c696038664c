using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SharpLM.Generation;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Cli.Commands.Bench;

/// <summary>
/// <c>sharplm bench decode</c>: inference speed of a model preset on random weights: prefill
/// tokens/s (the prompt in one batched pass) and decode tokens/s (one token at a time over
/// the KV cache, greedy), each the median of several runs.
/// </summary>
public static class DecodeBench
{
    /// <summary>Creates the <c>decode</c> sub-command.</summary>
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "Model size: " + string.Join(", ", GptConfig.PresetNames), DefaultValueFactory = _ => "gpt2" };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Prompt length prefilled in one pass.", DefaultValueFactory = _ => 128 };
        var newTokens = new Option<int>("--new-tokens") { Description = "Tokens decoded one at a time after the prompt.", DefaultValueFactory = _ => 128 };
        var threads = new Option<int>("--threads") { Description = "Kernel threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var context = new Option<int?>("--context") { Description = "Context length the KV cache is sized for (default: the preset's, at most 4096; llama-3.2-1b's 131072 would need 8.6 GB of cache)." };
        var repeat = new Option<int>("--repeat") { Description = "Timed runs; the median is reported.", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "One JSON object per line instead of text." };
        var cmd = new Command("decode", "Prefill and decode tokens/s of a preset on random weights (KV cache, fp32).");
        foreach (var o in new Option[] { preset, promptTokens, newTokens, threads, context, repeat, json }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            Run(pr.GetValue(preset)!, pr.GetValue(promptTokens), pr.GetValue(newTokens), pr.GetValue(threads), pr.GetValue(context), pr.GetValue(repeat), pr.GetValue(json));
            return 0;
        });
        return cmd;
    }

    private static void Run(string presetName, int promptTokens, int newTokens, int threads, int? context, int repeat, bool json)
    {
        GptConfig config;
        try { config = GptConfig.Preset(presetName); }
        catch (ArgumentException e) { throw new CliException($"--preset: {e.Message}"); }
        if (context is < 1) throw new CliException($"--context must be ≥ 1, got {context}");
        config = config with { BlockSize = context ?? Math.Min(config.BlockSize, 4096) };
        if (threads < 1) throw new CliException($"--threads must be ≥ 1, got {threads}");
        if (repeat < 1) throw new CliException($"--repeat must be ≥ 1, got {repeat}");
        if (promptTokens < 1) throw new CliException($"--prompt-tokens must be ≥ 1, got {promptTokens}");
        if (newTokens < 1) throw new CliException($"--new-tokens must be ≥ 1, got {newTokens}");
        if (promptTokens + newTokens > config.BlockSize)
            throw new CliException($"--prompt-tokens + --new-tokens = {promptTokens + newTokens} exceeds the {presetName} context of {config.BlockSize}");
        KernelThreads.Count = threads;

        if (!json) Console.Error.WriteLine($"building {presetName} with random weights…");
        var model = new Gpt(config, seed: 1);
        var generator = new Generator(model, new GeneratorOptions { PrefillChunk = promptTokens });
        var (prefillMedian, decodeMedian) = DecodeTiming.Measure(generator, config.VocabSize, promptTokens, newTokens, repeat, (r, p, d) =>
        {
            if (!json) Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture, "run {0}: prefill {1:F1} tok/s, decode {2:F1} tok/s", r + 1, p, d));
        });
        double ceiling = WeightStreamTokensPerSecond(model, newTokens, repeat);
        double bandwidth = ReadBandwidthGBs(repeat);
        var inv = CultureInfo.InvariantCulture;
        if (json)
            Console.WriteLine(string.Format(inv, "{{\"bench\":\"decode\",\"preset\":\"{0}\",\"prompt_tokens\":{1},\"new_tokens\":{2},\"prefill_tok_s\":{3:F1},\"decode_tok_s\":{4:F1},\"weight_stream_tok_s\":{6:F1},\"threads\":{5},\"weight_gb_s\":{7:F2},\"read_bandwidth_gb_s\":{8:F2}}}",
                presetName, promptTokens, newTokens, prefillMedian, decodeMedian, threads, ceiling, decodeMedian * 4.0 * model.ParameterCount() / 1e9, bandwidth));
        else
        {
            double weightBytes = 4.0 * model.ParameterCount();
            Console.WriteLine(string.Format(inv, "{0}: prefill {1:F1} tok/s ({2} tokens), decode {3:F1} tok/s ({4} tokens, {5:F1} GB/s of weights), {6} thread(s), median of {7}",
                presetName, prefillMedian, promptTokens, decodeMedian, newTokens, decodeMedian * weightBytes / 1e9, threads, repeat));
            Console.WriteLine(string.Format(inv, "ceiling: streaming the same weights through the decode mat-vec alone (no attention, norms or sampling) gives {0:F1} tok/s; decode reaches {1:F0}% of it",
                ceiling, 100 * decodeMedian / ceiling));
            Console.WriteLine(string.Format(inv, "machine read bandwidth ({0} thread(s) summing a {1} MB array): {2:F1} GB/s; decode streams weights at {3:F0}% of it",
                threads, BandwidthBytes >> 20, bandwidth, 100 * decodeMedian * weightBytes / 1e9 / bandwidth));
        }
    }

    private const long BandwidthBytes = 512L << 20;

    /// <summary>
    /// The machine's read bandwidth as the decode sees it: the kernel threads each sum their contiguous part
    /// of a 512 MB array (far beyond any cache), median GB/s of several passes. A memory-bound decode cannot
    /// stream its weights faster than this.
    /// </summary>
    private static unsafe double ReadBandwidthGBs(int repeat)
    {
        int n = (int)(BandwidthBytes / 4);
        var data = new Tensor(n);
        data.Span.Fill(1f);
        float* p = data.Pointer;
        double total = 0;
        var rates = new double[Math.Max(3, repeat)];
        for (int r = -1; r < rates.Length; r++)
        {
            var sw = Stopwatch.StartNew();
            KernelThreads.For(n, (s, e) =>
            {
                float sum = System.Numerics.Tensors.TensorPrimitives.Sum(new ReadOnlySpan<float>(p + s, e - s));
                lock (rates) total += sum;   // keeps the sum observable so nothing is optimized away
            });
            if (r >= 0) rates[r] = BandwidthBytes / sw.Elapsed.TotalSeconds / 1e9;
        }
        if (!(total > 0)) throw new InvalidOperationException("read bandwidth probe: the array did not sum to a positive number");
        Array.Sort(rates);
        return rates[rates.Length / 2];
    }

    /// <summary>
    /// The memory-bound ceiling measured in the same run: per "token", every weight matrix a
    /// decode step reads goes through the same mat-vec once (QKV, output, up, gate, down per layer,
    /// then the vocabulary head), with nothing else. Median tokens/s.
    /// </summary>
    private static unsafe double WeightStreamTokensPerSecond(Gpt model, int tokens, int repeat)
    {
        var cfg = model.Config;
        var matVec = new DecodeMatVec();
        var x = new Tensor(Math.Max(cfg.MlpWidth, cfg.Width));
        var y = new Tensor(Math.Max(cfg.VocabSize, cfg.MlpWidth));
        var rates = new double[repeat];
        for (int r = -1; r < repeat; r++)
        {
            var sw = Stopwatch.StartNew();
            for (int t = 0; t < tokens; t++)
            {
                foreach (var b in model.Blocks)
                    foreach (var lin in new[] { b.Attention.QkvProjection, b.Attention.OutputProjection, b.Mlp.Up, b.Mlp.Gate, b.Mlp.Down }.OfType<SharpLM.Nn.Linear>())
                        matVec.Run(lin.OutFeatures, lin.InFeatures, lin.Weight.Data.Pointer, x.Pointer, null, y.Pointer, accumulate: false);
                matVec.Run(cfg.VocabSize, cfg.Width, model.OutputWeight.Data.Pointer, x.Pointer, null, y.Pointer, accumulate: false);
            }
            if (r >= 0) rates[r] = tokens / sw.Elapsed.TotalSeconds;
        }
        Array.Sort(rates);
        return rates[repeat / 2];
    }
}
