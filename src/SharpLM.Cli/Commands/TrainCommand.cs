using System.CommandLine;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Cli.Commands;

/// <summary>
/// <c>sharplm train</c>: trains a GPT- or LLaMA-style decoder on your text — tokenizer, model size, optimizer and
/// schedule from the options — with a live progress display, <c>metrics.jsonl</c>,
/// <c>loss.svg</c> and a resumable checkpoint in the run folder.
/// </summary>
public static class TrainCommand
{
    /// <summary>Creates the <c>train</c> command.</summary>
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "Text file, or folder of text files, to train on (the last --val-fraction is validation)." };
        var tokenizer = new Option<string>("--tokenizer") { Description = "char, bpe:<vocab size> (trained on the data), or a tokenizer.json / folder.", DefaultValueFactory = _ => "char" };
        var preset = new Option<string>("--preset") { Description = $"Model size preset: {string.Join(", ", GptConfig.PresetNames)}.", DefaultValueFactory = _ => "tiny" };
        var layers = new Option<int?>("--layers") { Description = "Transformer blocks (L); overrides the preset." };
        var heads = new Option<int?>("--heads") { Description = "Attention heads (H); overrides the preset." };
        var width = new Option<int?>("--width") { Description = "Model width (C); overrides the preset." };
        var arch = new Option<string?>("--arch") { Description = "Model family: gpt (learned positions, LayerNorm, GELU) or llama (rotary positions, RMSNorm, SwiGLU, no biases, untied head); default: the preset's. --arch llama with a GPT preset keeps its shape." };
        var kvHeads = new Option<int?>("--kv-heads") { Description = "Key/value heads for grouped-query attention (must divide --heads; 1 = multi-query; default: the preset's)." };
        var mlpHidden = new Option<int?>("--mlp-hidden") { Description = "MLP hidden size (default: the preset's; 4·width for GPT, LLaMA's 8/3·width rounded up to 32 when --arch llama or --width changes it)." };
        var ropeTheta = new Option<float?>("--rope-theta") { Description = "Base θ of the rotary position frequencies (LLaMA; default 10000)." };
        var blockSize = new Option<int?>("--block-size") { Description = "Context length T (default: the preset's)." };
        var batchSize = new Option<int>("--batch-size") { Description = "Sequences per micro-batch (B).", DefaultValueFactory = _ => 12 };
        var gradAccum = new Option<int>("--grad-accum") { Description = "Micro-batches per optimizer step.", DefaultValueFactory = _ => 1 };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => 1e-3f };
        var minLr = new Option<float?>("--min-lr") { Description = "Final learning rate of the cosine decay (default lr/10)." };
        var warmup = new Option<int>("--warmup") { Description = "Linear warmup steps.", DefaultValueFactory = _ => 100 };
        var maxSteps = new Option<int>("--max-steps") { Description = "Optimizer steps.", DefaultValueFactory = _ => 2000 };
        var evalEvery = new Option<int>("--eval-every") { Description = "Evaluate on validation data every N steps (and at the end).", DefaultValueFactory = _ => 250 };
        var evalBatches = new Option<int>("--eval-batches") { Description = "Batches per evaluation.", DefaultValueFactory = _ => 20 };
        var saveEvery = new Option<int>("--save-every") { Description = "Save a checkpoint every N steps (0: at the end and on Ctrl+C only).", DefaultValueFactory = _ => 0 };
        var dropout = new Option<float>("--dropout") { Description = "Dropout probability.", DefaultValueFactory = _ => 0f };
        var weightDecay = new Option<float>("--weight-decay") { Description = "AdamW weight decay (matrices only).", DefaultValueFactory = _ => 0.1f };
        var beta1 = new Option<float>("--beta1") { Description = "AdamW β1.", DefaultValueFactory = _ => 0.9f };
        var beta2 = new Option<float>("--beta2") { Description = "AdamW β2.", DefaultValueFactory = _ => 0.99f };
        var clip = new Option<float>("--clip") { Description = "Clip the gradient's global norm to this (0: off).", DefaultValueFactory = _ => 1f };
        var noBias = new Option<bool>("--no-bias") { Description = "No bias terms in linear layers and norms." };
        var activation = new Option<string?>("--activation") { Description = "MLP nonlinearity: gelu_tanh (GPT-2's tanh approximation), gelu (exact, x·Φ(x), as PyTorch's nn.GELU and nanoGPT) or swiglu (LLaMA's gated MLP); default: the family's." };
        var valFraction = new Option<double>("--val-fraction") { Description = "Fraction of the data, at its end, held out for validation.", DefaultValueFactory = _ => 0.1 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of initialization, batches and dropout.", DefaultValueFactory = _ => 1337UL };
        var threads = new Option<int>("--threads") { Description = "CPU threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<string?>("--out") { Description = "Run folder (e.g. runs/shakespeare)." };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its checkpoint (its saved settings are used)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Start afresh even if --out already holds a run (its checkpoint is replaced)." };

        var cmd = new Command("train", "Train a GPT on your text: progress display, metrics.jsonl, loss.svg and a resumable checkpoint.");
        foreach (var o in new Option[] { data, tokenizer, preset, arch, layers, heads, width, kvHeads, mlpHidden, ropeTheta, blockSize, batchSize, gradAccum, lr, minLr, warmup, maxSteps,
                     evalEvery, evalBatches, saveEvery, dropout, weightDecay, beta1, beta2, clip, noBias, activation, valFraction, seed, threads, output, resume, overwrite })
            cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            string outDir = pr.GetValue(output) ?? throw new CliException("--out is required: the run folder, e.g. --out runs/mymodel.");
            string dataPath = pr.GetValue(data) ?? throw new CliException("--data is required: a text file or a folder of text files.");
            int threadCount = pr.GetValue(threads);
            if (threadCount < 1) throw new CliException($"--threads must be ≥ 1, got {threadCount}.");
            KernelThreads.Count = threadCount;
            try
            {
                TrainingRun run;
                if (pr.GetValue(resume))
                {
                    run = TrainingRun.Resume(outDir, tok => (tok.Encode(TextCorpus.Read(dataPath)), dataPath));
                    Console.WriteLine($"resuming {outDir} at step {run.Trainer.Step}/{run.Trainer.Options.MaxSteps}");
                }
                else
                {
                    if (File.Exists(Path.Combine(outDir, TrainerState.FileName)) && !pr.GetValue(overwrite))
                        throw new CliException($"{outDir} already holds a training run; continue it with --resume, start afresh with --overwrite, or choose another --out.");
                    var baseConfig = WithArchitecture(GptConfig.Preset(pr.GetValue(preset)!), pr.GetValue(arch));
                    var mlpActivation = pr.GetValue(activation) is { } act ? ParseActivation(act) : baseConfig.Activation;
                    float maxLr = pr.GetValue(lr);
                    var options = new TrainingOptions
                    {
                        BatchSize = pr.GetValue(batchSize), BlockSize = pr.GetValue(blockSize) ?? baseConfig.BlockSize,
                        GradAccumSteps = pr.GetValue(gradAccum), LearningRate = maxLr, MinLearningRate = pr.GetValue(minLr) ?? maxLr / 10,
                        WarmupSteps = pr.GetValue(warmup), MaxSteps = pr.GetValue(maxSteps), EvalEvery = pr.GetValue(evalEvery),
                        EvalBatches = pr.GetValue(evalBatches), SaveEvery = pr.GetValue(saveEvery), WeightDecay = pr.GetValue(weightDecay),
                        Beta1 = pr.GetValue(beta1), Beta2 = pr.GetValue(beta2), GradClip = pr.GetValue(clip), Seed = pr.GetValue(seed),
                    }.Validate();
                    string text = TextCorpus.Read(dataPath);
                    Console.WriteLine($"data: {dataPath} ({text.Length:N0} characters)");
                    var tok = TokenizerSpec.Create(pr.GetValue(tokenizer)!, text);
                    var tokens = tok.Encode(text);
                    int modelWidth = pr.GetValue(width) ?? baseConfig.Width;
                    var config = (baseConfig with
                    {
                        VocabSize = tok.VocabSize,
                        Layers = pr.GetValue(layers) ?? baseConfig.Layers,
                        Heads = pr.GetValue(heads) ?? baseConfig.Heads,
                        KvHeads = pr.GetValue(kvHeads) ?? baseConfig.KvHeads,
                        Width = modelWidth,
                        MlpHidden = pr.GetValue(mlpHidden) ?? (modelWidth != baseConfig.Width && baseConfig.MlpHidden != 0
                            ? GptConfig.LlamaMlpHidden(modelWidth) : baseConfig.MlpHidden),
                        RopeTheta = pr.GetValue(ropeTheta) ?? baseConfig.RopeTheta,
                        BlockSize = options.BlockSize,
                        Dropout = pr.GetValue(dropout),
                        Bias = baseConfig.Bias && !pr.GetValue(noBias),
                        Activation = mlpActivation,
                    }).Validate();
                    CheckSaveable(config);
                    var model = new Gpt(config, pr.GetValue(seed));
                    run = TrainingRun.Start(outDir, model, tok, tokens, pr.GetValue(valFraction), options, dataPath);
                    Describe(run, tok, tokens.Length);
                }
                var outcome = TrainProgressDisplay.Run(run, $"training {Path.GetFileName(Path.GetFullPath(outDir))}");
                Summarize(run, outcome);
                return outcome.Interrupted ? 130 : 0;   // 130: stopped by Ctrl+C, as shells report it
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or InvalidDataException or TokenizerFormatException)
            {
                throw new CliException(e.Message);
            }
        });
        return cmd;
    }

    /// <summary>The MLP activation named by <c>--activation</c>.</summary>
    internal static MlpActivation ParseActivation(string name) => name.ToLowerInvariant() switch
    {
        "gelu_tanh" or "gelu_new" => MlpActivation.GeluTanh,
        "gelu" => MlpActivation.Gelu,
        "swiglu" => MlpActivation.SwiGlu,
        _ => throw new CliException($"--activation must be gelu_tanh (GPT-2's tanh approximation), gelu (exact) or swiglu (LLaMA's gated MLP), got '{name}'."),
    };

    /// <summary>
    /// Refuses combinations a run folder cannot describe (Hugging Face's GPT-2 and Llama layouts), before any
    /// training time is spent: grouped-query attention or a custom MLP width on a GPT-2-style model, and a
    /// rotary model without SwiGLU (a Llama MLP is always gated).
    /// </summary>
    internal static void CheckSaveable(GptConfig c)
    {
        bool rotary = c.Positions == PositionEncoding.Rotary;
        if (!rotary && (c.KvHeadCount != c.Heads || c.MlpHidden != 0 || c.QkvBias))
            throw new CliException("--kv-heads and --mlp-hidden need a LLaMA-style model (--arch llama): GPT-2's layout has no place for them.");
        if (rotary && c.Activation != MlpActivation.SwiGlu)
            throw new CliException($"a LLaMA-style model (rotary positions) uses the SwiGLU MLP; --activation {c.Activation} has no Llama equivalent.");
    }

    /// <summary>
    /// The preset in the family <c>--arch</c> names: <c>llama</c> turns a GPT preset's shape into a LLaMA-style
    /// model (<see cref="GptConfig.AsLlama"/>); <c>gpt</c> refuses a LLaMA preset; null keeps the preset's family.
    /// </summary>
    internal static GptConfig WithArchitecture(GptConfig preset, string? arch) => arch?.ToLowerInvariant() switch
    {
        null => preset,
        "llama" => preset.IsLlamaStyle ? preset : preset.AsLlama(),
        "gpt" or "gpt2" => preset.IsLlamaStyle
            ? throw new CliException("--arch gpt cannot use a LLaMA preset; pick a GPT preset (tiny, small, gpt2, …) or --arch llama.")
            : preset,
        _ => throw new CliException($"--arch must be gpt or llama, got '{arch}'."),
    };

    /// <summary>Prints the run's model, data and budget before training starts.</summary>
    internal static void Describe(TrainingRun run, ITokenizer tokenizer, int tokenCount)
    {
        var o = run.Trainer.Options;
        if (run.Trainer.Objective is CausalLmObjective lm)
            Console.WriteLine($"tokenizer: {tokenizer.Kind}, {tokenizer.VocabSize:N0} ids; {tokenCount:N0} tokens (train {lm.Data.Train.Length:N0}, validation {lm.Data.Validation.Length:N0})");
        else
            Console.WriteLine($"tokenizer: {tokenizer.Kind}, {tokenizer.VocabSize:N0} ids; {tokenCount:N0} tokens");
        Console.WriteLine($"model: {run.Trainer.Model.Describe()}");
        if (run.Trainer.Model is Gpt gpt && GptHuggingFace.TransformersIncompatibility(gpt.Config) is { } note)
            Console.WriteLine($"note: {note} config.json is marked so (model_type sharplm_*); SharpLM loads it exactly.");
        Console.WriteLine($"training: {o.MaxSteps:N0} steps × {run.Trainer.TokensPerStep:N0} tokens, lr {o.LearningRate:G3} → {o.MinLearningRate:G3}, warmup {o.WarmupSteps}, {KernelThreads.Count} threads");
    }

    /// <summary>Prints how the run ended and where its files are.</summary>
    internal static void Summarize(TrainingRun run, TrainingOutcome outcome)
    {
        if (outcome.FirstValLoss is { } first) Console.WriteLine($"val loss before training: {first:F4}");
        if (outcome.LastValLoss is { } last) Console.WriteLine($"val loss at step {outcome.FinalStep}: {last:F4} (perplexity {Math.Exp(last):F2})");
        Console.WriteLine($"time: {outcome.ElapsedSeconds:F1} s; saved to {run.Directory} (model.safetensors, config.json, tokenizer.json, metrics.jsonl, loss.svg)");
    }
}
