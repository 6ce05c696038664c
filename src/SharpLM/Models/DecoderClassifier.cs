using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Autograd;
using SharpLM.Formats;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>Which hidden state of a decoder a classification head reads.</summary>
public enum ClassifierPooling
{
    /// <summary>The last real token's: under causal attention it is the only position that has seen the whole text (GPT-2/Llama ForSequenceClassification, LLMs-from-scratch ch. 6).</summary>
    Last,

    /// <summary>The mean over the real tokens' hidden states.</summary>
    Mean,
}

/// <summary>
/// Text classification with a decoder-only model (GPT-2, LLaMA): the decoder's final-normed hidden
/// states, pooled per text (the last real token, or the mean of the real tokens), go through a new
/// linear head <c>score [K, C]</c> without bias (Hugging Face's <c>…ForSequenceClassification</c> name)
/// instead of the LM head. Texts are right-padded in a batch; causal attention keeps pads out of the
/// real positions, and pooling reads only real positions. Saved as the decoder's own folder plus
/// <c>classifier.safetensors</c> (<c>score.weight</c>) and <c>classifier.json</c> (labels, pooling).
/// </summary>
public sealed class DecoderClassifier : Module, ITrainableModel
{
    /// <summary>File with the head's weight.</summary>
    public const string HeadFile = "classifier.safetensors";

    /// <summary>File with the labels and pooling.</summary>
    public const string InfoFile = "classifier.json";

    /// <summary>Puts a new head (Normal(0, 0.02) from <paramref name="rng"/>) for <paramref name="labels"/> on <paramref name="decoder"/>.</summary>
    public DecoderClassifier(Gpt decoder, IReadOnlyList<string> labels, ClassifierPooling pooling, Rng? rng)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count < 2) throw new ArgumentException($"a classifier needs at least 2 labels, got {labels.Count}.", nameof(labels));
        Decoder = AddModule("transformer", decoder ?? throw new ArgumentNullException(nameof(decoder)));
        Labels = labels.ToArray();
        Pooling = pooling;
        Score = AddModule("score", new Linear(decoder.Config.Width, labels.Count, bias: false, 0.02f, rng));
    }

    /// <summary>The decoder whose hidden states are classified.</summary>
    public Gpt Decoder { get; }

    /// <summary>The head <c>[K, C]</c>.</summary>
    public Linear Score { get; }

    /// <summary>Label names by class id.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>How each text's hidden states become one vector.</summary>
    public ClassifierPooling Pooling { get; }

    /// <summary>
    /// Class logits <c>[B, K]</c> of B right-padded texts: <paramref name="ids"/> <c>[B,T]</c>, each row's real
    /// length in <paramref name="lengths"/> (1..T).
    /// </summary>
    public Variable Logits(Tape tape, int[] ids, int[] lengths, int b, int t, Rng? dropoutRng = null)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        if (lengths.Length != b) throw new ArgumentException($"{lengths.Length} lengths for a batch of {b}.", nameof(lengths));
        foreach (int n in lengths) if (n < 1 || n > t) throw new ArgumentException($"a text length {n} is outside 1..{t}.", nameof(lengths));
        var hidden = Decoder.Hidden(tape, ids, b, t, dropoutRng);                       // [B,T,C]
        int c = Decoder.Config.Width;
        Variable pooled;
        if (Pooling == ClassifierPooling.Last)
        {
            var flat = tape.Reshape(hidden, b * t, c);
            pooled = tape.Embedding(flat, Enumerable.Range(0, b).Select(i => i * t + lengths[i] - 1).ToArray(), b);  // [B,C]
        }
        else
        {
            var weights = new Tensor(b, t, c);
            var w = weights.Span;
            for (int i = 0; i < b; i++) w.Slice(i * t * c, lengths[i] * c).Fill(1f / lengths[i]);
            pooled = tape.SumAxis(tape.Multiply(hidden, tape.Constant(weights)), 1);  // [B,C]
        }
        return Score.Forward(tape, pooled);
    }

    /// <summary>Writes the decoder's folder (model.safetensors, config.json) and the head's files, each atomically.</summary>
    public void Save(string directory)
    {
        Decoder.Save(directory);
        Safetensors.Write(Path.Combine(directory, HeadFile), [("score.weight", Score.Weight.Data)], new Dictionary<string, string> { ["format"] = "pt" });
        var labels = new JsonArray();
        foreach (var l in Labels) labels.Add(l);
        var info = new JsonObject { ["architecture"] = "DecoderForSequenceClassification", ["labels"] = labels, ["pooling"] = Pooling.ToString().ToLowerInvariant() };
        AtomicFile.WriteAllText(Path.Combine(directory, InfoFile), info.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Reads a classifier saved by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The head files are missing or do not fit the decoder.</exception>
    public static DecoderClassifier Load(string directory)
    {
        string infoPath = Path.Combine(directory, InfoFile), headPath = Path.Combine(directory, HeadFile);
        if (!File.Exists(infoPath) || !File.Exists(headPath))
            throw new InvalidDataException($"{directory}: not a decoder classifier (no {InfoFile} / {HeadFile}).");
        JsonObject info;
        try { info = JsonNode.Parse(File.ReadAllText(infoPath)) as JsonObject ?? throw new InvalidDataException($"{infoPath}: expected a JSON object."); }
        catch (JsonException e) { throw new InvalidDataException($"{infoPath}: not valid JSON ({e.Message}).", e); }
        var labels = (info["labels"] as JsonArray)?.Select(n => n?.GetValue<string>() ?? "").ToArray()
            ?? throw new InvalidDataException($"{infoPath}: 'labels' is missing.");
        var pooling = (string?)info["pooling"] switch
        {
            "last" => ClassifierPooling.Last,
            "mean" => ClassifierPooling.Mean,
            var p => throw new InvalidDataException($"{infoPath}: pooling '{p}' is not last or mean."),
        };
        var model = new DecoderClassifier(GptHuggingFace.Load(directory), labels, pooling, null);
        using var file = SafetensorsFile.Open(headPath);
        if (!file.Contains("score.weight")) throw new InvalidDataException($"{headPath}: tensor 'score.weight' is missing.");
        var info2 = file.Info("score.weight");
        if (!info2.Shape.SequenceEqual(model.Score.Weight.Data.ShapeArray))
            throw new InvalidDataException($"{headPath}: score.weight has shape {Tensor.FormatShape(info2.Shape)}, {labels.Length} labels over width {model.Decoder.Config.Width} need {model.Score.Weight.Data}.");
        file.ReadInto("score.weight", model.Score.Weight.Data.Span);
        return model;
    }

    /// <summary>One line: the decoder, the head and its pooling.</summary>
    public string Describe() => $"{Decoder.Describe()} + classifier head ({Labels.Count} labels, {Pooling.ToString().ToLowerInvariant()}-token pooling)";
}
