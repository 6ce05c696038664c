using System.CommandLine;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Cli.Commands.Seq2Seq;

/// <summary>
/// <c>sharplm pretrain seq2seq --arch t5|bart</c>: pretrains an encoder-decoder on raw text — T5 by span
/// corruption, BART by text infilling + sentence permutation — with the same progress display,
/// <c>metrics.jsonl</c>, <c>loss.svg</c>, checkpoints and <c>--resume</c> as <c>sharplm train</c>.
/// </summary>
public static class Seq2SeqPretrainCommand
{
    /// <summary>Creates the <c>seq2seq</c> sub-command of <c>pretrain</c>.</summary>
    public static Command Create()
    {
        var arch = new Option<string>("--arch") { Description = "t5 (span corruption) or bart (text infilling + sentence permutation).", DefaultValueFactory = _ => "t5" };
        var data = new Option<string?>("--data") { Description = "Text file, or folder of text files (the last --val-fraction is validation)." };
        var tokenizer = new Option<string>("--tokenizer") { Description = "bpe:N (trained on the data, with <pad>, </s>, <mask>, <extra_id_N>) or a tokenizer.json with them.", DefaultValueFactory = _ => "bpe:8000" };
        var preset = new Option<string?>("--preset") { Description = $"Model preset: {string.Join(", ", EncoderDecoderConfig.PresetNames)} (default t5-tiny / bart-tiny)." };
        var window = new Option<int>("--block-size") { Description = "Tokens per pretraining example (the span-corrupted window / the noised document).", DefaultValueFactory = _ => 128 };
        var batchSize = new Option<int>("--batch-size") { Description = "Examples per micro-batch (B).", DefaultValueFactory = _ => 16 };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => 1e-3f };
        var warmup = new Option<int>("--warmup") { Description = "Linear warmup steps.", DefaultValueFactory = _ => 100 };
        var maxSteps = new Option<int>("--max-steps") { Description = "Optimizer steps.", DefaultValueFactory = _ => 2000 };
        var evalEvery = new Option<int>("--eval-every") { Description = "Evaluate every N steps (and at the end).", DefaultValueFactory = _ => 250 };
        var saveEvery = new Option<int>("--save-every") { Description = "Save a checkpoint every N steps (0: at the end and on Ctrl+C).", DefaultValueFactory = _ => 0 };
        var dropout = new Option<float>("--dropout") { Description = "Dropout probability.", DefaultValueFactory = _ => 0f };
        var valFraction = new Option<double>("--val-fraction") { Description = "Fraction of the text, at its end, held out.", DefaultValueFactory = _ => 0.05 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of initialization, batches, noise and dropout.", DefaultValueFactory = _ => 1337UL };
        var threads = new Option<int>("--threads") { Description = "CPU threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<string?>("--out") { Description = "Run folder (e.g. runs/t5-pre)." };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its checkpoint." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Start afresh even if --out holds a run." };
        var cmd = new Command("seq2seq", "Pretrain a T5 (span corruption) or BART (denoising) encoder-decoder on raw text.");
        foreach (var o in new Option[] { arch, data, tokenizer, preset, window, batchSize, lr, warmup, maxSteps, evalEvery, saveEvery, dropout, valFraction, seed, threads, output, resume, overwrite })
            cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            string outDir = pr.GetValue(output) ?? throw new CliException("--out is required: the run folder, e.g. --out runs/t5-pre.");
            string dataPath = pr.GetValue(data) ?? throw new CliException("--data is required: a text file or a folder of text files.");
            KernelThreads.Count = Math.Max(1, pr.GetValue(threads));
            try
            {
                TrainingRun run;
                if (pr.GetValue(resume))
                {
                    run = TrainingRun.Resume(outDir, (state, tok) =>
                    {
                        var model = EncoderDecoderHuggingFace.Load(outDir);
                        return new Trainer(Objective(model, tok, TextCorpus.Read(dataPath), state.ValFraction, state.Options), state.Options);
                    });
                    Console.WriteLine($"resuming {outDir} at step {run.Trainer.Step}/{run.Trainer.Options.MaxSteps}");
                }
                else
                {
                    if (File.Exists(Path.Combine(outDir, TrainerState.FileName)) && !pr.GetValue(overwrite))
                        throw new CliException($"{outDir} already holds a training run; continue it with --resume, start afresh with --overwrite, or choose another --out.");
                    string family = pr.GetValue(arch)!.ToLowerInvariant();
                    if (family is not ("t5" or "bart")) throw new CliException($"--arch must be t5 or bart, got '{family}'.");
                    string presetName = pr.GetValue(preset) ?? (family == "t5" ? "t5-tiny" : "bart-tiny");
                    var baseConfig = EncoderDecoderConfig.Preset(presetName);
                    if ((baseConfig.Family == EncoderDecoderFamily.T5) != (family == "t5"))
                        throw new CliException($"--preset {presetName} is not a {family} preset.");
                    var options = new TrainingOptions
                    {
                        BatchSize = pr.GetValue(batchSize), BlockSize = pr.GetValue(window), LearningRate = pr.GetValue(lr), MinLearningRate = pr.GetValue(lr) / 10,
                        WarmupSteps = pr.GetValue(warmup), MaxSteps = pr.GetValue(maxSteps), EvalEvery = pr.GetValue(evalEvery), SaveEvery = pr.GetValue(saveEvery),
                        Seed = pr.GetValue(seed), WeightDecay = 0.01f, Beta2 = 0.999f,
                    }.Validate();
                    string text = TextCorpus.Read(dataPath);
                    Console.WriteLine($"data: {dataPath} ({text.Length:N0} characters)");
                    var tok = Seq2SeqText.CreateTokenizer(pr.GetValue(tokenizer)!, text);
                    var config = Seq2SeqText.WithTokenizer(baseConfig with { Dropout = pr.GetValue(dropout) }, tok);
                    if (config.Family == EncoderDecoderFamily.Bart && options.BlockSize + 1 > config.MaxPositions)
                        throw new CliException($"--block-size {options.BlockSize} exceeds the model's {config.MaxPositions} positions.");
                    var model = new EncoderDecoder(config, pr.GetValue(seed));
                    var objective = Objective(model, tok, text, pr.GetValue(valFraction), options);
                    run = TrainingRun.Start(outDir, new Trainer(objective, options), tok, pr.GetValue(valFraction), dataPath);
                    Console.WriteLine($"objective: {objective.Name}; tokenizer: {tok.Kind}, {tok.VocabSize:N0} ids");
                    Console.WriteLine($"model: {model.Describe()}");
                }
                var outcome = TrainProgressDisplay.Run(run, $"pretraining {Path.GetFileName(Path.GetFullPath(outDir))}");
                if (outcome.LastValLoss is { } last) Console.WriteLine($"val loss at step {outcome.FinalStep}: {last:F4}");
                Console.WriteLine($"time: {outcome.ElapsedSeconds:F1} s; saved to {outDir} (model.safetensors, config.json, tokenizer.json, metrics.jsonl, loss.svg)");
                return outcome.Interrupted ? 130 : 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or InvalidDataException or TokenizerFormatException)
            {
                throw new CliException(e.Message);
            }
        });
        return cmd;
    }

    /// <summary>The family's pretraining objective over the text (train = all but the last <paramref name="valFraction"/>).</summary>
    internal static EncoderDecoderObjective Objective(EncoderDecoder model, ITokenizer tok, string text, double valFraction, TrainingOptions options)
    {
        Seq2SeqText.Check(tok, "of the run");
        int eos = model.Config.EosTokenId;
        int split = (int)(text.Length * (1 - valFraction));
        while (split < text.Length && text[split] != '\n') split++;
        string trainText = text[..split], valText = text[split..];
        if (model.Config.Family == EncoderDecoderFamily.T5)
        {
            var sentinels = SpanCorruption.SentinelsOf(tok.SpecialTokens);
            var noise = new SpanCorruption(sentinels, eos);
            return new SpanCorruptionObjective(model, noise, tok.Encode(trainText), tok.Encode(valText), options.BlockSize, options.BatchSize);
        }
        int mask = tok.SpecialTokens.TryGetValue("<mask>", out int m) ? m : throw new CliException("the tokenizer has no <mask> token, which BART's infilling needs.");
        return new DenoisingObjective(model, new TextInfilling(mask), Sentences(tok, trainText), Sentences(tok, valText), options.BlockSize, eos, options.BatchSize);
    }

    /// <summary>The text's sentences (split after . ! ? or at line ends), each tokenized.</summary>
    internal static List<int[]> Sentences(ITokenizer tok, string text) =>
        System.Text.RegularExpressions.Regex.Split(text, @"(?<=[.!?])\s+|\n+")
            .Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => tok.Encode(s.Trim() + " ")).ToList();
}
