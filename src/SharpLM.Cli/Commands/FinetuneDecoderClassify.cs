using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Formats;
using SharpLM.Models;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Cli.Commands;

/// <summary>
/// <c>sharplm finetune classify</c> on a decoder folder (GPT-2/LLaMA): a new head on the last
/// (or mean-pooled) hidden state (<see cref="DecoderClassifier"/>), trained on the same labeled
/// CSV/TSV/JSONL files as BERT's classifier, in a run folder with the same progress, metrics and
/// report (accuracy, macro-F1, confusion matrix).
/// </summary>
internal static class FinetuneDecoderClassify
{
    /// <summary>The classify options' values.</summary>
    public sealed record Args(string Model, string Init, string Train, string? Eval, string Out, double Epochs, int? MaxSteps, int BatchSize,
        int MaxLength, bool Truncate, float Lr, double Warmup, float? Dropout, int EvalEvery, ulong Seed, string Pooling, string? Lora);

    /// <summary>Fine-tunes the decoder in <see cref="Args.Model"/> and scores <see cref="Args.Eval"/>; returns the exit code.</summary>
    public static int Run(Args a)
    {
        var pooling = a.Pooling.Trim().ToLowerInvariant() switch
        {
            "last" => ClassifierPooling.Last,
            "mean" => ClassifierPooling.Mean,
            _ => throw new CliException($"--pooling must be last or mean, got '{a.Pooling}'."),
        };
        if (a.Init is not ("pretrained" or "random")) throw new CliException($"--init must be 'pretrained' or 'random', got '{a.Init}'.");
        if (a.BatchSize < 1) throw new CliException($"--batch-size must be ≥ 1, got {a.BatchSize}.");
        var (loaded, tok) = GenerateModelLoader.Load(a.Model);
        try
        {
            var config = loaded.Config with { Dropout = a.Dropout ?? loaded.Config.Dropout };
            var decoder = a.Init == "random" ? new Gpt(config, a.Seed) : FinetuneSftCommand.WithDropout(loaded, config.Dropout);
            int length = Math.Min(a.MaxLength, config.BlockSize);
            var trainSet = LabeledTextFile.Read(a.Train);
            var labels = BertExamples.LabelSet(trainSet.Select(r => r.Label));
            var ids = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i);
            var trainEx = trainSet.Select(r => DecoderClassificationObjective.Encode(tok, r, ids[r.Label], length, a.Truncate, a.Train)).ToList();
            var evalSet = a.Eval is null ? null : LabeledTextFile.Read(a.Eval);
            var evalEx = evalSet?.Select(r => DecoderClassificationObjective.Encode(tok, r, BertExamples.LabelId(ids, r.Label, $"{a.Eval}, line {r.Line}"), length, a.Truncate, a.Eval!)).ToList();
            var classifier = new DecoderClassifier(decoder, labels, pooling, new Tensors.Rng(a.Seed));
            var adapter = LoraSupport.Apply(decoder, a.Lora, a.Seed);
            var objective = new DecoderClassificationObjective(classifier, trainEx, evalEx, a.BatchSize, FinetuneSftCommand.PadId(tok));
            int steps = a.MaxSteps ?? Math.Max(1, (int)Math.Ceiling(a.Epochs * trainEx.Count / a.BatchSize));
            var options = new TrainingOptions
            {
                BatchSize = a.BatchSize, BlockSize = length, MaxSteps = steps, LearningRate = a.Lr, MinLearningRate = 0,
                WarmupSteps = (int)(steps * a.Warmup), EvalEvery = Math.Max(1, a.EvalEvery), EvalBatches = 1,
                WeightDecay = 0.01f, Beta2 = 0.999f, GradClip = 1f, Seed = a.Seed,
            }.Validate();
            var trainer = new Trainer(objective, options);
            var run = TrainingRun.Start(a.Out, trainer, tok, 0, a.Train);
            Console.WriteLine($"labels ({labels.Length}): {string.Join(", ", labels.Take(16))}{(labels.Length > 16 ? ", …" : "")}");
            TrainCommand.Describe(run, tok, (int)objective.DataFingerprint.Count);
            if (adapter is not null) Console.WriteLine(adapter);
            Console.WriteLine($"{trainEx.Count:N0} training examples, {steps:N0} steps ({a.Init} decoder from {a.Model}, {pooling.ToString().ToLowerInvariant()}-token pooling)");
            var outcome = TrainProgressDisplay.Run(run, $"fine-tuning {Path.GetFileName(Path.GetFullPath(a.Out))}");
            if (adapter is not null) LoraSupport.Finish(decoder, classifier, a.Out);
            if (evalEx is not null)
            {
                var tape = new Autograd.Tape(false) { Training = false };
                var text = new ClassificationMetrics(labels, evalEx.Select(e => e.Label).ToArray(), objective.Predict(tape, evalEx).Predicted).Report();
                Console.WriteLine($"evaluation on {a.Eval}:");
                Console.Write(text);
                AtomicFile.WriteAllText(Path.Combine(a.Out, "eval_report.txt"), text);
                var last = trainer.EvaluateValidation();
                var metrics = new JsonObject { ["eval_file"] = a.Eval, ["loss"] = last.Loss, ["init"] = a.Init, ["pooling"] = pooling.ToString().ToLowerInvariant() };
                foreach (var (k, v) in last.Metrics) metrics[k] = v;
                AtomicFile.WriteAllText(Path.Combine(a.Out, "eval_metrics.json"), metrics.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            Console.WriteLine($"time: {outcome.ElapsedSeconds:F1} s; saved to {a.Out} (model.safetensors, config.json, {DecoderClassifier.HeadFile}, {DecoderClassifier.InfoFile}, tokenizer.json, metrics.jsonl, loss.svg{(a.Eval is null ? "" : ", eval_report.txt, eval_metrics.json")})");
            return outcome.Interrupted ? 130 : 0;
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or InvalidDataException or TokenizerFormatException)
        {
            throw new CliException(e.Message);
        }
    }
}
