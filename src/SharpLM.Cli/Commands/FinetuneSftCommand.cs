using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Chat;
using SharpLM.Formats;
using SharpLM.Generation;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Cli.Commands;

/// <summary>
/// <c>sharplm finetune sft</c>: instruction-tunes a decoder (GPT/LLaMA folder) on chat JSONL
/// (<c>messages</c> or Alpaca records) rendered by a chat template, with the loss only on the
/// assistant's tokens, in a run folder like <c>train</c>'s (progress, metrics.jsonl, loss.svg,
/// checkpoints). The folder also gets a tokenizer_config.json naming the template, so <c>chat</c>
/// and <c>generate --template auto</c> use it. With <c>--score N</c> the first N held-out
/// conversations are answered by the base and the tuned model and scored by ROUGE-L and exact match.
/// </summary>
public static class FinetuneSftCommand
{
    /// <summary>Creates the <c>finetune sft</c> command.</summary>
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "The decoder to tune: a run folder or Hugging Face GPT-2/Llama folder (config.json, model.safetensors, tokenizer.json)." };
        var data = new Option<string?>("--data") { Description = "Training chats: JSONL with {\"messages\": [{\"role\", \"content\"}, …]} or Alpaca {\"instruction\", \"input\", \"output\"} records." };
        var eval = new Option<string?>("--eval") { Description = "Held-out chats, same format: answer loss during training, ROUGE-L / exact match with --score." };
        var template = new Option<string>("--template") { Description = $"Chat template: auto (the model folder's tokenizer_config.json, else chatml) or one of {string.Join(", ", ChatTemplates.Names)}.", DefaultValueFactory = _ => "auto" };
        var lora = LoraSupport.Option();
        var epochs = new Option<double>("--epochs") { Description = "Passes over the training chats (sets --max-steps when that is not given).", DefaultValueFactory = _ => 1 };
        var maxSteps = new Option<int?>("--max-steps") { Description = "Optimizer steps (default: epochs × chats / batch size)." };
        var batchSize = new Option<int>("--batch-size") { Description = "Chats per micro-batch (right-padded to the longest).", DefaultValueFactory = _ => 8 };
        var maxLength = new Option<int?>("--max-length") { Description = "Longest chat in tokens (default and at most: the model's context)." };
        var truncate = new Option<bool>("--truncate") { Description = "Cut over-long chats at --max-length (their answer's end is lost) instead of stopping with an error naming file:line." };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate (cosine decay to a tenth).", DefaultValueFactory = _ => 1e-4f };
        var warmup = new Option<double>("--warmup-fraction") { Description = "Fraction of the steps spent warming up.", DefaultValueFactory = _ => 0.05 };
        var weightDecay = new Option<float>("--weight-decay") { Description = "AdamW weight decay (matrices only).", DefaultValueFactory = _ => 0.0f };
        var dropout = new Option<float?>("--dropout") { Description = "Dropout during tuning (default: the model's)." };
        var evalEvery = new Option<int>("--eval-every") { Description = "Evaluate the held-out answer loss every N steps (and at the end).", DefaultValueFactory = _ => 100 };
        var evalLimit = new Option<int>("--eval-limit") { Description = "Held-out chats used for the answer loss (the first N of --eval; 0: all).", DefaultValueFactory = _ => 500 };
        var score = new Option<int>("--score") { Description = "Answer the first N held-out chats greedily with the base and the tuned model; report ROUGE-L and exact match (0: off).", DefaultValueFactory = _ => 0 };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "--score: longest answer in tokens.", DefaultValueFactory = _ => 64 };
        var saveEvery = new Option<int>("--save-every") { Description = "Save a checkpoint every N steps (0: at the end and on Ctrl+C only).", DefaultValueFactory = _ => 0 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the batches, dropout and LoRA init.", DefaultValueFactory = _ => 1337UL };
        var threads = new Option<int>("--threads") { Description = "CPU threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<string?>("--out") { Description = "Run folder for the tuned model." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a run already in --out." };
        var cmd = new Command("sft", "Instruction-tune a decoder on chats (loss on the assistant's tokens only), optionally with LoRA; scores held-out answers against the base model.");
        foreach (var o in new Option[] { model, data, eval, template, lora, epochs, maxSteps, batchSize, maxLength, truncate, lr, warmup, weightDecay, dropout, evalEvery, evalLimit, score, maxNew, saveEvery, seed, threads, output, overwrite })
            cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            string modelDir = pr.GetValue(model) ?? throw new CliException("--model is required: the decoder folder to tune.");
            string dataPath = pr.GetValue(data) ?? throw new CliException("--data is required: a JSONL file of chats.");
            string outDir = pr.GetValue(output) ?? throw new CliException("--out is required: the run folder for the tuned model.");
            string? evalPath = pr.GetValue(eval);
            if (!Directory.Exists(modelDir)) throw new CliException($"--model: folder '{modelDir}' does not exist (finetune sft tunes a decoder folder: config.json, model.safetensors, tokenizer.json).");
            if (File.Exists(Path.Combine(outDir, TrainerState.FileName)) && !pr.GetValue(overwrite))
                throw new CliException($"{outDir} already holds a run; pass --overwrite or choose another --out.");
            if (pr.GetValue(batchSize) < 1) throw new CliException($"--batch-size must be ≥ 1, got {pr.GetValue(batchSize)}.");
            if (pr.GetValue(score) > 0 && evalPath is null) throw new CliException("--score needs --eval: the held-out chats to answer.");
            GenerateModelLoader.SetThreads(pr.GetValue(threads));
            var (gpt, tok) = GenerateModelLoader.Load(modelDir);
            var chatTemplate = ResolveTemplate(pr.GetValue(template) ?? "auto", modelDir);
            try
            {
                int context = pr.GetValue(maxLength) ?? gpt.Config.BlockSize;
                if (context < 2 || context > gpt.Config.BlockSize)
                    throw new CliException($"--max-length must be in 2..{gpt.Config.BlockSize} (the model's context), got {context}.");
                bool cut = pr.GetValue(truncate);
                ulong s = pr.GetValue(seed);
                if (pr.GetValue(dropout) is { } p) gpt = WithDropout(gpt, p);
                var trainChats = InstructionFile.Read(dataPath);
                var trainEx = SftEncoder.EncodeAll(tok, chatTemplate, trainChats, context, cut, dataPath);
                var evalChats = evalPath is null ? null : InstructionFile.Read(evalPath);
                int limit = pr.GetValue(evalLimit);
                var evalForLoss = evalChats is null ? null : limit > 0 ? evalChats.Take(limit).ToList() : evalChats;
                var evalEx = evalForLoss is null ? null : SftEncoder.EncodeAll(tok, chatTemplate, evalForLoss, context, cut, evalPath!);
                var adapter = LoraSupport.Apply(gpt, pr.GetValue(lora), s);
                var objective = new SftObjective(gpt, trainEx, evalEx, pr.GetValue(batchSize), PadId(tok));
                int steps = pr.GetValue(maxSteps) ?? Math.Max(1, (int)Math.Ceiling(pr.GetValue(epochs) * trainEx.Count / pr.GetValue(batchSize)));
                float maxLr = pr.GetValue(lr);
                var options = new TrainingOptions
                {
                    BatchSize = pr.GetValue(batchSize), BlockSize = context, MaxSteps = steps, LearningRate = maxLr, MinLearningRate = maxLr / 10,
                    WarmupSteps = (int)(steps * pr.GetValue(warmup)), EvalEvery = Math.Max(1, pr.GetValue(evalEvery)), EvalBatches = 1,
                    SaveEvery = pr.GetValue(saveEvery), WeightDecay = pr.GetValue(weightDecay), Beta2 = 0.99f, GradClip = 1f, Seed = s,
                }.Validate();
                var trainer = new Trainer(objective, options);
                var run = TrainingRun.Start(outDir, trainer, tok, 0, dataPath);
                int truncated = trainEx.Count(e => e.Truncated) + (evalEx?.Count(e => e.Truncated) ?? 0);
                Console.WriteLine($"chat template: {chatTemplate.Name}; {trainEx.Count:N0} training chats ({objective.MeanLength:F1} tokens on average, {trainEx.Sum(e => (long)e.TrainedTokens):N0} answer tokens trained on){(evalEx is null ? "" : $", {evalEx.Count:N0} held-out")}{(truncated > 0 ? $"; {truncated} cut to {context} tokens" : "")}");
                TrainCommand.Describe(run, tok, (int)objective.DataFingerprint.Count);
                if (adapter is not null) Console.WriteLine(adapter);
                var outcome = TrainProgressDisplay.Run(run, $"instruction-tuning {Path.GetFileName(Path.GetFullPath(outDir))}");
                if (adapter is not null) LoraSupport.Finish(gpt, gpt, outDir);
                WriteTemplate(modelDir, outDir, chatTemplate);
                if (outcome.FirstValLoss is { } first) Console.WriteLine($"held-out answer loss before tuning: {first:F4}");
                if (outcome.LastValLoss is { } last) Console.WriteLine($"held-out answer loss at step {outcome.FinalStep}: {last:F4}");
                var metrics = new JsonObject
                {
                    ["template"] = chatTemplate.Name, ["train_chats"] = trainEx.Count, ["steps"] = outcome.FinalStep,
                    ["answer_loss_before"] = outcome.FirstValLoss, ["answer_loss_after"] = outcome.LastValLoss,
                };
                int scored = Math.Min(pr.GetValue(score), evalChats?.Count ?? 0);
                if (scored > 0 && !outcome.Interrupted)
                {
                    var chats = evalChats!.Take(scored).ToList();
                    var (baseGpt, _) = GenerateModelLoader.Load(modelDir);
                    var before = InstructionAnswers.Score(new TextGenerator(baseGpt, tok), chatTemplate, chats, pr.GetValue(maxNew));
                    var after = InstructionAnswers.Score(new TextGenerator(gpt, tok), chatTemplate, chats, pr.GetValue(maxNew));
                    Console.WriteLine($"held-out answers ({scored} chats of {evalPath}, greedy, same prompts):");
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  base model:  ROUGE-L {before.RougeL:F2}  exact match {before.ExactMatch:F2}%"));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  tuned model: ROUGE-L {after.RougeL:F2}  exact match {after.ExactMatch:F2}%"));
                    foreach (var i in Enumerable.Range(0, Math.Min(3, scored)))
                    {
                        Console.WriteLine($"  Q: {after.Answers[i].Question}");
                        Console.WriteLine($"     reference: {after.Answers[i].Reference}");
                        Console.WriteLine($"     base:      {OneLine(before.Answers[i].Answer)}");
                        Console.WriteLine($"     tuned:     {OneLine(after.Answers[i].Answer)}");
                    }
                    metrics["scored_chats"] = scored;
                    metrics["base_rouge_l"] = before.RougeL; metrics["base_exact_match"] = before.ExactMatch;
                    metrics["tuned_rouge_l"] = after.RougeL; metrics["tuned_exact_match"] = after.ExactMatch;
                    WriteAnswers(Path.Combine(outDir, "eval_answers.jsonl"), before, after);
                }
                if (evalPath is not null) AtomicFile.WriteAllText(Path.Combine(outDir, "eval_metrics.json"), metrics.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                Console.WriteLine($"time: {outcome.ElapsedSeconds:F1} s; saved to {outDir} (model.safetensors{(adapter is null ? "" : " (LoRA merged), adapter_config.json, adapter_model.safetensors")}, config.json, tokenizer.json, tokenizer_config.json, metrics.jsonl, loss.svg{(evalPath is null ? "" : ", eval_metrics.json")}{(scored > 0 && !outcome.Interrupted ? ", eval_answers.jsonl" : "")})");
                return outcome.Interrupted ? 130 : 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or InvalidDataException or TokenizerFormatException)
            {
                throw new CliException(e.Message);
            }
        });
        return cmd;
    }

    /// <summary>The template <c>--template</c> names; <c>auto</c> is the model folder's, else ChatML.</summary>
    internal static ChatTemplate ResolveTemplate(string name, string modelDir) =>
        ChatCommand.ResolveTemplate(name, modelDir) ?? (name.Trim().Equals("none", StringComparison.OrdinalIgnoreCase)
            ? throw new CliException("--template none: instruction tuning needs a chat template (auto, or one of " + string.Join(", ", ChatTemplates.Names) + ").")
            : ChatTemplates.Get("chatml"));

    /// <summary>The id right padding uses: <c>&lt;|endoftext|&gt;</c> or another special token when there is one, else 0 (pad ids are never read by real positions).</summary>
    internal static int PadId(ITokenizer tokenizer) =>
        tokenizer.SpecialTokens.TryGetValue("<|endoftext|>", out int eot) ? eot : tokenizer.SpecialTokens.Count > 0 ? tokenizer.SpecialTokens.Values.Min() : 0;

    /// <summary>The decoder with dropout <paramref name="p"/> (weights copied when it changes).</summary>
    internal static Gpt WithDropout(Gpt model, float p)
    {
        if (p is < 0 or >= 1) throw new CliException($"--dropout must be in [0, 1), got {p}.");
        if (p == model.Config.Dropout) return model;
        var copy = Gpt.Uninitialized(model.Config with { Dropout = p });
        var source = model.NamedParameters().ToDictionary(x => x.Name, x => x.Parameter);
        foreach (var (name, parameter) in copy.NamedParameters()) source[name].Data.Span.CopyTo(parameter.Data.Span);
        return copy;
    }

    /// <summary>Writes the run's tokenizer_config.json: the base folder's (when it has one) with <c>chat_template</c> set to the template tuned with.</summary>
    internal static void WriteTemplate(string modelDir, string outDir, ChatTemplate template)
    {
        JsonObject config = new();
        string basePath = Path.Combine(modelDir, "tokenizer_config.json");
        if (File.Exists(basePath))
        {
            try { config = JsonNode.Parse(File.ReadAllText(basePath)) as JsonObject ?? new JsonObject(); }
            catch (JsonException) { config = new JsonObject(); }
        }
        config["chat_template"] = template.JinjaSource;
        if (!config.ContainsKey("bos_token")) config["bos_token"] = template.BosToken;
        if (!config.ContainsKey("eos_token")) config["eos_token"] = template.EosToken;
        AtomicFile.WriteAllText(Path.Combine(outDir, "tokenizer_config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static string OneLine(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static void WriteAnswers(string path, InstructionScores before, InstructionScores after)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < after.Answers.Count; i++)
        {
            var a = after.Answers[i];
            sb.Append(new JsonObject
            {
                ["question"] = a.Question, ["reference"] = a.Reference, ["base"] = before.Answers[i].Answer, ["tuned"] = a.Answer,
                ["base_rouge_l"] = before.Answers[i].RougeL, ["tuned_rouge_l"] = a.RougeL,
            }.ToJsonString()).Append('\n');
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }
}
