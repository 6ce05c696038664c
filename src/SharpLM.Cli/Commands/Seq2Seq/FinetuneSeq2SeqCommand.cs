using System.CommandLine;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tokenizers;
using SharpLM.Training;
using SharpLM.Training.Data;

namespace SharpLM.Cli.Commands.Seq2Seq;

/// <summary>
/// <c>sharplm finetune seq2seq</c>: text-to-text fine-tuning of an encoder-decoder on (source, target)
/// pairs (TSV or JSONL) with an optional task prefix, then held-out chrF, BLEU, ROUGE-L and exact match
/// of its generated outputs. <c>--model</c> starts from a pretrained folder; <c>--preset</c> from scratch
/// (the "no pretraining" comparison).
/// </summary>
public static class FinetuneSeq2SeqCommand
{
    /// <summary>Creates the <c>seq2seq</c> subcommand of <c>finetune</c>.</summary>
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Pretrained model folder (config.json, model.safetensors, tokenizer.json)." };
        var preset = new Option<string?>("--preset") { Description = "Instead of --model: a fresh model of this preset (no pretraining), with --tokenizer." };
        var tokenizer = new Option<string>("--tokenizer") { Description = "With --preset: bpe:N trained on the training pairs, or a tokenizer.json.", DefaultValueFactory = _ => "bpe:8000" };
        var train = new Option<string?>("--train") { Description = "Training pairs: .tsv (source<TAB>target) or .jsonl ({\"source\",\"target\"})." };
        var eval = new Option<string?>("--eval") { Description = "Held-out pairs (same formats), scored after training." };
        var prefix = new Option<string>("--prefix") { Description = "Task prefix before every source, e.g. \"translate English to Korean: \".", DefaultValueFactory = _ => "" };
        var maxSource = new Option<int>("--max-source") { Description = "Longest source kept (tokens).", DefaultValueFactory = _ => 128 };
        var maxTarget = new Option<int>("--max-target") { Description = "Longest target kept (tokens).", DefaultValueFactory = _ => 64 };
        var batchSize = new Option<int>("--batch-size") { Description = "Pairs per micro-batch.", DefaultValueFactory = _ => 16 };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => 5e-4f };
        var warmup = new Option<int>("--warmup") { Description = "Warmup steps.", DefaultValueFactory = _ => 100 };
        var maxSteps = new Option<int>("--max-steps") { Description = "Optimizer steps.", DefaultValueFactory = _ => 2000 };
        var evalEvery = new Option<int>("--eval-every") { Description = "Validation loss every N steps.", DefaultValueFactory = _ => 250 };
        var evalLimit = new Option<int>("--eval-limit") { Description = "Score at most this many held-out pairs (generation is the slow part; 0 = all).", DefaultValueFactory = _ => 500 };
        var beams = new Option<int>("--beams") { Description = "Beams when generating the held-out outputs (1 = greedy).", DefaultValueFactory = _ => 1 };
        var maxLength = new Option<int>("--max-length") { Description = "Most generated tokens per output.", DefaultValueFactory = _ => 64 };
        var seed = new Option<ulong>("--seed") { Description = "Seed.", DefaultValueFactory = _ => 1337UL };
        var threads = new Option<int>("--threads") { Description = "CPU threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<string?>("--out") { Description = "Run folder for the fine-tuned model." };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out." };
        var cmd = new Command("seq2seq", "Fine-tune a T5/BART on source→target pairs (translation, summarization…) and score chrF/BLEU/ROUGE-L/exact match.");
        foreach (var o in new Option[] { model, preset, tokenizer, train, eval, prefix, maxSource, maxTarget, batchSize, lr, warmup, maxSteps, evalEvery, evalLimit, beams, maxLength, seed, threads, output, resume })
            cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            KernelThreads.Count = Math.Max(1, pr.GetValue(threads));
            string outDir = pr.GetValue(output) ?? throw new CliException("--out is required: the run folder for the fine-tuned model.");
            string trainPath = pr.GetValue(train) ?? throw new CliException("--train is required: a .tsv or .jsonl file of pairs.");
            string p = pr.GetValue(prefix)!;
            try
            {
                var trainPairs = TextPairFile.Read(trainPath);
                var evalPairs = pr.GetValue(eval) is { } evalPath ? TextPairFile.Read(evalPath) : [];
                var options = new TrainingOptions
                {
                    BatchSize = pr.GetValue(batchSize), BlockSize = pr.GetValue(maxSource), LearningRate = pr.GetValue(lr), MinLearningRate = pr.GetValue(lr) / 10,
                    WarmupSteps = pr.GetValue(warmup), MaxSteps = pr.GetValue(maxSteps), EvalEvery = pr.GetValue(evalEvery), Seed = pr.GetValue(seed),
                    WeightDecay = 0.01f, Beta2 = 0.999f,
                }.Validate();
                TrainingRun run;
                EncoderDecoder m;
                ITokenizer tok;
                Func<EncoderDecoder, ITokenizer, Seq2SeqObjective> objective = (mm, tt) =>
                {
                    int eos = mm.Config.EosTokenId;
                    // Validation loss on at most 256 held-out pairs; the full set is scored by generation at the end.
                    return new Seq2SeqObjective(mm, Seq2SeqText.Examples(tt, trainPairs, p, eos), Seq2SeqText.Examples(tt, evalPairs.Take(256), p, eos),
                        options.BatchSize, pr.GetValue(maxSource), pr.GetValue(maxTarget));
                };
                if (pr.GetValue(resume))
                {
                    run = TrainingRun.Resume(outDir, (state, t) => new Trainer(objective(EncoderDecoderHuggingFace.Load(outDir), t), state.Options));
                    m = (EncoderDecoder)run.Trainer.Model;
                    tok = run.Tokenizer;
                }
                else
                {
                    if (pr.GetValue(preset) is { } presetName)
                    {
                        var text = string.Join('\n', trainPairs.SelectMany(x => new[] { p + x.Source, x.Target }));
                        tok = Seq2SeqText.CreateTokenizer(pr.GetValue(tokenizer)!, text);
                        m = new EncoderDecoder(Seq2SeqText.WithTokenizer(EncoderDecoderConfig.Preset(presetName), tok), pr.GetValue(seed));
                    }
                    else (m, tok) = Seq2SeqModelFolder.Load(pr.GetValue(model) ?? throw new CliException("--model (a pretrained folder) or --preset (from scratch) is required."));
                    var obj = objective(m, tok);
                    run = TrainingRun.Start(outDir, new Trainer(obj, options), tok, 0, trainPath);
                    Console.WriteLine($"model: {m.Describe()}");
                    Console.WriteLine($"data: {trainPairs.Count:N0} training pairs, {evalPairs.Count:N0} held-out pairs; prefix \"{p}\"");
                }
                var outcome = TrainProgressDisplay.Run(run, $"fine-tuning {Path.GetFileName(Path.GetFullPath(outDir))}");
                if (evalPairs.Count > 0)
                {
                    int limit = pr.GetValue(evalLimit);
                    var scored = limit > 0 ? evalPairs.Take(limit).ToList() : evalPairs;
                    var outputs = Seq2SeqEvaluation.Generate(m, tok, scored, p, pr.GetValue(beams), pr.GetValue(maxLength));
                    Seq2SeqEvaluation.Report("held-out", Seq2SeqEvaluation.Score(outputs, scored.Select(x => x.Target).ToList()),
                        Path.Combine(outDir, "eval.json"), scored, outputs);
                }
                return outcome.Interrupted ? 130 : 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or TokenizerFormatException)
            {
                throw new CliException(e.Message);
            }
        });
        return cmd;
    }
}
