using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>Which head sits on top of a BERT encoder (and so which Hugging Face class its files are).</summary>
public enum BertTask
{
    /// <summary>MLM + next-sentence prediction (<c>BertForPreTraining</c>): pooler, <c>cls.predictions</c>, <c>cls.seq_relationship</c>.</summary>
    PreTraining,
    /// <summary>MLM only (<c>BertForMaskedLM</c>): no pooler, <c>cls.predictions</c>.</summary>
    MaskedLM,
    /// <summary>A label per text or text pair from the pooled [CLS] vector (<c>BertForSequenceClassification</c>).</summary>
    SequenceClassification,
    /// <summary>A label per token, e.g. named-entity tags (<c>BertForTokenClassification</c>, no pooler).</summary>
    TokenClassification,
}

/// <summary>
/// An encoder-only transformer (BERT): token + segment + learned position embeddings and their
/// LayerNorm, N post-LN blocks in which every token attends to every other (padding masked),
/// the pooler (tanh dense on the [CLS] vector) and one task's head. Parameter names are
/// exactly Hugging Face's (<c>bert.embeddings.word_embeddings.weight</c>,
/// <c>bert.encoder.layer.0.attention.self.query.weight</c>, <c>cls.predictions.bias</c>,
/// <c>classifier.weight</c>, …), linear weights <c>[out, in]</c> as PyTorch's.
/// </summary>
public sealed partial class Bert : Module
{
    /// <summary>Creates a model with BERT's initialization: Normal(0, 0.02) weights, zero biases, LayerNorm γ = 1.</summary>
    /// <param name="config">The encoder's shape.</param>
    /// <param name="task">Which head to build.</param>
    /// <param name="seed">Seed of the initialization.</param>
    /// <param name="labels">For the two classification tasks: the label names (id2label), at least two.</param>
    public Bert(BertConfig config, BertTask task, ulong seed, IReadOnlyList<string>? labels = null)
        : this(config, task, labels, new Rng(seed)) { }

    /// <summary>A model whose weights are all zero (norm scales one), for loaders that overwrite every weight.</summary>
    public static Bert Uninitialized(BertConfig config, BertTask task, IReadOnlyList<string>? labels = null) => new(config, task, labels, rng: null);

    private Bert(BertConfig config, BertTask task, IReadOnlyList<string>? labels, Rng? rng)
    {
        Config = config.Validate();
        Task = task;
        const float std = 0.02f;
        int c = config.Width;
        bool classifies = task is BertTask.SequenceClassification or BertTask.TokenClassification;
        if (classifies)
        {
            if (labels is null || labels.Count < 2) throw new ArgumentException($"a {task} model needs at least two labels, got {labels?.Count ?? 0}.", nameof(labels));
            var duplicate = labels.GroupBy(l => l, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null) throw new ArgumentException($"label '{duplicate.Key}' appears twice in the label list.", nameof(labels));
            Labels = labels.ToArray();
        }
        else Labels = [];

        Embeddings = AddModule("bert.embeddings", new BertEmbeddings(config, std, rng));
        Layers = new BertLayer[config.Layers];
        for (int l = 0; l < config.Layers; l++)
            Layers[l] = AddModule($"bert.encoder.layer.{l}", new BertLayer(config, std, rng));
        if (task is BertTask.PreTraining or BertTask.SequenceClassification)
            Pooler = AddModule("bert.pooler.dense", new Linear(c, c, bias: true, std, rng));
        if (task is BertTask.PreTraining or BertTask.MaskedLM)
            MlmHead = AddModule("cls.predictions", new BertMlmHead(config, std, rng));
        if (task is BertTask.PreTraining)
            NspHead = AddModule("cls.seq_relationship", new Linear(c, 2, bias: true, std, rng));
        if (classifies)
            Classifier = AddModule("classifier", new Linear(c, Labels.Count, bias: true, std, rng));
    }

    /// <summary>The encoder's shape.</summary>
    public BertConfig Config { get; }

    /// <summary>Which head this model has.</summary>
    public BertTask Task { get; }

    /// <summary>Label names by class id (id2label) for the classification tasks; empty otherwise.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Token, position and segment embeddings and their LayerNorm.</summary>
    public BertEmbeddings Embeddings { get; }

    /// <summary>The encoder blocks <c>bert.encoder.layer.0 … L-1</c>.</summary>
    public BertLayer[] Layers { get; }

    /// <summary>The pooler's dense layer (tanh on the [CLS] vector), or null for tasks without it.</summary>
    public Linear? Pooler { get; }

    /// <summary>The masked-language-model head, or null.</summary>
    public BertMlmHead? MlmHead { get; }

    /// <summary>The next-sentence head <c>[2,C]</c> (0 = IsNext, 1 = NotNext, as Hugging Face), or null.</summary>
    public Linear? NspHead { get; }

    /// <summary>The classification head <c>[labels,C]</c>, or null.</summary>
    public Linear? Classifier { get; }

    /// <summary>One line: family, task, shape and parameter count.</summary>
    public string Describe() =>
        $"BERT {Task}: {Config.Layers} layers × {Config.Width} wide, {Config.Heads} heads, vocabulary {Config.VocabSize}, " +
        $"{Config.MaxPositions} positions{(Labels.Count > 0 ? $", {Labels.Count} labels" : "")}, {ParameterCount():N0} parameters";

    /// <summary>
    /// A new model for <paramref name="task"/> carrying this model's encoder weights
    /// (<c>bert.*</c>, and the pooler if both have one); the new head is freshly initialized
    /// from <paramref name="seed"/>. How a pretrained checkpoint becomes a classifier or tagger.
    /// <paramref name="dropout"/>, when given, replaces the config's dropout rate.
    /// </summary>
    public Bert WithTask(BertTask task, ulong seed, IReadOnlyList<string>? labels = null, float? dropout = null)
    {
        var result = new Bert(Config with { Dropout = dropout ?? Config.Dropout }, task, seed, labels);
        var mine = NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var (name, parameter) in result.NamedParameters())
            if (name.StartsWith("bert.", StringComparison.Ordinal) && mine.TryGetValue(name, out var source))
                source.Data.Span.CopyTo(parameter.Data.Span);
            else if (Task == task && mine.TryGetValue(name, out source) && source.Data.Length == parameter.Data.Length)
                source.Data.Span.CopyTo(parameter.Data.Span);
        return result;
    }
}
