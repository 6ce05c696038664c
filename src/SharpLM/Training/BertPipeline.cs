using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tokenizers;

namespace SharpLM.Training;

/// <summary>An entity a tagger found: its text, type, character span and mean tag probability.</summary>
/// <param name="Text">The entity's text.</param>
/// <param name="Type">Its type (the tag without B-/I-).</param>
/// <param name="Start">First character in the input.</param>
/// <param name="Length">Characters.</param>
/// <param name="Score">Mean probability of the predicted tags over its words.</param>
public sealed record FoundEntity(string Text, string Type, int Start, int Length, double Score);

/// <summary>
/// Using a BERT on text: classify a text (or pair), tag its entities, fill in [MASK]s, or embed
/// sentences as mean-pooled vectors. Tokenizes with the model's WordPiece vocabulary and runs the
/// encoder without gradients or dropout.
/// </summary>
public sealed class BertPipeline
{
    private readonly Tape _tape = new(recordGradients: false) { Training = false };

    /// <summary>Wraps <paramref name="model"/> and its <paramref name="tokenizer"/>; inputs longer than <paramref name="maxLength"/> tokens are cut.</summary>
    public BertPipeline(Bert model, WordPieceTokenizer tokenizer, int maxLength = 512)
    {
        Model = model;
        Tokenizer = tokenizer;
        MaxLength = Math.Min(maxLength, model.Config.MaxPositions);
        if (tokenizer.VocabSize != model.Config.VocabSize)
            throw new ArgumentException($"the tokenizer has {tokenizer.VocabSize} pieces but the model's vocabulary is {model.Config.VocabSize}; they do not belong together.");
    }

    /// <summary>The model.</summary>
    public Bert Model { get; }

    /// <summary>The tokenizer.</summary>
    public WordPieceTokenizer Tokenizer { get; }

    /// <summary>Longest input in tokens.</summary>
    public int MaxLength { get; }

    /// <summary>The label probabilities of a text (or text pair), in the model's label order.</summary>
    public double[] Classify(string text, string? pair = null)
    {
        var example = BertExamples.Classification(Tokenizer, new LabeledText(text, pair, ""), 0, MaxLength, truncate: true, "input");
        _tape.Reset();
        var logits = Model.ClassifierLogits(_tape, new BertBatch(example.Ids, example.TypeIds, [example.Ids.Length], 1, example.Ids.Length));
        return Softmax(logits.Data.Span);
    }

    /// <summary>The entities of a text: words tagged by the model, joined into spans with conlleval's chunk rules.</summary>
    public List<FoundEntity> Tag(string text)
    {
        var words = TaggedSentence.SplitWords(text);
        var sentence = new TaggedSentence(words.Select(w => text.Substring(w.Start, w.Length)).ToArray(), Enumerable.Repeat("O", words.Count).ToArray());
        var tagIds = Model.Labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i);
        if (!tagIds.ContainsKey("O")) tagIds["O"] = 0;
        var example = BertExamples.Tagged(Tokenizer, sentence, tagIds, MaxLength, "input");
        _tape.Reset();
        var logits = Model.ClassifierLogits(_tape, BertBatch.Single(example.Ids)).Data.Span;
        int k = Model.Labels.Count;
        var tags = new string[words.Count];
        var scores = new double[words.Count];
        for (int w = 0; w < words.Count; w++)
        {
            int p = example.WordStarts[w];
            if (p < 0) { tags[w] = "O"; continue; }
            var probs = Softmax(logits.Slice(p * k, k));
            int best = Array.IndexOf(probs, probs.Max());
            tags[w] = Model.Labels[best];
            scores[w] = probs[best];
        }
        var found = new List<FoundEntity>();
        foreach (var (first, last, type) in EntityMetrics.Chunks(tags).OrderBy(c => c.Start))
        {
            int start = words[first].Start, end = words[last].Start + words[last].Length;
            found.Add(new FoundEntity(text[start..end], type, start, end - start, scores[first..(last + 1)].Average()));
        }
        return found;
    }

    /// <summary>For every [MASK] in <paramref name="text"/>, the <paramref name="topK"/> most likely pieces and their probabilities.</summary>
    public List<(string Token, double Probability)[]> FillMask(string text, int topK = 5)
    {
        int mask = BertExamples.Special(Tokenizer, "[MASK]");
        var ids = new List<int> { BertExamples.Special(Tokenizer, "[CLS]") };
        ids.AddRange(Tokenizer.Encode(text, allowSpecial: true));
        ids.Add(BertExamples.Special(Tokenizer, "[SEP]"));
        if (ids.Count > MaxLength) throw new ArgumentException($"the text is {ids.Count} tokens, longer than {MaxLength}.");
        var positions = Enumerable.Range(0, ids.Count).Where(i => ids[i] == mask).ToArray();
        if (positions.Length == 0) throw new ArgumentException("the text has no [MASK] to fill.");
        _tape.Reset();
        var batch = BertBatch.Single(ids.ToArray());
        var logits = Model.MlmLogits(_tape, Model.Encode(_tape, batch), positions).Data.Span;
        int v = Model.Config.VocabSize;
        var result = new List<(string, double)[]>();
        for (int m = 0; m < positions.Length; m++)
        {
            var probs = Softmax(logits.Slice(m * v, v));
            result.Add(Enumerable.Range(0, v).OrderByDescending(i => probs[i]).Take(topK).Select(i => (Tokenizer.TokenPiece(i), probs[i])).ToArray());
        }
        return result;
    }

    /// <summary>A sentence vector: the mean of the encoder's output over the text's tokens (with [CLS] and [SEP], as mean pooling with an attention mask does).</summary>
    public float[] Embed(string text)
    {
        var ids = Tokenizer.EncodeForModel(text);
        if (ids.Length > MaxLength) ids = [.. ids[..(MaxLength - 1)], ids[^1]];
        _tape.Reset();
        var hidden = Model.Encode(_tape, BertBatch.Single(ids)).Data.Span;
        int c = Model.Config.Width;
        var mean = new float[c];
        for (int t = 0; t < ids.Length; t++)
            for (int j = 0; j < c; j++) mean[j] += hidden[t * c + j] / ids.Length;
        return mean;
    }

    /// <summary>Cosine similarity of two vectors.</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += a[i] * (double)b[i]; na += a[i] * (double)a[i]; nb += b[i] * (double)b[i]; }
        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }

    private static double[] Softmax(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (var x in logits) max = Math.Max(max, x);
        var p = new double[logits.Length];
        double sum = 0;
        for (int i = 0; i < p.Length; i++) sum += p[i] = Math.Exp(logits[i] - max);
        for (int i = 0; i < p.Length; i++) p[i] /= sum;
        return p;
    }
}
