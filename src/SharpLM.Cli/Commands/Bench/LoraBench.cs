using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SharpLM.Adapters;
using SharpLM.Formats;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Cli.Commands.Bench;

/// <summary>
/// <c>sharplm bench lora</c>: LoRA against full fine-tuning of a GPT-2 124M-shape model on the same
/// task. Phase <c>base</c> briefly pretrains the 124M model on tinyshakespeare (GPT-2 BPE ids) and
/// writes it, with the task's tokens (the SDK's XML documentation text), into the work folder; phases
/// <c>full</c> and <c>lora</c>, each in its own process so peak memory is its own, load that base and
/// fine-tune it on the documentation text with the same batches and steps, reporting trainable
/// parameters, optimizer state, peak RSS, median step time and held-out loss / perplexity.
/// </summary>
public static class LoraBench
{
    /// <summary>Creates the <c>lora</c> sub-command.</summary>
    public static Command Create()
    {
        var phase = new Option<string>("--phase") { Description = "base (pretrain and write the base + task data), full or lora (fine-tune the base).", Required = true };
        var work = new Option<string>("--work") { Description = "Folder for the base model, the task tokens and results.jsonl.", Required = true };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps (pretraining for base, fine-tuning otherwise).", DefaultValueFactory = _ => 150 };
        var batch = new Option<int>("--batch-size") { Description = "B, sequences per step.", DefaultValueFactory = _ => 4 };
        var block = new Option<int>("--block-size") { Description = "T, tokens per sequence.", DefaultValueFactory = _ => 64 };
        var lr = new Option<float?>("--lr") { Description = "Peak learning rate (default: 6e-4 base, 3e-4 full, 2e-3 lora)." };
        var spec = new Option<string>("--lora") { Description = "LoRA spec for the lora phase (" + LoraOptions.SpecHelp + ").", DefaultValueFactory = _ => "r=16,alpha=32,targets=all-linear" };
        var docsChars = new Option<int>("--docs-chars") { Description = "Characters of SDK documentation text for the task (base phase).", DefaultValueFactory = _ => 1_500_000 };
        var threads = new Option<int>("--threads") { Description = "Kernel threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var shakespeare = new Option<string>("--pretrain-ids") { Description = "GPT-2 token ids, one per line, for the base phase.", DefaultValueFactory = _ => "../shared/data/tinyshakespeare.gpt2.ids" };
        var gpt2 = new Option<string>("--gpt2-vocab") { Description = "Folder with GPT-2's vocab.json and merges.txt (tokenizes the task text).", DefaultValueFactory = _ => "../shared/data/gpt2" };
        var cmd = new Command("lora", "LoRA vs full fine-tuning of a GPT-2 124M-shape model: trainable parameters, peak RSS, step time, held-out loss.");
        foreach (var o in new Option[] { phase, work, steps, batch, block, lr, spec, docsChars, threads, shakespeare, gpt2 }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            int t = pr.GetValue(threads);
            if (t < 1) throw new CliException($"--threads must be ≥ 1, got {t}");
            KernelThreads.Count = t;
            string dir = pr.GetValue(work)!;
            int s = pr.GetValue(steps), b = pr.GetValue(batch), T = pr.GetValue(block);
            if (s < 1 || b < 1 || T < 2 || T > 1024) throw new CliException($"--steps ({s}) and --batch-size ({b}) must be ≥ 1 and --block-size ({T}) in 2..1024.");
            switch (pr.GetValue(phase))
            {
                case "base": Base(dir, s, b, T, pr.GetValue(lr) ?? 6e-4f, pr.GetValue(docsChars), pr.GetValue(shakespeare)!, pr.GetValue(gpt2)!); break;
                case "full": FineTune(dir, null, s, b, T, pr.GetValue(lr) ?? 3e-4f); break;
                case "lora":
                    LoraOptions options;
                    try { options = LoraOptions.Parse(pr.GetValue(spec)!); }
                    catch (FormatException e) { throw new CliException("--lora: " + e.Message); }
                    FineTune(dir, options, s, b, T, pr.GetValue(lr) ?? 2e-3f);
                    break;
                default: throw new CliException($"--phase must be base, full or lora, got '{pr.GetValue(phase)}'");
            }
            return 0;
        });
        return cmd;
    }

    private static string BaseFolder(string work) => Path.Combine(work, "base");

    private static string TaskTokens(string work) => Path.Combine(work, "sdk-docs.gpt2.ids");

