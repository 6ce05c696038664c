using System.Text;

namespace SharpLM.Training;

/// <summary>
/// Entity-level precision, recall and F1 with conlleval's exact-span semantics: tags are read
/// into chunks (a chunk starts at B-, at an I- that follows O or another type — an I- without
/// a B- still starts an entity — and ends where the next tag cannot continue it), and a
/// predicted entity counts only when its type, first and last word all equal a gold entity's.
/// Scores per type and overall (micro-averaged over entities), plus token accuracy.
/// </summary>
public sealed class EntityMetrics
{
    private readonly Dictionary<string, (int Gold, int Predicted, int Correct)> _byType = new(StringComparer.Ordinal);

    /// <summary>Scores predicted tag sequences against gold ones, sentence by sentence.</summary>
    public EntityMetrics(IReadOnlyList<string[]> gold, IReadOnlyList<string[]> predicted)
    {
        if (gold.Count != predicted.Count) throw new ArgumentException($"{gold.Count} gold sentences but {predicted.Count} predicted.");
        for (int s = 0; s < gold.Count; s++)
        {
            if (gold[s].Length != predicted[s].Length) throw new ArgumentException($"sentence {s}: {gold[s].Length} gold tags but {predicted[s].Length} predicted.");
            var g = Chunks(gold[s]);
            var p = Chunks(predicted[s]);
            foreach (var c in g) Bump(c.Type, gold: 1);
            foreach (var c in p) Bump(c.Type, predicted: 1);
            foreach (var c in p) if (g.Contains(c)) Bump(c.Type, correct: 1);
            for (int i = 0; i < gold[s].Length; i++) { Tokens++; if (gold[s][i] == predicted[s][i]) TokensRight++; }
        }
        GoldEntities = _byType.Values.Sum(v => v.Gold);
        PredictedEntities = _byType.Values.Sum(v => v.Predicted);
        CorrectEntities = _byType.Values.Sum(v => v.Correct);
        (Precision, Recall, F1) = Score(GoldEntities, PredictedEntities, CorrectEntities);
    }

    /// <summary>Entities in the gold tags.</summary>
    public int GoldEntities { get; }

    /// <summary>Entities in the predictions.</summary>
    public int PredictedEntities { get; }

    /// <summary>Predicted entities that exactly match a gold one.</summary>
    public int CorrectEntities { get; }

    /// <summary>Overall precision (correct / predicted).</summary>
    public double Precision { get; }

    /// <summary>Overall recall (correct / gold).</summary>
    public double Recall { get; }

    /// <summary>Overall F1.</summary>
    public double F1 { get; }

    /// <summary>Tokens scored.</summary>
    public int Tokens { get; private set; }

    /// <summary>Tokens whose tag was predicted exactly.</summary>
    public int TokensRight { get; private set; }

    /// <summary>Fraction of tokens tagged right.</summary>
    public double TokenAccuracy => Tokens == 0 ? 0 : (double)TokensRight / Tokens;

    /// <summary>The entity types seen in gold or predicted tags, sorted.</summary>
    public IEnumerable<string> Types => _byType.Keys.Order(StringComparer.Ordinal);

    /// <summary>Precision, recall, F1 and counts of one type.</summary>
    public (double Precision, double Recall, double F1, int Gold, int Predicted, int Correct) ForType(string type)
    {
        var (g, p, c) = _byType.GetValueOrDefault(type);
        var (pr, re, f1) = Score(g, p, c);
        return (pr, re, f1, g, p, c);
    }

    /// <summary>The chunks (first word, last word, type) of one sentence's tags, with conlleval's start/end rules.</summary>
    public static HashSet<(int Start, int End, string Type)> Chunks(IReadOnlyList<string> tags)
    {
        var chunks = new HashSet<(int, int, string)>();
        int start = -1;
        string prevTag = "O", prevType = "";
        for (int i = 0; i <= tags.Count; i++)
        {
            var (tag, type) = i < tags.Count ? Split(tags[i]) : ("O", "");
            if (start >= 0 && EndsChunk(prevTag, tag, prevType, type)) { chunks.Add((start, i - 1, prevType)); start = -1; }
            if (i < tags.Count && StartsChunk(prevTag, tag, prevType, type)) start = i;
            prevTag = tag;
            prevType = type;
        }
        return chunks;
    }

    private static (string Tag, string Type) Split(string tag)
    {
        if (tag == "O" || tag.Length == 0) return ("O", "");
        int dash = tag.IndexOf('-');
        return dash < 0 ? ("I", tag) : (tag[..dash], tag[(dash + 1)..]);
    }

    // conlleval's endOfChunk and startOfChunk for the B/I/E/S/O prefixes.
    private static bool EndsChunk(string prev, string tag, string prevType, string type) =>
        prev is "E" or "S"
        || prev is "B" or "I" && tag is "B" or "S" or "O"
        || prev != "O" && prevType != type;

    private static bool StartsChunk(string prev, string tag, string prevType, string type) =>
        tag is "B" or "S"
        || prev is "E" or "S" or "O" && tag is "E" or "I"
        || tag != "O" && prevType != type;

    private void Bump(string type, int gold = 0, int predicted = 0, int correct = 0)
    {
        var (g, p, c) = _byType.GetValueOrDefault(type);
        _byType[type] = (g + gold, p + predicted, c + correct);
    }

    private static (double, double, double) Score(int gold, int predicted, int correct)
    {
        double p = predicted == 0 ? 0 : (double)correct / predicted, r = gold == 0 ? 0 : (double)correct / gold;
        return (p, r, p + r == 0 ? 0 : 2 * p * r / (p + r));
    }

    /// <summary>A conlleval-style report: overall and per-type precision, recall, F1.</summary>
    public string Report()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"processed {Tokens:N0} tokens with {GoldEntities:N0} phrases; found: {PredictedEntities:N0} phrases; correct: {CorrectEntities:N0}.");
        sb.AppendLine($"accuracy: {TokenAccuracy * 100:F2}%; precision: {Precision * 100:F2}%; recall: {Recall * 100:F2}%; FB1: {F1 * 100:F2}");
        foreach (var type in Types)
        {
            var t = ForType(type);
            sb.AppendLine($"{type,17}: precision: {t.Precision * 100,6:F2}%; recall: {t.Recall * 100,6:F2}%; FB1: {t.F1 * 100,6:F2}  {t.Predicted}");
        }
        return sb.ToString();
    }
}
