using System.CommandLine;
using System.Globalization;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Training;

namespace SharpLM.Cli.Commands.Bench;

/// <summary>
/// <c>sharplm bench bert-train</c>: the speed of one BERT pretraining step (forward, backward,
/// AdamW) — B sentence pairs of exactly T tokens, 15% of them scored by the MLM head, NSP on the
/// pooled vector — on random weights and tokens. Its peer is bench/BertTorchSharp (the same model
/// and batch in TorchSharp).
/// </summary>
public static class BertTrainBench
{
    /// <summary>Creates the <c>bert-train</c> sub-command.</summary>
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "Model size: " + string.Join(", ", BertConfig.PresetNames), DefaultValueFactory = _ => "bert-base" };
        var batch = new Option<int>("--batch-size") { Description = "B, sentence pairs per step.", DefaultValueFactory = _ => 8 };
        var block = new Option<int>("--block-size") { Description = "T, tokens per pair.", DefaultValueFactory = _ => 128 };
        var steps = new Option<int>("--steps") { Description = "Timed steps; the median is reported.", DefaultValueFactory = _ => 5 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Kernel threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cmd = new Command("bert-train", "Milliseconds per BERT MLM+NSP training step (forward, backward, AdamW) on random weights and tokens.");
        foreach (var o in new Option[] { preset, batch, block, steps, warmup, threads }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            Run(pr.GetValue(preset)!, pr.GetValue(batch), pr.GetValue(block), pr.GetValue(steps), pr.GetValue(warmup), pr.GetValue(threads));
            return 0;
        });
        return cmd;
    }

    private static void Run(string presetName, int b, int t, int steps, int warmup, int threads)
    {
        BertConfig config;
        try { config = BertConfig.Preset(presetName) with { Dropout = 0 }; }
        catch (ArgumentException e) { throw new CliException($"--preset: {e.Message}"); }
        if (b < 1 || t < 8 || t > config.MaxPositions) throw new CliException($"--batch-size must be ≥ 1 and --block-size in 8..{config.MaxPositions}.");
        if (steps < 1 || warmup < 0 || threads < 1) throw new CliException("--steps and --threads must be ≥ 1, --warmup ≥ 0.");
        KernelThreads.Count = threads;
        Console.Error.WriteLine($"building {presetName} with random weights…");
        var model = new Bert(config, BertTask.PreTraining, seed: 1);
        // Documents of long random sentences: every pair is trimmed to exactly T tokens.
        var rng = new Rng(2);
        int[][][] Docs(int n) => Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, 4)
            .Select(_ => Enumerable.Range(0, t).Select(_ => 5 + rng.NextInt(config.VocabSize - 5)).ToArray()).ToArray()).ToArray();
        var masker = new MlmMasker(config.VocabSize, maskId: 4, specialIds: [0, 1, 2, 3]);
        var objective = new MlmNspObjective(model, new SentencePairs(Docs(32), "train"), null, masker, cls: 2, sep: 3, b, t, evalBatches: 1);
        var options = new TrainingOptions { BatchSize = b, BlockSize = t, MaxSteps = steps + warmup, LearningRate = 1e-4f, MinLearningRate = 1e-4f, WarmupSteps = 0, WeightDecay = 0.01f, Beta2 = 0.999f, GradClip = 0 };
        var trainer = new Trainer(objective, options);
        Console.WriteLine(model.Describe());
        var totals = new List<double>();
        var phases = new List<(double F, double B, double U)>();
        for (int s = -warmup; s < steps; s++)
        {
            var r = trainer.TrainStep();
            Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture, "step {0}: loss {1:F4}, {2:F0} ms (forward {3:F0}, backward {4:F0}, AdamW {5:F0}){6}",
                s + 1, r.Loss, r.TotalMs, r.ForwardMs, r.BackwardMs, r.UpdateMs, s < 0 ? " (warm-up)" : ""));
            if (s < 0) continue;
            totals.Add(r.TotalMs);
            phases.Add((r.ForwardMs, r.BackwardMs, r.UpdateMs));
        }
        double median = totals.Order().ElementAt(totals.Count / 2);
        var mid = phases.OrderBy(p => p.F + p.B + p.U).ElementAt(phases.Count / 2);
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "SharpLM {0} training step, B={1} T={2}, {3} threads: median {4:F0} ms (forward {5:F0}, backward {6:F0}, AdamW {7:F0}), {8:F0} tokens/s",
            presetName, b, t, threads, median, mid.F, mid.B, mid.U, b * t * 1000.0 / median));
    }
}
