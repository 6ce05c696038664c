using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SharpLM.Autograd;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Training;

namespace SharpLM.Cli.Commands.Bench;

/// <summary>
/// <c>sharplm bench train</c>: the speed of one GPT training step (forward, backward, AdamW
/// update) on random weights and random tokens, as llm.c's <c>train_gpt2</c> times it: median
/// milliseconds per step and per phase, tokens/s, achieved GFLOP/s against the machine's fp32
/// peak, peak memory, and with <c>--profile</c> where the time goes op by op.
/// </summary>
public static class TrainBench
{
    /// <summary>
    /// Default "% of peak" denominator: the fp32 FMA peak of the 2-vCPU Zen 5 machine we benchmark
    /// on (≈ 228 GFLOP/s per core with AVX-512, see BENCHMARKS.md); set --peak-gflops for yours.
    /// </summary>
    public const double DefaultPeakGflops = 455;

    /// <summary>Creates the <c>train</c> sub-command.</summary>
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "Model size: " + string.Join(", ", GptConfig.PresetNames), DefaultValueFactory = _ => "gpt2" };
        var batch = new Option<int>("--batch-size") { Description = "B, sequences per step.", DefaultValueFactory = _ => 4 };
        var block = new Option<int>("--block-size") { Description = "T, tokens per sequence.", DefaultValueFactory = _ => 64 };
        var steps = new Option<int>("--steps") { Description = "Timed steps; the median is reported.", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first (JIT, buffer pools).", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Kernel threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the random weights and tokens.", DefaultValueFactory = _ => 1337 };
        var json = new Option<bool>("--json") { Description = "One JSON object instead of text." };
        var profile = new Option<bool>("--profile") { Description = "Also print a per-op profile of the timed steps." };
        var peak = new Option<double>("--peak-gflops") { Description = "The machine's fp32 FMA peak in GFLOP/s, for the % of peak figures.", DefaultValueFactory = _ => DefaultPeakGflops };
        var cmd = new Command("train", "Milliseconds per GPT training step (forward, backward, AdamW) on random weights and tokens.");
        foreach (var o in new Option[] { preset, batch, block, steps, warmup, threads, seed, json, profile, peak }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            Run(pr.GetValue(preset)!, pr.GetValue(batch), pr.GetValue(block), pr.GetValue(steps), pr.GetValue(warmup),
                pr.GetValue(threads), pr.GetValue(seed), pr.GetValue(json), pr.GetValue(profile), pr.GetValue(peak));
            return 0;
        });
        return cmd;
    }

    private static void Run(string presetName, int b, int t, int steps, int warmup, int threads, ulong seed, bool json, bool profile, double peakGflops)
    {
        GptConfig config;
        try { config = GptConfig.Preset(presetName); }
        catch (ArgumentException e) { throw new CliException($"--preset: {e.Message}"); }
        if (b < 1) throw new CliException($"--batch-size must be ≥ 1, got {b}");
        if (t < 1 || t > config.BlockSize) throw new CliException($"--block-size must be in 1..{config.BlockSize} (the {presetName} context), got {t}");
        if (steps < 1) throw new CliException($"--steps must be ≥ 1, got {steps}");
        if (warmup < 0) throw new CliException($"--warmup must be ≥ 0, got {warmup}");
        if (threads < 1) throw new CliException($"--threads must be ≥ 1, got {threads}");
        KernelThreads.Count = threads;

        if (!json) Console.Error.WriteLine($"building {presetName} with random weights…");
        var model = new Gpt(config, seed);
        var step = new TrainStepRunner(model, b, t, seed);
        var profiler = profile ? new TapeProfiler() : null;

        var forward = new double[steps];
        var backward = new double[steps];
        var update = new double[steps];
        var total = new double[steps];
        for (int s = -warmup; s < steps; s++)
        {
            step.Profiler = s >= 0 ? profiler : null;
            var r = step.Run();
            if (!json) Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture, "step {0}: loss {1:F4}, {2:F1} ms{3}", s + 1, r.Loss, r.TotalMs, s < 0 ? " (warm-up)" : ""));
            if (s < 0) continue;
            forward[s] = r.ForwardMs; backward[s] = r.BackwardMs; update[s] = r.UpdateMs; total[s] = r.TotalMs;
        }

        double ms = Median(total);
        int tokens = b * t;
        double flops = StepFlops(model, tokens, t);
        double gflops = flops / (ms * 1e6);
        double peakMb = PeakResidentMegabytes();
        var inv = CultureInfo.InvariantCulture;
        if (json)
        {
            Console.WriteLine(string.Format(inv,
                "{{\"bench\":\"train\",\"preset\":\"{0}\",\"batch\":{1},\"block\":{2},\"threads\":{3},\"ms_per_step\":{4:F1},\"forward_ms\":{5:F1},\"backward_ms\":{6:F1},\"update_ms\":{7:F1},\"tokens_per_s\":{8:F1},\"gflops\":{9:F1},\"peak_mb\":{10:F0}}}",
                presetName, b, t, threads, ms, Median(forward), Median(backward), Median(update), tokens / (ms / 1000), gflops, peakMb));
        }
        else
        {
            Console.WriteLine($"Training step: {presetName} ({model.ParameterCount() / 1e6:F1}M parameters), B={b} T={t}, {threads} thread(s), median of {steps} step(s) after {warmup} warm-up");
            Console.WriteLine(string.Format(inv, "  step      {0,9:F1} ms   (min {1:F1}, max {2:F1})", ms, total.Min(), total.Max()));
            Console.WriteLine(string.Format(inv, "  forward   {0,9:F1} ms", Median(forward)));
            Console.WriteLine(string.Format(inv, "  backward  {0,9:F1} ms", Median(backward)));
            Console.WriteLine(string.Format(inv, "  update    {0,9:F1} ms   (AdamW; the next backward overwrites the gradients, no zeroing pass)", Median(update)));
            Console.WriteLine(string.Format(inv, "  tokens/s  {0,9:F1}", tokens / (ms / 1000)));
            Console.WriteLine(string.Format(inv, "  GFLOP/s   {0,9:F1}      ({1:F1}% of the {2} GFLOP/s fp32 peak; {3:F2} GFLOP per step)", gflops, 100 * gflops / peakGflops, peakGflops, flops / 1e9));
            Console.WriteLine(string.Format(inv, "  peak RSS  {0,9:F0} MB", peakMb));
        }
        if (profiler is not null) TrainProfileTable.Print(profiler, steps, total.Sum() / steps, MatmulFlops(model, tokens), peakGflops, Console.Out);
    }

    /// <summary>
    /// FLOPs of one training step as nanoGPT/PaLM count them: 6·N per token (N = parameters in
    /// matrix products, <see cref="GptBudget.MatmulParameters"/>: without the position table or an untied
    /// embedding lookup; forward 2N, backward 4N) plus attention's 12·L·H·D·T per token.
    /// </summary>
    public static double StepFlops(Gpt model, int tokens, int t) => GptBudget.TrainingFlopsPerToken(model.Config, t) * tokens;

    /// <summary>FLOPs of the step's matrix products only: forward 2·(weights of every linear layer and the head) per token, backward twice that.</summary>
    public static double MatmulFlops(Gpt model, int tokens)
    {
        var c = model.Config;
        int mlpMatrices = c.Activation == MlpActivation.SwiGlu ? 3 : 2;      // up, down (+ SwiGLU's gate)
        double weights = c.Layers * ((double)c.QkvWidth * c.Width + (double)c.Heads * c.HeadSize * c.Width + mlpMatrices * (double)c.Width * c.MlpWidth)
            + (double)c.PaddedVocabSize * c.Width;
        return 6.0 * weights * tokens;
    }

    /// <summary>The process's peak resident memory (VmHWM in /proc/self/status), in MB; 0 where unavailable.</summary>
    public static double PeakResidentMegabytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }

    private static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
