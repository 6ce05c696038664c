using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Formats;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Cli.Commands;

/// <summary>
/// <c>sharplm pretrain</c>: pretrains a BERT from raw text with masked-language modeling and
/// next-sentence prediction — the same run folder, progress display, metrics.jsonl, loss.svg,
/// checkpoints and <c>--resume</c> as <c>sharplm train</c>, with MLM loss/accuracy and NSP
/// accuracy on held-out documents at every evaluation.
/// </summary>
public static class PretrainCommand
{
    /// <summary>File in the run folder with the pretraining settings that are not trainer options.</summary>
    public const string SettingsFile = "pretraining.json";

    /// <summary>Creates the command, named <paramref name="name"/> (<c>pretrain</c>, or <c>bert</c> under another family's <c>pretrain</c>).</summary>
    public static Command Create(string name = "pretrain")
    {
        var data = new Option<string?>("--data") { Description = "Text file: one sentence per line, a blank line between documents (e.g. from 'sharplm data sdk-pretrain')." };
        var tokenizer = new Option<string>("--tokenizer") { Description = "wordpiece:<vocab size> (trained on the data) or a tokenizer.json / vocab.txt / model folder.", DefaultValueFactory = _ => "wordpiece:8000" };
        var preset = new Option<string>("--preset") { Description = $"Model size preset: {string.Join(", ", BertConfig.PresetNames)}.", DefaultValueFactory = _ => "bert-mini" };
        var layers = new Option<int?>("--layers") { Description = "Encoder blocks (L); overrides the preset." };
        var heads = new Option<int?>("--heads") { Description = "Attention heads (H); overrides the preset." };
        var width = new Option<int?>("--width") { Description = "Model width (C); overrides the preset (the MLP is 4·C)." };
        var blockSize = new Option<int>("--block-size") { Description = "Longest [CLS] A [SEP] B [SEP] (the longer sentence is trimmed); also the position table size.", DefaultValueFactory = _ => 128 };
        var batchSize = new Option<int>("--batch-size") { Description = "Sentence pairs per micro-batch (B).", DefaultValueFactory = _ => 32 };
        var gradAccum = new Option<int>("--grad-accum") { Description = "Micro-batches per optimizer step.", DefaultValueFactory = _ => 1 };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => 5e-4f };
        var minLr = new Option<float?>("--min-lr") { Description = "Final learning rate of the cosine decay (default lr/10)." };
        var warmup = new Option<int>("--warmup") { Description = "Linear warmup steps.", DefaultValueFactory = _ => 100 };
        var maxSteps = new Option<int>("--max-steps") { Description = "Optimizer steps.", DefaultValueFactory = _ => 2000 };
        var evalEvery = new Option<int>("--eval-every") { Description = "Evaluate on held-out documents every N steps (and at the end).", DefaultValueFactory = _ => 250 };
        var evalBatches = new Option<int>("--eval-batches") { Description = "Batches of held-out pairs per evaluation.", DefaultValueFactory = _ => 20 };
        var saveEvery = new Option<int>("--save-every") { Description = "Save a checkpoint every N steps (0: at the end and on Ctrl+C only).", DefaultValueFactory = _ => 0 };
        var dropout = new Option<float>("--dropout") { Description = "Hidden dropout probability (BERT: 0.1).", DefaultValueFactory = _ => 0.1f };
        var weightDecay = new Option<float>("--weight-decay") { Description = "AdamW weight decay (matrices only).", DefaultValueFactory = _ => 0.01f };
        var beta1 = new Option<float>("--beta1") { Description = "AdamW β1.", DefaultValueFactory = _ => 0.9f };
        var beta2 = new Option<float>("--beta2") { Description = "AdamW β2.", DefaultValueFactory = _ => 0.999f };
        var clip = new Option<float>("--clip") { Description = "Clip the gradient's global norm to this (0: off).", DefaultValueFactory = _ => 1f };
        var maskProb = new Option<float>("--mask-prob") { Description = "Fraction of tokens chosen for MLM (80% [MASK], 10% random, 10% kept).", DefaultValueFactory = _ => 0.15f };
        var wholeWord = new Option<bool>("--whole-word") { Description = "Whole-word masking: a word's ## pieces are chosen together." };
        var valFraction = new Option<double>("--val-fraction") { Description = "Fraction of documents held out for evaluation.", DefaultValueFactory = _ => 0.1 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of initialization, split, batches, masks and dropout.", DefaultValueFactory = _ => 1337UL };
        var threads = new Option<int>("--threads") { Description = "CPU threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<string?>("--out") { Description = "Run folder (e.g. runs/bert-sdk)." };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its checkpoint (its saved settings are used)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Start afresh even if --out already holds a run." };

        var cmd = new Command(name, "Pretrain a BERT with masked-language modeling + next-sentence prediction: progress, metrics.jsonl, loss.svg, resumable checkpoint.");
        foreach (var o in new Option[] { data, tokenizer, preset, layers, heads, width, blockSize, batchSize, gradAccum, lr, minLr, warmup, maxSteps, evalEvery,
                     evalBatches, saveEvery, dropout, weightDecay, beta1, beta2, clip, maskProb, wholeWord, valFraction, seed, threads, output, resume, overwrite })
            cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            string outDir = pr.GetValue(output) ?? throw new CliException("--out is required: the run folder, e.g. --out runs/bert.");
            string dataPath = pr.GetValue(data) ?? throw new CliException("--data is required: a text file with one sentence per line and a blank line between documents.");
            int threadCount = pr.GetValue(threads);
            if (threadCount < 1) throw new CliException($"--threads must be ≥ 1, got {threadCount}.");
            KernelThreads.Count = threadCount;
            try
            {
                TrainingRun run;
                if (pr.GetValue(resume))
                {
                    var settings = Settings.Read(Path.Combine(outDir, SettingsFile));
                    run = TrainingRun.Resume(outDir, (state, tok) =>
                    {
                        var model = BertHuggingFace.Load(outDir, BertTask.PreTraining);
                        return new Trainer(BuildObjective(model, (WordPieceTokenizer)tok, PretrainingText.ReadDocuments(dataPath), settings, state.Options), state.Options);
                    });
                    Console.WriteLine($"resuming {outDir} at step {run.Trainer.Step}/{run.Trainer.Options.MaxSteps}");
                }
                else
                {
                    if (File.Exists(Path.Combine(outDir, TrainerState.FileName)) && !pr.GetValue(overwrite))
                        throw new CliException($"{outDir} already holds a training run; continue it with --resume, start afresh with --overwrite, or choose another --out.");
                    float maxLr = pr.GetValue(lr);
                    int t = pr.GetValue(blockSize);
                    var options = new TrainingOptions
                    {
                        BatchSize = pr.GetValue(batchSize), BlockSize = t, GradAccumSteps = pr.GetValue(gradAccum), LearningRate = maxLr,
                        MinLearningRate = pr.GetValue(minLr) ?? maxLr / 10, WarmupSteps = pr.GetValue(warmup), MaxSteps = pr.GetValue(maxSteps),
                        EvalEvery = pr.GetValue(evalEvery), EvalBatches = pr.GetValue(evalBatches), SaveEvery = pr.GetValue(saveEvery),
                        WeightDecay = pr.GetValue(weightDecay), Beta1 = pr.GetValue(beta1), Beta2 = pr.GetValue(beta2), GradClip = pr.GetValue(clip), Seed = pr.GetValue(seed),
                    }.Validate();
                    var docs = PretrainingText.ReadDocuments(dataPath);
                    Console.WriteLine($"data: {dataPath} ({docs.Count:N0} documents, {docs.Sum(d => d.Length):N0} sentences)");
                    var tok = CreateTokenizer(pr.GetValue(tokenizer)!, docs);
                    var baseConfig = BertConfig.Preset(pr.GetValue(preset)!, tok.VocabSize);
                    int c = pr.GetValue(width) ?? baseConfig.Width;
                    var config = (baseConfig with
                    {
                        Layers = pr.GetValue(layers) ?? baseConfig.Layers, Heads = pr.GetValue(heads) ?? (pr.GetValue(width) is null ? baseConfig.Heads : Math.Max(1, c / 64)),
                        Width = c, Intermediate = 4 * c, MaxPositions = Math.Max(t, 2), Dropout = pr.GetValue(dropout),
                        PadTokenId = BertExamples.Special(tok, "[PAD]"),
                    }).Validate();
                    var model = new Bert(config, BertTask.PreTraining, pr.GetValue(seed));
                    var settings = new Settings(pr.GetValue(maskProb), pr.GetValue(wholeWord), pr.GetValue(valFraction));
                    var trainer = new Trainer(BuildObjective(model, tok, docs, settings, options), options);
                    run = TrainingRun.Start(outDir, trainer, tok, settings.ValFraction, dataPath);
                    settings.Write(Path.Combine(outDir, SettingsFile));
                    var objective = (MlmNspObjective)trainer.Objective;
                    Console.WriteLine($"documents: train {objective.Train.Documents.Count:N0} ({objective.Train.Tokens:N0} tokens), held out {objective.Validation?.Documents.Count ?? 0:N0}");
                    TrainCommand.Describe(run, tok, (int)objective.DataFingerprint.Count);
                }
                var outcome = TrainProgressDisplay.Run(run, $"pretraining {Path.GetFileName(Path.GetFullPath(outDir))}");
                WordPieceVocabFile.Write((WordPieceTokenizer)run.Tokenizer, Path.Combine(outDir, WordPieceVocabFile.FileName));
                TrainCommand.Summarize(run, outcome);
                return outcome.Interrupted ? 130 : 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or InvalidDataException or TokenizerFormatException or InvalidCastException)
            {
                throw new CliException(e is InvalidCastException ? "the run's tokenizer is not WordPiece." : e.Message);
            }
        });
        return cmd;
    }

    /// <summary>The WordPiece tokenizer <paramref name="spec"/> names: trained on the documents, or loaded from a file or folder.</summary>
    internal static WordPieceTokenizer CreateTokenizer(string spec, IReadOnlyList<string[]> docs)
    {
        if (spec.StartsWith("wordpiece:", StringComparison.Ordinal))
        {
            if (!int.TryParse(spec.AsSpan(10), NumberStyles.None, CultureInfo.InvariantCulture, out int size) || size < 100)
                throw new CliException($"--tokenizer '{spec}': expected wordpiece:N with N ≥ 100, e.g. wordpiece:8000.");
            return WordPieceTrainer.Train(docs.SelectMany(d => d), size);
        }
        if (Directory.Exists(spec)) return WordPieceVocabFile.LoadFolder(spec);
        if (File.Exists(spec))
            return Path.GetFileName(spec).EndsWith(".txt", StringComparison.OrdinalIgnoreCase) ? WordPieceVocabFile.Read(spec)
                : TokenizerJsonReader.Load(spec) as WordPieceTokenizer ?? throw new CliException($"--tokenizer {spec} is not a WordPiece tokenizer (a BERT needs one).");
        throw new CliException($"--tokenizer '{spec}' is not wordpiece:N nor an existing tokenizer.json / vocab.txt / folder.");
    }

    private static MlmNspObjective BuildObjective(Bert model, WordPieceTokenizer tok, IReadOnlyList<string[]> docs, Settings settings, TrainingOptions options)
    {
        var (train, held) = SentencePairs.SplitDocuments(PretrainingText.Tokenize(docs, tok), settings.ValFraction, options.Seed);
        int mask = BertExamples.Special(tok, "[MASK]");
        var specials = tok.SpecialTokens.Values.Append(BertExamples.Special(tok, "[PAD]"));
        var continuations = settings.WholeWord
            ? Enumerable.Range(0, tok.VocabSize).Where(i => tok.Vocabulary[i].StartsWith(tok.ContinuingPrefix, StringComparison.Ordinal) && tok.Vocabulary[i].Length > tok.ContinuingPrefix.Length)
            : null;
        var masker = new MlmMasker(tok.VocabSize, mask, specials, settings.MaskProbability, continuations);
        return new MlmNspObjective(model, new SentencePairs(train, "train"), held.Length == 0 ? null : new SentencePairs(held, "held-out"), masker,
            BertExamples.Special(tok, "[CLS]"), BertExamples.Special(tok, "[SEP]"), options.BatchSize, options.BlockSize, options.EvalBatches);
    }

    /// <summary>The pretraining settings that are not trainer options, saved in the run folder for <c>--resume</c>.</summary>
    internal sealed record Settings(float MaskProbability, bool WholeWord, double ValFraction)
    {
        public void Write(string path) => AtomicFile.WriteAllText(path, new JsonObject
        {
            ["mask_prob"] = MaskProbability, ["whole_word"] = WholeWord, ["val_fraction"] = ValFraction,
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        public static Settings Read(string path)
        {
            if (!File.Exists(path)) throw new CliException($"--resume: {path} is missing; is this a 'sharplm pretrain' run folder?");
            try
            {
                var o = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object.");
                return new Settings(o["mask_prob"]!.GetValue<float>(), o["whole_word"]!.GetValue<bool>(), o["val_fraction"]!.GetValue<double>());
            }
            catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException or FormatException or ArgumentException)   // ArgumentException: a repeated key
            {
                throw new InvalidDataException($"{path}: corrupt pretraining settings ({e.Message}).", e);
            }
        }
    }
}
