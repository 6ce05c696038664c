using SharpLM.Formats;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// Maps between a LLaMA-configured <see cref="Gpt"/> and karpathy/llama2.c's checkpoint
/// (<see cref="Llama2cCheckpoint"/>). llama2.c follows Meta's rotary convention: within a head,
/// dimension pairs (2i, 2i+1) rotate together; ours (Hugging Face's) pairs i with i + D/2. The
/// same model in both conventions differs only in the order of each head's query and key
/// rows, so loading moves row 2i + p of a head to p·D/2 + i (and saving moves it back).
/// llama2.c's <c>w1</c> is our SwiGLU <c>gate</c>, <c>w3</c> our <c>c_fc</c> (up) and <c>w2</c> our <c>c_proj</c> (down).
/// </summary>
public static class GptLlama2c
{
    /// <summary>Reads a llama2.c <c>.bin</c> (v0, v1 or v2) as a LLaMA-configured model.</summary>
    public static Gpt Load(string path) => FromWeights(Llama2cCheckpoint.Read(path));

    /// <summary>Writes <paramref name="model"/> as a llama2.c checkpoint of <paramref name="version"/> 0 (what <c>run</c> reads) or 1.</summary>
    public static void Save(Gpt model, string path, int version = 0) => Llama2cCheckpoint.Write(path, ToWeights(model), version);

    /// <summary>The llama2.c shape, as our config: rotary (θ 10,000), RMSNorm (ε 1e-5), SwiGLU, no biases.</summary>
    public static GptConfig ToConfig(Llama2cHeader h) => new GptConfig
    {
        VocabSize = h.VocabSize,
        BlockSize = h.SeqLen,
        Layers = h.Layers,
        Heads = h.Heads,
        KvHeads = h.KvHeads == h.Heads ? 0 : h.KvHeads,
        Width = h.Dim,
        MlpHidden = h.HiddenDim,
        Bias = false,
        TiedEmbeddings = h.SharedClassifier,
        Positions = PositionEncoding.Rotary,
        Norm = NormKind.RmsNorm,
        Activation = MlpActivation.SwiGlu,
        NormEps = 1e-5f,
        RopeTheta = 10000f,
    }.Validate();

    /// <summary>Builds our model from llama2.c weights, permuting q/k rows to rotate-half.</summary>
    public static Gpt FromWeights(Llama2cWeights w)
    {
        var h = w.Header;
        var model = Gpt.Uninitialized(ToConfig(h));
        int c = h.Dim, q = h.Heads * h.HeadSize, kv = h.KvDim;
        CopyRows(w.TokenEmbedding, model.TokenEmbedding.Weight.Data, h.VocabSize);
        for (int l = 0; l < h.Layers; l++)
        {
            var block = model.Blocks[l];
            w.AttentionNorm[l].CopyTo(block.Norm1.Weight.Data);
            w.FfnNorm[l].CopyTo(block.Norm2.Weight.Data);
            var qkv = block.Attention.QkvProjection.Weight.Data;
            InterleavedToHalves(w.Wq[l], qkv.Rows(0, q), h.HeadSize);
            InterleavedToHalves(w.Wk[l], qkv.Rows(q, kv), h.HeadSize);
            w.Wv[l].CopyTo(qkv.Rows(q + kv, kv));
            w.Wo[l].CopyTo(block.Attention.OutputProjection.Weight.Data);
            w.W1[l].CopyTo(block.Mlp.Gate!.Weight.Data);
            w.W3[l].CopyTo(block.Mlp.Up.Weight.Data);
            w.W2[l].CopyTo(block.Mlp.Down.Weight.Data);
        }
        w.FinalNorm.CopyTo(model.FinalNorm.Weight.Data);
        if (w.Classifier is not null) CopyRows(w.Classifier, model.LmHead!.Weight.Data, h.VocabSize);
        return model;
    }

