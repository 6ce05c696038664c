using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Formats;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Cli.Commands;

/// <summary>
/// <c>sharplm finetune classify|ner</c>: fine-tunes a (pretrained) BERT — or, for classify, a GPT/LLaMA
/// decoder (<see cref="FinetuneDecoderClassify"/>) — with a fresh head on
/// labeled data — texts or text pairs from CSV/TSV/JSONL, or CoNLL tagged sentences — in a run
/// folder with progress, metrics.jsonl, loss.svg and checkpoints, then scores the evaluation
/// file: accuracy, macro-F1 and the confusion matrix, or conlleval entity P/R/F1 per type.
/// </summary>
public static class FinetuneCommand
{
    /// <summary>The <c>finetune</c> sub-commands for BERT: <c>classify</c> and <c>ner</c>.</summary>
    public static IEnumerable<Command> Subcommands() => [Sub(ner: false), Sub(ner: true)];

    private static Command Sub(bool ner)
    {
        var model = new Option<string?>("--model") { Description = ner ? "A BERT folder (from 'sharplm pretrain' or Hugging Face: config.json, model.safetensors, tokenizer.json or vocab.txt)."
            : "A BERT folder (from 'sharplm pretrain' or Hugging Face), or a GPT-2/LLaMA decoder folder (from 'sharplm train'/'quickstart' or Hugging Face): routed by config.json's model_type." };
        var init = new Option<string>("--init") { Description = "pretrained (the folder's encoder weights) or random (its shape and vocabulary only: the no-pretraining baseline).", DefaultValueFactory = _ => "pretrained" };
        var train = new Option<string?>("--train") { Description = ner ? "CoNLL training file." : "Training file (.csv, .tsv or .jsonl with text, optional text_pair, label)." };
        var eval = new Option<string?>("--eval") { Description = "Evaluation file, same format; scored during and after training." };
        var epochs = new Option<double>("--epochs") { Description = "Passes over the training data (sets --max-steps when that is not given).", DefaultValueFactory = _ => 3 };
        var maxSteps = new Option<int?>("--max-steps") { Description = "Optimizer steps (default: epochs × examples / batch size)." };
        var batchSize = new Option<int>("--batch-size") { Description = "Examples per micro-batch.", DefaultValueFactory = _ => 32 };
        var maxLength = new Option<int>("--max-length") { Description = "Longest input in WordPiece tokens with [CLS]/[SEP].", DefaultValueFactory = _ => 128 };
        var truncate = new Option<bool>("--truncate") { Description = "classify: trim over-long texts instead of stopping with an error." };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => 1e-4f };
        var warmup = new Option<double>("--warmup-fraction") { Description = "Fraction of the steps spent warming up.", DefaultValueFactory = _ => 0.1 };
        var dropout = new Option<float?>("--dropout") { Description = "Hidden dropout (default: the model's)." };
        var evalEvery = new Option<int>("--eval-every") { Description = "Evaluate every N steps (and at the end).", DefaultValueFactory = _ => 200 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the new head, batches and dropout.", DefaultValueFactory = _ => 1337UL };
        var threads = new Option<int>("--threads") { Description = "CPU threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<string?>("--out") { Description = "Run folder for the fine-tuned model." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a run already in --out." };
        var pooling = new Option<string>("--pooling") { Description = "classify with a decoder (GPT/LLaMA folder): the hidden state the head reads, last (token) or mean.", DefaultValueFactory = _ => "last" };
        var lora = LoraSupport.Option();
        var cmd = new Command(ner ? "ner" : "classify", ner
            ? "Fine-tune a token classifier (NER) on CoNLL files; reports conlleval entity precision/recall/F1 per type."
            : "Fine-tune a text (or text-pair) classifier; reports accuracy, macro-F1 and the confusion matrix.");
        foreach (var o in new Option[] { model, init, train, eval, epochs, maxSteps, batchSize, maxLength, truncate, lr, warmup, dropout, evalEvery, seed, threads, output, overwrite, pooling, lora })
            if (!(ner && (o == truncate || o == pooling))) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            string modelDir = pr.GetValue(model) ?? throw new CliException("--model is required: a BERT folder.");
            string trainPath = pr.GetValue(train) ?? throw new CliException("--train is required.");
            string outDir = pr.GetValue(output) ?? throw new CliException("--out is required: the run folder for the fine-tuned model.");
            string? evalPath = pr.GetValue(eval);
            if (File.Exists(Path.Combine(outDir, TrainerState.FileName)) && !pr.GetValue(overwrite))
                throw new CliException($"{outDir} already holds a run; pass --overwrite or choose another --out.");
            KernelThreads.Count = Math.Max(1, pr.GetValue(threads));
            // A decoder folder (GPT-2/LLaMA) gets a classifier head on its hidden states instead of BERT's pooled [CLS].
            if (!ner && File.Exists(Path.Combine(modelDir, GptHuggingFace.ConfigFile)) && !BertHuggingFace.IsBertFolder(modelDir))
                return FinetuneDecoderClassify.Run(new FinetuneDecoderClassify.Args(modelDir, pr.GetValue(init)!, trainPath, evalPath, outDir,
                    pr.GetValue(epochs), pr.GetValue(maxSteps), pr.GetValue(batchSize), pr.GetValue(maxLength), pr.GetValue(truncate), pr.GetValue(lr),
                    pr.GetValue(warmup), pr.GetValue(dropout), pr.GetValue(evalEvery), pr.GetValue(seed), pr.GetValue(pooling)!, pr.GetValue(lora)));
            try
            {
                var (baseModel, tok) = BertModelFolder.Load(modelDir);
                int length = Math.Min(pr.GetValue(maxLength), baseModel.Config.MaxPositions);
                string initMode = pr.GetValue(init)!;
                if (initMode is not ("pretrained" or "random")) throw new CliException($"--init must be 'pretrained' or 'random', got '{initMode}'.");
                ulong s = pr.GetValue(seed);
                var config = baseModel.Config with { Dropout = pr.GetValue(dropout) ?? baseModel.Config.Dropout };
                ITrainingObjective objective;
                string[] labels;
                Func<string> report;
                int examples;
                Bert Prepare(BertTask task, string[] names)
                {
                    return initMode == "random" ? new Bert(config, task, s, names) : baseModel.WithTask(task, s, names, config.Dropout);
                }
                if (ner)
                {
                    var trainSet = ConllFile.Read(trainPath);
                    labels = BertExamples.LabelSet(trainSet.SelectMany(x => x.Tags));
                    var ids = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i);
                    var trainEx = trainSet.Select((x, i) => BertExamples.Tagged(tok, x, ids, length, $"{trainPath}, sentence {i + 1}")).ToList();
                    var evalSet = evalPath is null ? null : ConllFile.Read(evalPath);
                    var evalEx = evalSet?.Select((x, i) => BertExamples.Tagged(tok, x, ids, length, $"{evalPath}, sentence {i + 1}")).ToList();
                    var bert = Prepare(BertTask.TokenClassification, labels);
                    var o = new TokenClassificationObjective(bert, trainEx, evalEx, pr.GetValue(batchSize), length);
                    objective = o;
                    examples = trainEx.Count;
                    report = () => evalEx is null ? "" : new EntityMetrics(evalEx.Select(e => e.GoldTags).ToArray(), o.Predict(new Autograd.Tape(false) { Training = false }, evalEx).Tags).Report();
                }
                else
                {
                    var trainSet = LabeledTextFile.Read(trainPath);
                    labels = BertExamples.LabelSet(trainSet.Select(r => r.Label));
                    var ids = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i);
                    bool cut = pr.GetValue(truncate);
                    var trainEx = trainSet.Select(r => BertExamples.Classification(tok, r, ids[r.Label], length, cut, trainPath)).ToList();
                    var evalSet = evalPath is null ? null : LabeledTextFile.Read(evalPath);
                    var evalEx = evalSet?.Select(r => BertExamples.Classification(tok, r, BertExamples.LabelId(ids, r.Label, $"{evalPath}, line {r.Line}"), length, cut, evalPath!)).ToList();
                    var bert = Prepare(BertTask.SequenceClassification, labels);
                    var o = new SequenceClassificationObjective(bert, trainEx, evalEx, pr.GetValue(batchSize), length);
                    objective = o;
                    examples = trainEx.Count;
                    report = () => evalEx is null ? "" : new ClassificationMetrics(bert.Labels, evalEx.Select(e => e.Label).ToArray(), o.Predict(new Autograd.Tape(false) { Training = false }, evalEx).Predicted).Report();
                }
                int steps = pr.GetValue(maxSteps) ?? Math.Max(1, (int)Math.Ceiling(pr.GetValue(epochs) * examples / pr.GetValue(batchSize)));
                float maxLr = pr.GetValue(lr);
                var options = new TrainingOptions
                {
                    BatchSize = pr.GetValue(batchSize), BlockSize = length, MaxSteps = steps, LearningRate = maxLr, MinLearningRate = 0,
                    WarmupSteps = (int)(steps * pr.GetValue(warmup)), EvalEvery = pr.GetValue(evalEvery), EvalBatches = 1,
                    WeightDecay = 0.01f, Beta2 = 0.999f, GradClip = 1f, Seed = s,
                }.Validate();
                var adapter = LoraSupport.Apply((Nn.Module)objective.Model, pr.GetValue(lora), s);
                var trainer = new Trainer(objective, options);
                var run = TrainingRun.Start(outDir, trainer, tok, 0, trainPath);
                if (adapter is not null) Console.WriteLine(adapter);
                Console.WriteLine($"{(ner ? "tags" : "labels")} ({labels.Length}): {string.Join(", ", labels.Take(16))}{(labels.Length > 16 ? ", …" : "")}");
                TrainCommand.Describe(run, tok, (int)objective.DataFingerprint.Count);
                Console.WriteLine($"{examples:N0} training examples, {steps:N0} steps ({initMode} encoder from {modelDir})");
                var outcome = TrainProgressDisplay.Run(run, $"fine-tuning {Path.GetFileName(Path.GetFullPath(outDir))}");
                if (adapter is not null) LoraSupport.Finish((Nn.Module)objective.Model, objective.Model, outDir);
                WordPieceVocabFile.Write(tok, Path.Combine(outDir, WordPieceVocabFile.FileName));
                if (evalPath is not null)
                {
                    var text = report();
                    Console.WriteLine($"evaluation on {evalPath}:");
                    Console.Write(text);
                    AtomicFile.WriteAllText(Path.Combine(outDir, "eval_report.txt"), text);
                    var last = trainer.EvaluateValidation();
                    var metrics = new JsonObject { ["eval_file"] = evalPath, ["loss"] = last.Loss, ["init"] = initMode };
                    foreach (var (k, v) in last.Metrics) metrics[k] = v;
                    AtomicFile.WriteAllText(Path.Combine(outDir, "eval_metrics.json"), metrics.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                }
                Console.WriteLine($"time: {outcome.ElapsedSeconds:F1} s; saved to {outDir} (model.safetensors, config.json, tokenizer.json, vocab.txt, metrics.jsonl, loss.svg{(evalPath is null ? "" : ", eval_report.txt, eval_metrics.json")})");
                return outcome.Interrupted ? 130 : 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or InvalidDataException or TokenizerFormatException)
            {
                throw new CliException(e.Message);
            }
        });
        return cmd;
    }
}
