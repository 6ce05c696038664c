using System.CommandLine;
using SharpLM.Models;

namespace SharpLM.Cli.Commands;

/// <summary>
/// <c>sharplm info</c>: plans a run before starting it — a model's parameter count, memory
/// for weights, gradients, AdamW state and activations, training FLOPs per token and the
/// Chinchilla compute-optimal number of training tokens, and for inference the KV cache's bytes
/// per token (2·L·Hkv·D·4: grouped-query attention shrinks it by H/Hkv).
/// </summary>
public static class InfoCommand
{
    /// <summary>Creates the <c>info</c> command.</summary>
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = $"Model preset: {string.Join(", ", GptConfig.PresetNames)}.", DefaultValueFactory = _ => "gpt2" };
        var layers = new Option<int?>("--layers") { Description = "Override the number of layers." };
        var heads = new Option<int?>("--heads") { Description = "Override the number of heads." };
        var width = new Option<int?>("--width") { Description = "Override the width." };
        var kvHeads = new Option<int?>("--kv-heads") { Description = "Override the key/value heads (grouped-query attention; 1 = multi-query)." };
        var mlpHidden = new Option<int?>("--mlp-hidden") { Description = "Override the MLP hidden size." };
        var vocab = new Option<int?>("--vocab") { Description = "Vocabulary size (default: GPT-2's 50257)." };
        var batch = new Option<int>("--batch-size") { Description = "Batch size for the activation estimate.", DefaultValueFactory = _ => 4 };
        var block = new Option<int?>("--block-size") { Description = "Sequence length for the activation and attention estimate (default: the context length)." };
        var model = new Option<string?>("--model") { Description = "A .gguf file to describe instead of a preset: architecture, shape, tokenizer and bytes per weight type." };
        var cmd = new Command("info", "Parameters, memory, FLOPs per token and compute-optimal tokens of a model size.");
        foreach (var o in new Option[] { preset, layers, heads, width, kvHeads, mlpHidden, vocab, batch, block, model }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            if (pr.GetValue(model) is { } gguf)
            {
                foreach (var line in GgufInfo.Describe(gguf)) Console.WriteLine(line);
                return 0;
            }
            GptConfig c;
            try
            {
                var p = GptConfig.Preset(pr.GetValue(preset)!);
                c = (p with
                {
                    Layers = pr.GetValue(layers) ?? p.Layers, Heads = pr.GetValue(heads) ?? p.Heads, Width = pr.GetValue(width) ?? p.Width,
                    VocabSize = pr.GetValue(vocab) ?? p.VocabSize,
                    KvHeads = pr.GetValue(kvHeads) ?? p.KvHeads, MlpHidden = pr.GetValue(mlpHidden) ?? p.MlpHidden,
                }).Validate();
            }
            catch (ArgumentException e) { throw new CliException(e.Message); }
            int b = pr.GetValue(batch), t = pr.GetValue(block) ?? c.BlockSize;
            if (t < 1 || t > c.BlockSize) throw new CliException($"--block-size must be in 1..{c.BlockSize} (the context length), got {t}.");
            if (b < 1) throw new CliException($"--batch-size must be ≥ 1, got {b}.");
            foreach (var line in Describe(c, b, t)) Console.WriteLine(line);
            return 0;
        });
        return cmd;
    }

    /// <summary>The report's lines for config <paramref name="c"/> at batch <paramref name="b"/> and length <paramref name="t"/>.</summary>
    public static IEnumerable<string> Describe(GptConfig c, int b, int t)
    {
        long n = GptBudget.Parameters(c);
        double flops = GptBudget.TrainingFlopsPerToken(c, t);
        long weights = GptBudget.WeightBytes(c), grads = GptBudget.GradientBytes(c), adam = GptBudget.OptimizerBytes(c), act = GptBudget.ActivationBytes(c, b, t);
        yield return $"model: {Family(c)}, {c.Layers} layers, {c.Heads} heads × {c.HeadSize}{(c.KvHeadCount != c.Heads ? $" ({c.KvHeadCount} key/value heads)" : "")}, width {c.Width}, MLP {c.MlpWidth}{(c.Activation == MlpActivation.SwiGlu ? " (SwiGLU)" : "")}, context {c.BlockSize}, vocab {c.VocabSize} (padded to {c.PaddedVocabSize})";
        if (c.Positions == PositionEncoding.Rotary)
            yield return $"positions: rotary, θ = {c.RopeTheta:G}{(c.RopeScaling is { } rs ? $", {rs.Kind.ToString().ToLowerInvariant()} scaling ×{rs.Factor:G}" : "")}; {(c.TiedEmbeddings ? "tied" : "untied")} head";
        yield return $"parameters: {n:N0} ({Human(n)}), of which in matrix products {GptBudget.MatmulParameters(c):N0}";
        yield return $"memory (fp32): weights {Mb(weights)}, gradients {Mb(grads)}, AdamW moments {Mb(adam)}, activations at B={b}, T={t} ≈ {Mb(act)} (×2 with their gradients)";
        yield return $"  training total ≈ {Mb(weights + grads + adam + 2 * act)}; inference weights only {Mb(weights)}";
        yield return $"FLOPs per token (training, T={t}): {Flop(flops)} = 6·N {Flop(6.0 * GptBudget.MatmulParameters(c))} + attention 12·L·H·D·T {Flop(GptBudget.AttentionFlopsPerToken(c, t))}";
        yield return $"  one step of B={b}, T={t}: {Flop(flops * b * t)}";
        long kv = GptBudget.KvCacheBytesPerToken(c);
        yield return $"KV cache (inference, fp32): {kv:N0} bytes per token = 2·L·Hkv·D·4 ({c.Layers} layers × {c.KvHeadCount} key/value heads × {c.HeadSize}); {Mb(kv * (long)t)} at T={t}";
        long chin = GptBudget.ChinchillaTokens(c);
        yield return $"compute-optimal training (Chinchilla, 20 tokens/parameter): {chin:N0} tokens ({Human(chin)}), {Flop(flops * chin)}";
    }

    private static string Family(GptConfig c) => c.IsLlamaStyle ? "LLaMA-style" : "GPT-style";

    private static string Flop(double f) => f switch
    {
        >= 1e15 => $"{f / 1e15:F2} PFLOP",
        >= 1e12 => $"{f / 1e12:F2} TFLOP",
        >= 1e9 => $"{f / 1e9:F3} GFLOP",
        >= 1e6 => $"{f / 1e6:F2} MFLOP",
        _ => $"{f / 1e3:F2} kFLOP",
    };

    private static string Mb(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):F2} GiB" : $"{bytes / (double)(1 << 20):F1} MiB";

    private static string Human(long n) => n >= 1_000_000_000 ? $"{n / 1e9:F2}B" : n >= 1_000_000 ? $"{n / 1e6:F1}M" : n >= 1000 ? $"{n / 1e3:F1}K" : n.ToString();
}