    /// <summary>llama2.c weights of <paramref name="model"/>, permuting q/k rows to Meta's interleaved pairs; rejects what llama2.c cannot hold.</summary>
    public static Llama2cWeights ToWeights(Gpt model)
    {
        var c = model.Config;
        var gaps = new List<string>();
        if (c.Positions != PositionEncoding.Rotary) gaps.Add("rotary positions");
        if (c.Norm != NormKind.RmsNorm) gaps.Add("RMSNorm");
        if (c.Activation != MlpActivation.SwiGlu) gaps.Add("a SwiGLU feed-forward");
        if (c.Bias || c.QkvBias) gaps.Add("no biases");
        if (c.RopeTheta != 10000f || c.RopeScaling is not null) gaps.Add("rope θ 10,000 without scaling");
        if (gaps.Count > 0)
            throw new ArgumentException($"llama2.c checkpoints hold LLaMA models with {string.Join(", ", gaps)}; this model has {Describe(c)}.", nameof(model));
        var h = new Llama2cHeader(c.Width, c.MlpWidth, c.Layers, c.Heads, c.KvHeadCount, c.VocabSize, c.BlockSize, c.TiedEmbeddings);
        var w = new Llama2cWeights(h);
        int q = c.Heads * c.HeadSize, kv = c.KvWidth;
        model.TokenEmbedding.Weight.Data.Rows(0, c.VocabSize).CopyTo(w.TokenEmbedding);
        for (int l = 0; l < c.Layers; l++)
        {
            var block = model.Blocks[l];
            block.Norm1.Weight.Data.CopyTo(w.AttentionNorm[l]);
            block.Norm2.Weight.Data.CopyTo(w.FfnNorm[l]);
            var qkv = block.Attention.QkvProjection.Weight.Data;
            HalvesToInterleaved(qkv.Rows(0, q), w.Wq[l], c.HeadSize);
            HalvesToInterleaved(qkv.Rows(q, kv), w.Wk[l], c.HeadSize);
            qkv.Rows(q + kv, kv).CopyTo(w.Wv[l]);
            block.Attention.OutputProjection.Weight.Data.CopyTo(w.Wo[l]);
            block.Mlp.Gate!.Weight.Data.CopyTo(w.W1[l]);
            block.Mlp.Up.Weight.Data.CopyTo(w.W3[l]);
            block.Mlp.Down.Weight.Data.CopyTo(w.W2[l]);
        }
        model.FinalNorm.Weight.Data.CopyTo(w.FinalNorm);
        if (w.Classifier is not null) model.LmHead!.Weight.Data.Rows(0, c.VocabSize).CopyTo(w.Classifier);
        return w;
    }

    /// <summary>
    /// Reorders the rows of a <c>[heads·D, C]</c> projection from Meta's interleaved rotary pairs to
    /// rotate-half: within each head, source row 2i + p goes to row p·D/2 + i.
    /// </summary>
    public static void InterleavedToHalves(Tensor source, Tensor destination, int headSize) => Permute(source, destination, headSize, toHalves: true);

    /// <summary>The inverse of <see cref="InterleavedToHalves"/>: row p·D/2 + i of each head goes to row 2i + p.</summary>
    public static void HalvesToInterleaved(Tensor source, Tensor destination, int headSize) => Permute(source, destination, headSize, toHalves: false);

    private static void Permute(Tensor source, Tensor destination, int headSize, bool toHalves)
    {
        if (!source.SameShape(destination)) throw new ArgumentException($"rotary row permutation: {source} and {destination} differ in shape.");
        int rows = source.Dim(0), cols = source.Length / Math.Max(rows, 1), half = headSize / 2;
        if (headSize % 2 != 0 || rows % headSize != 0) throw new ArgumentException($"rotary row permutation: {rows} rows are not whole heads of even size {headSize}.");
        var src = source.Span;
        var dst = destination.Span;
        for (int head = 0; head < rows / headSize; head++)
            for (int i = 0; i < half; i++)
                for (int p = 0; p < 2; p++)
                {
                    int interleaved = head * headSize + 2 * i + p, halves = head * headSize + p * half + i;
                    int from = toHalves ? interleaved : halves, to = toHalves ? halves : interleaved;
                    src.Slice(from * cols, cols).CopyTo(dst.Slice(to * cols, cols));
                }
    }

    private static void CopyRows(Tensor source, Tensor destination, int rows) => source.CopyTo(destination.Rows(0, rows));

    private static string Describe(GptConfig c) =>
        $"{c.Positions} positions, {c.Norm}, {c.Activation}, bias {(c.Bias ? "on" : c.QkvBias ? "on q/k/v" : "off")}, rope θ {c.RopeTheta}{(c.RopeScaling is null ? "" : " with scaling")}";
}
