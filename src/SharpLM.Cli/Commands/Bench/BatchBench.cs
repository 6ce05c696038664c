using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SharpLM.Generation;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Cli.Commands.Bench;

/// <summary>
/// <c>sharplm bench batch</c>: what continuous batching buys. For 1, 2, 4, 8 … concurrent
/// sequences of a preset on random weights, the aggregate decode tokens/s of a
/// <see cref="BatchedDecoder"/> (all sequences advanced by one batched forward per step, greedy),
/// each the median of several runs, against one sequence decoded alone by a <see cref="Generator"/>.
/// Decoding is bound by reading the weights, so a step for B sequences costs little more than for one.
/// </summary>
public static class BatchBench
{
    /// <summary>Creates the <c>batch</c> sub-command.</summary>
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "Model size: " + string.Join(", ", GptConfig.PresetNames), DefaultValueFactory = _ => "gpt2" };
        var sequences = new Option<string>("--sequences") { Description = "Comma-separated concurrent sequence counts.", DefaultValueFactory = _ => "1,2,4,8" };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Prompt length of each sequence (prefilled before timing).", DefaultValueFactory = _ => 32 };
        var newTokens = new Option<int>("--new-tokens") { Description = "Batched decode steps timed per run.", DefaultValueFactory = _ => 32 };
        var threads = new Option<int>("--threads") { Description = "Kernel threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var repeat = new Option<int>("--repeat") { Description = "Timed runs; the median is reported.", DefaultValueFactory = _ => 3 };
        var kernel = new Option<string>("--kernel") { Description = "Batch projections: skinny (weights streamed once, the default) or gemm (the packed GEMM, for comparison).", DefaultValueFactory = _ => "skinny" };
        var json = new Option<bool>("--json") { Description = "One JSON object per line instead of text." };
        var cpuTime = new Option<bool>("--cpu-time") { Description = "Time by process CPU time ÷ threads instead of wall clock: estimates the idle-machine rate on a busy shared machine." };
        var cmd = new Command("batch", "Aggregate decode tok/s of 1, 2, 4, 8 sequences batched together (continuous batching), fp32 random weights.");
        foreach (var o in new Option[] { preset, sequences, promptTokens, newTokens, threads, repeat, kernel, json, cpuTime }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            Run(pr.GetValue(preset)!, pr.GetValue(sequences)!, pr.GetValue(promptTokens), pr.GetValue(newTokens), pr.GetValue(threads), pr.GetValue(repeat), pr.GetValue(kernel)!, pr.GetValue(json), pr.GetValue(cpuTime));
            return 0;
        });
        return cmd;
    }

    private static void Run(string presetName, string sequenceList, int promptTokens, int newTokens, int threads, int repeat, string kernel, bool json, bool cpuTime)
    {
        GptConfig config;
        try { config = GptConfig.Preset(presetName); }
        catch (ArgumentException e) { throw new CliException($"--preset: {e.Message}"); }
        var counts = new List<int>();
        foreach (var part in sequenceList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int b) || b < 1 || b > 64)
                throw new CliException($"--sequences: '{part}' is not a count in 1 … 64");
            counts.Add(b);
        }
        if (counts.Count == 0) throw new CliException("--sequences: no counts given");
        if (threads < 1) throw new CliException($"--threads must be ≥ 1, got {threads}");
        if (repeat < 1) throw new CliException($"--repeat must be ≥ 1, got {repeat}");
        if (promptTokens < 1) throw new CliException($"--prompt-tokens must be ≥ 1, got {promptTokens}");
        if (newTokens < 1) throw new CliException($"--new-tokens must be ≥ 1, got {newTokens}");
        BatchForward.UseSkinnyKernel = kernel switch
        {
            "skinny" => true,
            "gemm" => false,
            _ => throw new CliException($"--kernel must be skinny or gemm, got '{kernel}'"),
        };
        // The cache holds what the run needs (GPT-2's full 1024 positions would be 75 MB per sequence).
        int context = promptTokens + newTokens + 1;
        if (context > config.BlockSize) throw new CliException($"--prompt-tokens + --new-tokens = {context - 1} exceeds the {presetName} context of {config.BlockSize}");
        config = config with { BlockSize = context };
        KernelThreads.Count = threads;

        if (!json) Console.Error.WriteLine($"building {presetName} with random weights…");
        var model = new Gpt(config, seed: 1);
        var inv = CultureInfo.InvariantCulture;
        string clock = cpuTime ? "cpu" : "wall";
        double alone = MeasureAlone(model, promptTokens, newTokens, repeat, threads, cpuTime);
        if (json) Console.WriteLine(string.Format(inv, "{{\"bench\":\"batch\",\"preset\":\"{0}\",\"mode\":\"generator\",\"sequences\":1,\"aggregate_tok_s\":{1:F1},\"threads\":{2},\"clock\":\"{3}\"}}", presetName, alone, threads, clock));
        else Console.WriteLine(string.Format(inv, "{0}: one sequence alone (Generator, mat-vec decode): {1:F1} tok/s, {2} thread(s), median of {3} ({4} clock)", presetName, alone, threads, repeat, clock));

        double one = 0;
        foreach (int b in counts)
        {
            double rate = Measure(model, b, promptTokens, newTokens, repeat, threads, cpuTime, (r, t) =>
            {
                if (!json) Console.Error.WriteLine(string.Format(inv, "  {0} sequences, run {1}: {2:F1} tok/s", b, r + 1, t));
            });
            if (b == counts[0]) one = rate / b;
            if (json)
                Console.WriteLine(string.Format(inv, "{{\"bench\":\"batch\",\"preset\":\"{0}\",\"mode\":\"batched\",\"kernel\":\"{1}\",\"sequences\":{2},\"aggregate_tok_s\":{3:F1},\"per_sequence_tok_s\":{4:F1},\"vs_alone\":{5:F2},\"threads\":{6},\"new_tokens\":{7},\"clock\":\"{8}\"}}",
                    presetName, kernel, b, rate, rate / b, rate / alone, threads, newTokens, clock));
            else
                Console.WriteLine(string.Format(inv, "{0} sequence(s) batched ({1}): {2:F1} tok/s aggregate, {3:F1} per sequence, {4:F2}× one sequence alone",
                    b, kernel, rate, rate / b, rate / alone));
        }
    }

    /// <summary>Seconds one timed section took: wall clock, or the process's CPU time ÷ threads.</summary>
    private static double Seconds(Action section, int threads, bool cpuTime)
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        section();
        double wall = sw.Elapsed.TotalSeconds;
        if (!cpuTime) return wall;
        process.Refresh();
        return (process.TotalProcessorTime - cpu0).TotalSeconds / threads;
    }

    private static int[] Prompt(Rng rng, int length, int vocab)
    {
        var p = new int[length];
        for (int i = 0; i < length; i++) p[i] = rng.NextInt(vocab);
        return p;
    }

    /// <summary>Median tokens/s of one sequence decoded alone by a <see cref="Generator"/> (greedy, after its prompt).</summary>
    private static double MeasureAlone(Gpt model, int promptTokens, int steps, int repeat, int threads, bool cpuTime)
    {
        var generator = new Generator(model, new GeneratorOptions { PrefillChunk = promptTokens });
        var sampler = new Sampler(model.Config.VocabSize, SamplerOptions.Greedy);
        var prompt = Prompt(new Rng(11), promptTokens, model.Config.VocabSize);
        var rates = new double[repeat];
        for (int r = -1; r < repeat; r++) // run -1 warms up
        {
            generator.Reset();
            int next = sampler.Sample(generator.Prefill(prompt), generator.Tokens);
            double seconds = Seconds(() =>
            {
                for (int i = 0; i < steps; i++) next = sampler.Sample(generator.Decode(next), generator.Tokens);
            }, threads, cpuTime);
            if (r >= 0) rates[r] = steps / seconds;
        }
        Array.Sort(rates);
        return rates[repeat / 2];
    }

    /// <summary>Median aggregate tokens/s of <paramref name="sequences"/> sequences decoded together for <paramref name="steps"/> steps after their prompts.</summary>
    private static double Measure(Gpt model, int sequences, int promptTokens, int steps, int repeat, int threads, bool cpuTime, Action<int, double> onRun)
    {
        var decoder = new BatchedDecoder(model, new BatchedDecoderOptions { Slots = sequences, PrefillChunk = promptTokens });
        var rng = new Rng(11);
        var prompts = new int[sequences][];
        for (int s = 0; s < sequences; s++) prompts[s] = Prompt(rng, promptTokens, model.Config.VocabSize);
        var sampled = new int[sequences];
        var rates = new double[repeat];
        for (int r = -1; r < repeat; r++) // run -1 warms up
        {
            foreach (var slot in decoder.Slots) if (slot.IsActive) decoder.Leave(slot);
            foreach (var p in prompts) decoder.Join(p, SamplerOptions.Greedy);
            double seconds = Seconds(() =>
            {
                for (int i = 0; i < steps; i++) decoder.SampleAndStep(sampled);
            }, threads, cpuTime);
            if (r < 0) continue;
            rates[r] = (double)sequences * steps / seconds;
            onRun(r, rates[r]);
        }
        Array.Sort(rates);
        return rates[repeat / 2];
    }
}