    private static void Base(string work, int steps, int b, int t, float lr, int docsChars, string idsPath, string vocabFolder)
    {
        if (!File.Exists(idsPath)) throw new CliException($"--pretrain-ids: '{idsPath}' does not exist");
        var ids = File.ReadLines(idsPath).Where(l => l.Length > 0).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToArray();
        var tokenizer = Gpt2VocabFiles.LoadFolder(vocabFolder);
        var files = QuickstartCorpus.FindDocumentationFiles();
        if (files.Count == 0) throw new CliException("no SDK XML documentation found (the task text); is the .NET SDK's packs folder present?");
        string text = QuickstartCorpus.Extract(files, docsChars, seed: 7);
        var task = tokenizer.Encode(text).ToArray();
        Directory.CreateDirectory(work);
        AtomicFile.WriteAllText(TaskTokens(work), string.Join('\n', task) + "\n");
        Console.Error.WriteLine($"task: {text.Length:N0} characters of SDK documentation → {task.Length:N0} GPT-2 tokens; pretraining on {ids.Length:N0} tinyshakespeare tokens");

        var model = new Gpt(GptConfig.Preset("gpt2"), 1337);
        var options = new TrainingOptions { BatchSize = b, BlockSize = t, MaxSteps = steps, LearningRate = lr, MinLearningRate = lr / 10, WarmupSteps = Math.Min(20, steps / 5), EvalBatches = 10 };
        var trainer = new Trainer(model, new TokenDataset(ids, 0.1, t, "tinyshakespeare"), options);
        var clock = Stopwatch.StartNew();
        for (int s = 0; s < steps; s++)
        {
            var r = trainer.TrainStep();
            if (s % 10 == 0 || s == steps - 1) Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture, "base step {0}: loss {1:F3}, {2:F0} ms", r.Step, r.Loss, r.TotalMs));
        }
        float val = trainer.EvaluateValidation().Loss;
        GptHuggingFace.Save(model, BaseFolder(work));
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "base: {0} steps in {1:F0} s, tinyshakespeare held-out loss {2:F3}; written to {3}", steps, clock.Elapsed.TotalSeconds, val, BaseFolder(work)));
    }

    private static void FineTune(string work, LoraOptions? lora, int steps, int b, int t, float lr)
    {
        string tokens = TaskTokens(work);
        if (!File.Exists(tokens)) throw new CliException($"'{tokens}' is missing: run --phase base first");
        var ids = File.ReadLines(tokens).Where(l => l.Length > 0).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToArray();
        var model = GptHuggingFace.Load(BaseFolder(work));
        long loadPeak = PeakResidentKilobytes();
        bool reset = ResetPeak(); // from here on the peak is the fine-tuning's own, not the loader's
        string mode = lora is null ? "full" : "lora";
        if (lora is not null) Console.Error.WriteLine(Lora.Apply(model, lora with { BaseModel = "gpt2-124M-shape tinyshakespeare base" }, new Rng(42)));
        var options = new TrainingOptions { BatchSize = b, BlockSize = t, MaxSteps = steps, LearningRate = lr, MinLearningRate = lr / 10, WarmupSteps = Math.Min(10, steps / 10), EvalBatches = 40, Seed = 99 };
        var trainer = new Trainer(model, new TokenDataset(ids, 0.1, t, "sdk-docs"), options);
        float before = trainer.EvaluateValidation().Loss;
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        for (int s = 0; s < steps; s++)
        {
            var r = trainer.TrainStep();
            if (s > 0) times.Add(r.TotalMs); // the first step allocates the pools
            if (s % 10 == 0 || s == steps - 1) Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0} step {1}: loss {2:F3}, {3:F0} ms", mode, r.Step, r.Loss, r.TotalMs));
        }
        double seconds = clock.Elapsed.TotalSeconds;
        float after = trainer.EvaluateValidation().Loss;
        times.Sort();
        double median = times.Count == 0 ? double.NaN : times[times.Count / 2];
        var result = new Dictionary<string, object>
        {
            ["mode"] = mode,
            ["spec"] = lora?.ToString() ?? "",
            ["lr"] = lr,
            ["steps"] = steps,
            ["batch"] = b,
            ["block"] = t,
            ["trainable_params"] = model.TrainableParameterCount(),
            ["total_params"] = model.ParameterCount(),
            ["optimizer_state_bytes"] = trainer.Optimizer.StateBytes,
            ["peak_rss_mb"] = PeakResidentKilobytes() / 1024.0,
            ["peak_reset"] = reset,
            ["load_peak_rss_mb"] = loadPeak / 1024.0,
            ["median_step_ms"] = median,
            ["seconds"] = seconds,
            ["val_loss_before"] = before,
            ["val_loss_after"] = after,
            ["val_ppl_after"] = Math.Exp(after),
            ["utc"] = DateTime.UtcNow.ToString("HH:mm", CultureInfo.InvariantCulture),
        };
        string line = JsonSerializer.Serialize(result);
        File.AppendAllText(Path.Combine(work, "results.jsonl"), line + "\n");
        Console.WriteLine(line);
    }

    /// <summary>VmHWM (peak resident set) of this process in kB; 0 where /proc is unavailable.</summary>
    private static long PeakResidentKilobytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }

    /// <summary>Resets VmHWM to the current RSS (Linux: "5" into /proc/self/clear_refs) after a collection; false where not possible.</summary>
    private static bool ResetPeak()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        try { File.WriteAllText("/proc/self/clear_refs", "5"); return true; }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
