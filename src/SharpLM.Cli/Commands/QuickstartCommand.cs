using System.CommandLine;
using System.Diagnostics;
using SharpLM.Generation;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Cli.Commands;

/// <summary>
/// <c>sharplm quickstart</c>: the whole pipeline in one command, with nothing to download —
/// English text from the .NET SDK's own API documentation (or <c>--data</c>), a byte-level BPE
/// tokenizer trained on it, a small GPT trained for a few minutes with a live progress display,
/// the validation loss before and after, and samples generated from prompts.
/// </summary>
public static class QuickstartCommand
{
    /// <summary>Prompts the samples start from (they suit the SDK documentation corpus).</summary>
    public static readonly string[] DocPrompts = ["Gets or sets the", "Returns a value that indicates whether", "Represents a", "The default value is"];

    /// <summary>Creates the <c>quickstart</c> command.</summary>
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "Your own text file or folder instead of the SDK documentation." };
        var output = new Option<string>("--out") { Description = "Run folder.", DefaultValueFactory = _ => Path.Combine("runs", "quickstart") };
        var minutes = new Option<double>("--minutes") { Description = "Training time budget; the step count is chosen by measuring this machine's speed.", DefaultValueFactory = _ => 3.5 };
        var steps = new Option<int?>("--max-steps") { Description = "Train exactly this many steps instead of fitting the time budget." };
        var vocab = new Option<int>("--vocab") { Description = "BPE vocabulary size.", DefaultValueFactory = _ => 2048 };
        var threads = new Option<int>("--threads") { Description = "CPU threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var batchSize = new Option<int>("--batch-size") { Description = "Sequences of 128 tokens per step.", DefaultValueFactory = _ => 16 };
        var evalBatches = new Option<int>("--eval-batches") { Description = "Batches per validation evaluation.", DefaultValueFactory = _ => 8 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of everything random.", DefaultValueFactory = _ => 1337UL };
        var cmd = new Command("quickstart", "Train a tokenizer and a small GPT on English text already on your machine (the .NET SDK's docs) in a few minutes, then generate.");
        foreach (var o in new Option[] { data, output, minutes, steps, vocab, batchSize, evalBatches, threads, seed }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            if (pr.GetValue(threads) < 1) throw new CliException($"--threads must be ≥ 1, got {pr.GetValue(threads)}.");
            if (pr.GetValue(minutes) <= 0) throw new CliException($"--minutes must be > 0, got {pr.GetValue(minutes)}.");
            if (pr.GetValue(vocab) is < 257 or > 65536) throw new CliException($"--vocab must be in 257..65536, got {pr.GetValue(vocab)}.");
            if (pr.GetValue(batchSize) < 1) throw new CliException($"--batch-size must be ≥ 1, got {pr.GetValue(batchSize)}.");
            if (pr.GetValue(evalBatches) < 1) throw new CliException($"--eval-batches must be ≥ 1, got {pr.GetValue(evalBatches)}.");
            KernelThreads.Count = pr.GetValue(threads);
            try
            {
                var recipe = Recipe(1, pr.GetValue(seed)) with { BatchSize = pr.GetValue(batchSize), EvalBatches = pr.GetValue(evalBatches) };
                Run(pr.GetValue(data), pr.GetValue(output)!, pr.GetValue(minutes), pr.GetValue(steps), pr.GetValue(vocab), recipe);
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or InvalidDataException or TokenizerFormatException)
            {
                throw new CliException(e.Message);
            }
        });
        return cmd;
    }

    /// <summary>The model quickstart trains: 4 layers, 4 heads, width 128, context 128 (≈1M parameters with a 2k vocabulary).</summary>
    public static GptConfig ModelConfig(int vocabSize) => new()
    {
        VocabSize = vocabSize, BlockSize = 128, Layers = 4, Heads = 4, Width = 128, Bias = false, Dropout = 0f,
    };

    /// <summary>The recipe: batch 16 × 128 tokens, AdamW lr 5e-3 → 5e-4 with β2 0.99, clip 1 (at 600 steps lr 2e-3 reached val 3.58, 4e-3 3.50, 6e-3 3.47).</summary>
    public static TrainingOptions Recipe(int steps, ulong seed) => WithSteps(new TrainingOptions
    {
        BatchSize = 16, BlockSize = 128, LearningRate = 5e-3f, MinLearningRate = 5e-4f,
        WeightDecay = 0.1f, Beta1 = 0.9f, Beta2 = 0.99f, GradClip = 1f, EvalBatches = 8, Seed = seed,
    }, steps);

    /// <summary>The recipe stretched to <paramref name="steps"/> steps: warmup a tenth (at most 100), eight evaluations.</summary>
    public static TrainingOptions WithSteps(TrainingOptions recipe, int steps) => recipe with
    {
        MaxSteps = steps, WarmupSteps = Math.Min(100, Math.Max(1, steps / 10)), EvalEvery = Math.Max(1, steps / 8),
    };

    private static void Run(string? dataPath, string outDir, double minutes, int? fixedSteps, int vocabSize, TrainingOptions recipe)
    {
        ulong seed = recipe.Seed;
        var total = Stopwatch.StartNew();
        // 1. Text.
        string text, source;
        if (dataPath is not null)
        {
            text = TextCorpus.Read(dataPath);
            source = dataPath;
        }
        else
        {
            var files = QuickstartCorpus.FindDocumentationFiles();
            if (files.Count == 0)
                throw new CliException("no .NET SDK reference-pack documentation found (looked for <dotnet root>/packs/Microsoft.NETCore.App.Ref/*/ref/*/*.xml under "
                    + string.Join(", ", QuickstartCorpus.DotnetRoots().DefaultIfEmpty("no dotnet root found")) + "); pass your own text with --data FILE.");
            Console.WriteLine($"corpus: the .NET SDK's API documentation, {files.Count} XML files in {Path.GetDirectoryName(Path.GetDirectoryName(files[0]))}");
            text = QuickstartCorpus.Extract(files, maxChars: 12_000_000, seed);
            source = "dotnet-sdk-xml-docs";
        }
        Console.WriteLine($"text: {text.Length:N0} characters ({total.Elapsed.TotalSeconds:F1} s)");

        // 2. Tokenizer: byte-level BPE learned from (the first few MB of) the text.
        var sw = Stopwatch.StartNew();
        var tokenizer = BpeTrainer.Train([text[..Math.Min(text.Length, 3_000_000)]], vocabSize, ["<|endoftext|>"]);
        var tokens = tokenizer.Encode(text);
        Console.WriteLine($"tokenizer: byte-level BPE learned from the text in {sw.Elapsed.TotalSeconds:F1} s ({(double)text.Length / tokens.Length:F2} characters per token)");

        // 3. Model and step budget, measured on this machine.
        var config = ModelConfig(tokenizer.VocabSize);
        int steps = fixedSteps ?? ChooseSteps(config, tokens, recipe, minutes);
        var options = WithSteps(recipe, steps);
        var run = TrainingRun.Start(outDir, new Gpt(config, seed), tokenizer, tokens, 0.1, options, source);
        TrainCommand.Describe(run, tokenizer, tokens.Length);

        // 4. Train.
        var outcome = TrainProgressDisplay.Run(run, "quickstart");
        TrainCommand.Summarize(run, outcome);
        if (outcome.Interrupted) return;

        // 5. Samples.
        var prompts = dataPath is null ? DocPrompts : PromptsFrom(text);
        Console.WriteLine();
        Console.WriteLine("samples (temperature 0.8, top-k 40, 48 tokens each; the prompt is marked >):");
        var generator = new TextGenerator((Gpt)run.Trainer.Model, tokenizer);
        for (int i = 0; i < prompts.Length; i++)
        {
            var sample = generator.Generate(prompts[i], new GenerationOptions
            {
                MaxTokens = 48, IgnoreStopToken = true,
                Sampling = new SamplerOptions { Temperature = 0.8f, TopK = 40, Seed = seed + (ulong)i },
            });
            var lines = (prompts[i] + sample).TrimEnd().Split('\n');
            Console.WriteLine($"  > {lines[0]}");
            foreach (var line in lines.Skip(1)) Console.WriteLine($"    {line}");
        }
        Console.WriteLine();
        Console.WriteLine($"done in {total.Elapsed.TotalMinutes:F1} min. Next: sharplm eval --model {outDir} --data <file>, or train on your own text: sharplm quickstart --data <file>");
    }

    /// <summary>
    /// Times training steps of a throwaway copy of the model (after two warm-up steps that
    /// include compilation, for at least 3 seconds) and returns how many steps fit in the
    /// budget, evaluation included.
    /// </summary>
    private static int ChooseSteps(GptConfig config, int[] tokens, TrainingOptions recipe, double minutes)
    {
        var probe = new Trainer(new Gpt(config, recipe.Seed), new TokenDataset(tokens, 0.1, recipe.BlockSize, "probe"), WithSteps(recipe, 100));
        probe.TrainStep();
        probe.TrainStep();
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        while (times.Count < 4 || (clock.Elapsed.TotalSeconds < 3 && times.Count < 30)) times.Add(probe.TrainStep().TotalMs);
        // The lower quartile: later steps run faster once the JIT has optimized the kernels.
        double msPerStep = times.Order().ElementAt(times.Count / 4);
        // Evaluation: 9 evaluations of forward-only batches, each about a third of a step; budget them in.
        int steps = (int)(minutes * 60_000 / msPerStep) - 9 * recipe.EvalBatches / 3;
        steps = Math.Clamp(steps, 50, 20_000);
        Console.WriteLine($"speed: {msPerStep:F0} ms per step of {recipe.BatchSize}×{recipe.BlockSize} tokens on this machine → {steps} steps fit in {minutes:G3} minutes");
        return steps;
    }

    /// <summary>Up to three prompts for the user's own text: the first three words of lines from its held-out (last 10%) part.</summary>
    private static string[] PromptsFrom(string text)
    {
        var heldOut = text[(int)(text.Length * 0.9)..];
        var prompts = heldOut.Split('\n').Skip(1)
            .Select(line => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .Where(words => words.Length >= 4)
            .Select(words => string.Join(' ', words.Take(3)))
            .Distinct().Take(3).ToArray();
        if (prompts.Length > 0) return prompts;
        var first = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return [string.Join(' ', first.Take(Math.Min(3, first.Length)))];
    }
}
