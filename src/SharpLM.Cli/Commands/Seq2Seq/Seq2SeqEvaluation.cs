using System.Globalization;
using System.Text.Json.Nodes;
using SharpLM.Formats;
using SharpLM.Generation;
using SharpLM.Models;
using SharpLM.Tokenizers;
using SharpLM.Training.Data;
using SharpLM.Training.Metrics;

namespace SharpLM.Cli.Commands.Seq2Seq;

/// <summary>
/// Held-out evaluation of a text-to-text model: generates an output for every source (greedy or
/// beam search) and scores them against the targets with chrF, BLEU, ROUGE-L and exact match;
/// also the two baselines the targets compare against (retrieval, lead).
/// </summary>
internal static class Seq2SeqEvaluation
{
    /// <summary>The scores of outputs against references.</summary>
    public static Dictionary<string, double> Score(IReadOnlyList<string> outputs, IReadOnlyList<string> references) => new()
    {
        ["chrf"] = ChrF.Corpus(outputs, references),
        ["bleu"] = Bleu.Corpus(outputs, references).Score,
        ["rouge_l"] = RougeL.Corpus(outputs, references),
        ["exact_match"] = ExactMatch.Corpus(outputs, references),
    };

    /// <summary>Generates for every pair's source (with the task prefix) and returns the outputs.</summary>
    public static List<string> Generate(EncoderDecoder model, ITokenizer tok, IReadOnlyList<TextPair> pairs, string prefix, int beams, int maxLength)
    {
        var generator = new Seq2SeqGenerator(model);
        var engine = new Seq2SeqEngine(model, 1, maxLength);
        var outputs = new List<string>(pairs.Count);
        foreach (var p in pairs)
        {
            var ids = Seq2SeqText.Encode(tok, prefix + p.Source, model.Config.EosTokenId);
            var output = beams > 1 ? generator.GenerateBeam(ids, new BeamSearchOptions { Beams = beams, MaxLength = maxLength }) : generator.Generate(ids, maxLength, engine: engine);
            outputs.Add(Seq2SeqText.Decode(tok, output));
        }
        return outputs;
    }

    /// <summary>
    /// The retrieval baseline: for each evaluation source, the target of the training pair whose source shares
    /// the most character n-grams with it (chrF of the sources).
    /// </summary>
    public static List<string> Retrieval(IReadOnlyList<TextPair> train, IReadOnlyList<TextPair> eval)
    {
        // Candidate shortlist by shared character trigrams, then chrF to pick the best.
        var index = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < train.Count; i++)
            foreach (var g in Trigrams(train[i].Source).Distinct())
                (index.TryGetValue(g, out var list) ? list : index[g] = []).Add(i);
        var outputs = new List<string>(eval.Count);
        foreach (var e in eval)
        {
            var votes = new Dictionary<int, int>();
            foreach (var g in Trigrams(e.Source).Distinct())
                if (index.TryGetValue(g, out var list) && list.Count < train.Count / 4 + 50)
                    foreach (int i in list) votes[i] = votes.GetValueOrDefault(i) + 1;
            var shortlist = votes.OrderByDescending(v => v.Value).Take(50).Select(v => v.Key).DefaultIfEmpty(0);
            int best = shortlist.MaxBy(i => ChrF.Sentence(train[i].Source, e.Source));
            outputs.Add(train[best].Target);
        }
        return outputs;
    }

    /// <summary>The lead baseline of summarization: the source's first sentence.</summary>
    public static List<string> Lead(IReadOnlyList<TextPair> eval) =>
        eval.Select(e => System.Text.RegularExpressions.Regex.Split(e.Source, @"(?<=[.!?])\s+")[0]).ToList();

    private static IEnumerable<string> Trigrams(string text)
    {
        var s = text.ToLowerInvariant();
        for (int i = 0; i + 3 <= s.Length; i++) yield return s.Substring(i, 3);
    }

    /// <summary>Prints the scores and writes them (with a few examples) to <paramref name="path"/> as JSON.</summary>
    public static void Report(string label, Dictionary<string, double> scores, string? path, IReadOnlyList<TextPair> eval, IReadOnlyList<string> outputs)
    {
        Console.WriteLine($"{label}: " + string.Join(", ", scores.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:F2}"))) + $" ({eval.Count} pairs)");
        if (path is null) return;
        var json = new JsonObject { ["label"] = label, ["pairs"] = eval.Count };
        foreach (var (k, v) in scores) json[k] = Math.Round(v, 4);
        var examples = new JsonArray();
        for (int i = 0; i < Math.Min(20, eval.Count); i++)
            examples.Add(new JsonObject { ["source"] = eval[i].Source, ["target"] = eval[i].Target, ["output"] = outputs[i] });
        json["examples"] = examples;
        AtomicFile.WriteAllText(path, json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }
}
