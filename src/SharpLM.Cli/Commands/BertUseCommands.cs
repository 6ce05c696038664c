using System.CommandLine;
using System.Globalization;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Cli.Commands;

/// <summary>
/// Using a BERT from the command line: <c>classify</c> (label and probabilities), <c>ner</c>
/// (entity spans, types, scores), <c>fill-mask</c> (top-k pieces for each [MASK]) and
/// <c>embed</c> (mean-pooled sentence vectors and their cosine similarities).
/// </summary>
public static class BertUseCommands
{
    /// <summary>The four commands.</summary>
    public static IEnumerable<Command> Create()
    {
        yield return Make("classify", "Classify a text (or text pair) with a fine-tuned BERT: the label and every label's probability.", BertTask.SequenceClassification, (p, texts, pair, _) =>
        {
            var probs = p.Classify(texts.Single(), pair);
            int best = Array.IndexOf(probs, probs.Max());
            Console.WriteLine($"label: {p.Model.Labels[best]} ({probs[best]:P1})");
            foreach (var i in Enumerable.Range(0, probs.Length).OrderByDescending(i => probs[i]))
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {p.Model.Labels[i],-24} {probs[i]:F4}"));
        });
        yield return Make("ner", "Tag the named entities of a text with a fine-tuned BERT token classifier: spans, types and scores.", BertTask.TokenClassification, (p, texts, _, _) =>
        {
            var found = p.Tag(texts.Single());
            if (found.Count == 0) Console.WriteLine("no entities found");
            foreach (var e in found) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e.Type,-10} {e.Score:F3}  [{e.Start}..{e.Start + e.Length})  {e.Text}"));
        });
        yield return Make("fill-mask", "Predict each [MASK] of a text with a BERT's MLM head: the top-k pieces and their probabilities.", BertTask.MaskedLM, (p, texts, _, k) =>
        {
            var all = p.FillMask(texts.Single(), k);
            for (int m = 0; m < all.Count; m++)
            {
                Console.WriteLine($"[MASK] {m + 1}:");
                foreach (var (token, prob) in all[m]) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {prob:F4}  {token}"));
            }
        });
        yield return Make("embed", "Embed sentences as mean-pooled BERT vectors and print their cosine similarities.", null, (p, texts, _, _) =>
        {
            var vectors = texts.Select(p.Embed).ToList();
            for (int i = 0; i < texts.Count; i++)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{i}] ({vectors[i].Length} dims: {string.Join(' ', vectors[i].Take(4).Select(x => x.ToString("F3", CultureInfo.InvariantCulture)))} …) {texts[i]}"));
            if (texts.Count > 1)
            {
                Console.WriteLine("cosine similarities:");
                for (int i = 0; i < texts.Count; i++)
                    Console.WriteLine(string.Join(' ', Enumerable.Range(0, texts.Count).Select(j => BertPipeline.Cosine(vectors[i], vectors[j]).ToString("F3", CultureInfo.InvariantCulture).PadLeft(7))));
            }
        });
    }

    private static Command Make(string name, string description, BertTask? task, Action<BertPipeline, IReadOnlyList<string>, string?, int> run)
    {
        var model = new Option<string?>("--model") { Description = "A BERT folder (config.json, model.safetensors, tokenizer.json or vocab.txt)." };
        var text = new Option<string[]>("--text") { Description = name == "embed" ? "One or more sentences." : "The text.", AllowMultipleArgumentsPerToken = true };
        var pair = new Option<string?>("--text-pair") { Description = "The second text of a pair." };
        var topK = new Option<int>("--top-k") { Description = "Candidates per [MASK].", DefaultValueFactory = _ => 5 };
        var threads = new Option<int>("--threads") { Description = "CPU threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cmd = new Command(name, description);
        cmd.Options.Add(model);
        cmd.Options.Add(text);
        if (name == "classify") cmd.Options.Add(pair);
        if (name == "fill-mask") cmd.Options.Add(topK);
        cmd.Options.Add(threads);
        cmd.SetAction(pr =>
        {
            string dir = pr.GetValue(model) ?? throw new CliException("--model is required: a BERT folder.");
            var texts = pr.GetValue(text) ?? [];
            if (texts.Length == 0) throw new CliException("--text is required.");
            if (name != "embed" && texts.Length > 1) throw new CliException($"{name} takes one --text.");
            KernelThreads.Count = Math.Max(1, pr.GetValue(threads));
            try
            {
                // embed and fill-mask read any BERT: a pretraining checkpoint serves as a masked LM.
                var wanted = task == BertTask.MaskedLM && BertHuggingFaceConfig.Read(Path.Combine(dir, "config.json")).Task == BertTask.PreTraining ? BertTask.PreTraining : task;
                var (bert, tok) = BertModelFolder.Load(dir, wanted);
                if (task is { } needed && bert.Task != needed && !(needed == BertTask.MaskedLM && bert.Task == BertTask.PreTraining))
                    throw new CliException($"{name} needs a {BertHuggingFaceConfig.ArchitectureName(needed)}; {dir} is a {BertHuggingFaceConfig.ArchitectureName(bert.Task)}.");
                run(new BertPipeline(bert, tok), texts, pr.GetValue(pair), pr.GetValue(topK));
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or TokenizerFormatException)
            {
                throw new CliException(e.Message);
            }
        });
        return cmd;
    }
}
