using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// BERT's input layer: what each token is (<c>word_embeddings [V,C]</c>), where it sits
/// (learned <c>position_embeddings [P,C]</c>) and which sentence it belongs to
/// (<c>token_type_embeddings [2,C]</c>), summed and then LayerNorm-ed. Names as Hugging Face's <c>BertEmbeddings</c>.
/// </summary>
public sealed class BertEmbeddings : Module
{
    /// <summary>Creates the three tables drawn from Normal(0, <paramref name="std"/>) (zeros when <paramref name="rng"/> is null) and the norm.</summary>
    public BertEmbeddings(BertConfig config, float std, Rng? rng)
    {
        Words = AddModule("word_embeddings", new Embedding(config.VocabSize, config.Width, std, rng));
        Positions = AddModule("position_embeddings", new Embedding(config.MaxPositions, config.Width, std, rng));
        Segments = AddModule("token_type_embeddings", new Embedding(config.TypeVocabSize, config.Width, std, rng));
        Norm = AddModule("LayerNorm", new Norm(NormKind.LayerNorm, config.Width, bias: true, config.NormEps));
    }

    /// <summary>The token table <c>[V,C]</c>; also the MLM decoder (tied weights).</summary>
    public Embedding Words { get; }

    /// <summary>The learned position table <c>[P,C]</c>.</summary>
    public Embedding Positions { get; }

    /// <summary>The segment (token type) table <c>[types,C]</c>: sentence A = 0, sentence B = 1.</summary>
    public Embedding Segments { get; }

    /// <summary>The LayerNorm after the sum.</summary>
    public Norm Norm { get; }
}

/// <summary>
/// One post-LN encoder block of BERT: bidirectional self-attention (separate query, key,
/// value projections), add, LayerNorm; then a GELU MLP, add, LayerNorm. Parameter names as
/// Hugging Face's <c>BertLayer</c> (<c>attention.self.query</c>, <c>attention.output.dense</c>,
/// <c>intermediate.dense</c>, <c>output.dense</c>, …).
/// </summary>
public sealed class BertLayer : Module
{
    /// <summary>Creates a block with Normal(0, <paramref name="std"/>) weights and zero biases (all zero when <paramref name="rng"/> is null).</summary>
    public BertLayer(BertConfig config, float std, Rng? rng)
    {
        int c = config.Width;
        Query = AddModule("attention.self.query", new Linear(c, c, bias: true, std, rng));
        Key = AddModule("attention.self.key", new Linear(c, c, bias: true, std, rng));
        Value = AddModule("attention.self.value", new Linear(c, c, bias: true, std, rng));
        AttentionOutput = AddModule("attention.output.dense", new Linear(c, c, bias: true, std, rng));
        AttentionNorm = AddModule("attention.output.LayerNorm", new Norm(NormKind.LayerNorm, c, bias: true, config.NormEps));
        Up = AddModule("intermediate.dense", new Linear(c, config.Intermediate, bias: true, std, rng));
        Down = AddModule("output.dense", new Linear(config.Intermediate, c, bias: true, std, rng));
        OutputNorm = AddModule("output.LayerNorm", new Norm(NormKind.LayerNorm, c, bias: true, config.NormEps));
    }

    /// <summary>Query projection <c>[C,C]</c>.</summary>
    public Linear Query { get; }

    /// <summary>Key projection <c>[C,C]</c>.</summary>
    public Linear Key { get; }

    /// <summary>Value projection <c>[C,C]</c>.</summary>
    public Linear Value { get; }

    /// <summary>The projection of the joined heads back to the residual stream <c>[C,C]</c>.</summary>
    public Linear AttentionOutput { get; }

    /// <summary>LayerNorm after the attention's residual add.</summary>
    public Norm AttentionNorm { get; }

    /// <summary>The MLP's widening layer <c>[I,C]</c>.</summary>
    public Linear Up { get; }

    /// <summary>The MLP's narrowing layer <c>[C,I]</c>.</summary>
    public Linear Down { get; }

    /// <summary>LayerNorm after the MLP's residual add.</summary>
    public Norm OutputNorm { get; }
}

/// <summary>
/// The masked-language-model head (Hugging Face's <c>cls.predictions</c>): a dense layer,
/// GELU and LayerNorm (<c>transform</c>), then the decoder — tied to the word embeddings,
/// so only its per-token <c>bias [V]</c> is a parameter of its own.
/// </summary>
public sealed class BertMlmHead : Module
{
    /// <summary>Creates the transform (Normal(0, <paramref name="std"/>) weights) and a zero decoder bias.</summary>
    public BertMlmHead(BertConfig config, float std, Rng? rng)
    {
        Dense = AddModule("transform.dense", new Linear(config.Width, config.Width, bias: true, std, rng));
        Norm = AddModule("transform.LayerNorm", new Norm(NormKind.LayerNorm, config.Width, bias: true, config.NormEps));
        Bias = AddParameter("bias", new Autograd.Variable(new Tensor(config.VocabSize)));
    }

    /// <summary>The transform's dense layer <c>[C,C]</c>.</summary>
    public Linear Dense { get; }

    /// <summary>The transform's LayerNorm.</summary>
    public Norm Norm { get; }

    /// <summary>The decoder's bias <c>[V]</c> (the decoder weight is the word embedding).</summary>
    public Autograd.Variable Bias { get; }
}
