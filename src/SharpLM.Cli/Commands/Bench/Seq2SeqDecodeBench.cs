using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SharpLM.Autograd;
using SharpLM.Generation;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Training;

namespace SharpLM.Cli.Commands.Bench;

/// <summary>
/// <c>sharplm bench seq2seq</c>: encoder-decoder inference and training speed on random weights of a
/// preset (default t5-small): cached greedy decode tokens/s vs re-running the decoder over the whole
/// prefix every step (the target: ≥ 3×), beam search's cost per output token vs greedy
/// (target: ≤ 2.5× with 4 beams), and one training step (batch × source/target tokens).
/// Every figure is the median of --repeat runs; the decode steps are forced to --new-tokens (EOS ignored).
/// </summary>
public static class Seq2SeqDecodeBench
{
    /// <summary>Creates the <c>seq2seq</c> sub-command.</summary>
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "Model: " + string.Join(", ", EncoderDecoderConfig.PresetNames), DefaultValueFactory = _ => "t5-small" };
        var sourceTokens = new Option<int>("--source-tokens") { Description = "Source length.", DefaultValueFactory = _ => 128 };
        var newTokens = new Option<int>("--new-tokens") { Description = "Output tokens decoded.", DefaultValueFactory = _ => 64 };
        var beams = new Option<int>("--beams") { Description = "Beams for the beam-search figure.", DefaultValueFactory = _ => 4 };
        var trainBatch = new Option<int>("--train-batch") { Description = "Batch of the training-step figure (0 = skip).", DefaultValueFactory = _ => 8 };
        var threads = new Option<int>("--threads") { Description = "Kernel threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var repeat = new Option<int>("--repeat") { Description = "Timed runs; the median is reported.", DefaultValueFactory = _ => 3 };
        var cmd = new Command("seq2seq", "Encoder-decoder speed: cached vs recomputed greedy decode, beam search per token, training step.");
        foreach (var o in new Option[] { preset, sourceTokens, newTokens, beams, trainBatch, threads, repeat }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            KernelThreads.Count = Math.Max(1, pr.GetValue(threads));
            EncoderDecoderConfig config;
            try { config = EncoderDecoderConfig.Preset(pr.GetValue(preset)!); }
            catch (ArgumentException e) { throw new CliException("--preset: " + e.Message); }
            Run(new EncoderDecoder(config, 1), pr.GetValue(sourceTokens), pr.GetValue(newTokens), pr.GetValue(beams), pr.GetValue(trainBatch), Math.Max(1, pr.GetValue(repeat)));
            return 0;
        });
        return cmd;
    }

    private static void Run(EncoderDecoder model, int s, int n, int beams, int trainBatch, int repeat)
    {
        var c = model.Config;
        var rng = new Rng(3);
        var source = Enumerable.Range(0, s).Select(_ => 2 + rng.NextInt(c.VocabSize - 2)).ToArray();
        var tokens = Enumerable.Range(0, n).Select(_ => 2 + rng.NextInt(c.VocabSize - 2)).ToArray();
        Console.WriteLine($"{model.Describe()}; source {s} tokens, {n} output tokens, {KernelThreads.Count} threads");

        double cached = Median(repeat, () =>
        {
            var engine = new Seq2SeqEngine(model, 1, n);
            var cache = engine.Start([source]);
            var sw = Stopwatch.StartNew();
            int token = c.DecoderStartTokenId;
            for (int t = 0; t < n; t++) { engine.Step(cache, [token]); token = tokens[t]; }
            return sw.Elapsed.TotalSeconds;
        });
        double recompute = Median(repeat, () =>
        {
            var tape = new Tape(recordGradients: false) { Training = false };
            var encoded = model.Encode(tape, source, [s], 1, s);
            var sw = Stopwatch.StartNew();
            var prefix = new List<int> { c.DecoderStartTokenId };
            var decodeTape = new Tape(recordGradients: false) { Training = false };
            for (int t = 0; t < n; t++)
            {
                decodeTape.Reset();
                var hidden = model.DecodeHidden(decodeTape, encoded, [s], prefix.ToArray(), 1, prefix.Count);
                // Only the newest position's logits are needed, as in the cached step.
                model.Head(decodeTape, decodeTape.Constant(hidden.Data.Reshape(prefix.Count, c.Width).Rows(prefix.Count - 1, 1)));
                prefix.Add(tokens[t]);
            }
            return sw.Elapsed.TotalSeconds;
        });
        double beam = Median(repeat, () =>
        {
            var engine = new Seq2SeqEngine(model, beams, n);
            var stepper = new Seq2SeqStepper(engine, engine.Start([source], beams));
            var sw = Stopwatch.StartNew();
            // Forced length: no EOS can end the search early (EOS id set past the vocabulary).
            BeamSearch.Run(stepper, c.DecoderStartTokenId, eosToken: -1, new BeamSearchOptions { Beams = beams, MaxLength = n });
            return sw.Elapsed.TotalSeconds;
        });
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Format(inv, "greedy, cached:     {0,8:F1} tokens/s", n / cached));
        Console.WriteLine(string.Format(inv, "greedy, recompute:  {0,8:F1} tokens/s   (cached is {1:F2}× faster; target ≥ 3×)", n / recompute, recompute / cached));
        Console.WriteLine(string.Format(inv, "beam search ×{0}:    {1,8:F1} output tokens/s (cost per token {2:F2}× greedy; target ≤ 2.5×)", beams, n / beam, beam / cached));
        if (trainBatch <= 0) return;
        var examples = Enumerable.Range(0, trainBatch).Select(_ => new Seq2SeqExample(
            Enumerable.Range(0, s).Select(_ => 2 + rng.NextInt(c.VocabSize - 2)).ToArray(),
            Enumerable.Range(0, s).Select(_ => 2 + rng.NextInt(c.VocabSize - 2)).ToArray())).ToList();
        var objective = new Seq2SeqObjective(model, examples, [], trainBatch, s, s);
        var trainer = new Trainer(objective, new TrainingOptions { BatchSize = trainBatch, BlockSize = s, MaxSteps = repeat + 1, WarmupSteps = 0 });
        trainer.TrainStep();   // warm-up: pools and packed buffers
        double step = Median(repeat, () => { var sw = Stopwatch.StartNew(); trainer.TrainStep(); return sw.Elapsed.TotalSeconds; });
        Console.WriteLine(string.Format(inv, "training step (batch {0}, source and target {1}): {2:F3} s ({3:F0} tokens/s)", trainBatch, s, step, trainBatch * 2.0 * s / step));
    }

    private static double Median(int repeat, Func<double> run)
    {
        var times = Enumerable.Range(0, repeat).Select(_ => run()).Order().ToArray();
        return times[times.Length / 2];
    }
}
