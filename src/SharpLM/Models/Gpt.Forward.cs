using SharpLM.Autograd;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

public sealed partial class Gpt
{
    private int[] _positionIds = [];

    /// <summary>
    /// The training forward pass on the autograd tape: token ids <c>[B,T]</c> (row-major) →
    /// logits <c>[B,T,Vp]</c>, one score per vocabulary entry for "which token comes next".
    /// Token embedding (+ learned or sinusoidal positions; rotary positions rotate q and k inside
    /// attention), dropout, L pre-norm blocks, final norm, then the head
    /// (<c>x·wteᵀ</c> when tied). Dropout runs only when the config has it, the tape is in
    /// training mode and <paramref name="dropoutRng"/> is given. Columns past V are padding.
    /// </summary>
    public Variable Forward(Tape tape, int[] ids, int B, int T, Rng? dropoutRng = null) =>
        tape.Linear(Hidden(tape, ids, B, T, dropoutRng), OutputWeight);            // [B,T,Vp]

    /// <summary>Everything before the head: ids <c>[B,T]</c> → final-normed hidden states <c>[B,T,C]</c> (what a classifier head on a decoder reads).</summary>
    public Variable Hidden(Tape tape, int[] ids, int B, int T, Rng? dropoutRng)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (B < 1 || T < 1) throw new ArgumentException($"Forward: batch {B} and time {T} must be ≥ 1.");
        if (ids.Length != B * T) throw new ArgumentException($"Forward: {ids.Length} ids given for B={B} × T={T} = {B * T}.", nameof(ids));
        if (T > Config.BlockSize) throw new ArgumentException($"Forward: sequence length {T} exceeds the model's block size (context length) {Config.BlockSize}.", nameof(T));
        int v = Config.VocabSize;
        for (int i = 0; i < ids.Length; i++)
            if ((uint)ids[i] >= (uint)v)
                throw new ArgumentOutOfRangeException(nameof(ids), $"Forward: token id {ids[i]} at position {i} is outside the vocabulary 0..{v - 1}.");

        float p = Config.Dropout;
        Rng? rng = p > 0 && tape.Training ? dropoutRng : null;

        // Embeddings: what each token is, plus where it is.
        var x = tape.Embedding(TokenEmbedding.Weight, ids, B, T);                  // [B,T,C]
        if (Rotary is null) x = tape.AddBroadcast(x, PositionTable(tape, T));      // + [T,C]; rotary positions act on q and k instead
        x = Dropout(tape, x, p, rng);

        foreach (var block in Blocks)
        {
            // x = x + attn(ln_1(x))
            var h = ApplyNorm(tape, block.Norm1, x);
            var attn = block.Attention;
            var qkv = attn.QkvProjection.Forward(tape, h);             // [B,T,(H+2·Hkv)·D]
            if (Rotary is not null) qkv = tape.Rope(qkv, attn.HeadSize, attn.Heads + attn.KvHeads, Rotary.Cos, Rotary.Sin); // rotate q and k
            var y = tape.CausalSelfAttention(qkv, attn.Heads, attn.KvHeads);          // [B,T,H·D]
            y = attn.OutputProjection.Forward(tape, y);
            x = tape.Add(x, Dropout(tape, y, p, rng));

            // x = x + mlp(ln_2(x))
            h = ApplyNorm(tape, block.Norm2, x);
            h = FeedForward(tape, block.Mlp, h);                                          // [B,T,C]
            x = tape.Add(x, Dropout(tape, h, p, rng));
        }

        return ApplyNorm(tape, FinalNorm, x);
    }

    /// <summary>
    /// The language-modeling loss: mean cross-entropy of the next-token predictions
    /// (softmax over the real vocabulary, the first V logits; padding rows are never
    /// predicted). <paramref name="targets"/> is <c>[B,T]</c>, usually ids shifted by one;
    /// a target of −1 is ignored.
    /// </summary>
    public Variable Loss(Tape tape, int[] ids, int[] targets, int B, int T, Rng? dropoutRng = null)
    {
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Length != B * T) throw new ArgumentException($"Loss: {targets.Length} targets given for B={B} × T={T}.", nameof(targets));
        // Head and loss fused: the [B,T,Vp] logits and their gradient share one buffer.
        return tape.LinearCrossEntropy(Hidden(tape, ids, B, T, dropoutRng), OutputWeight, targets, classes: Config.VocabSize);
    }

    /// <summary>The MLP on normed rows: <c>Down(act(Up·h))</c>, or SwiGLU's <c>Down(silu(Gate·h) ⊙ Up·h)</c>.</summary>
    private Variable FeedForward(Tape tape, Mlp mlp, Variable h)
    {
        var up = mlp.Up.Forward(tape, h);                                             // [B,T,F]
        var act = Config.Activation switch
        {
            MlpActivation.SwiGlu => tape.SwiGlu(mlp.Gate!.Forward(tape, h), up),
            MlpActivation.Gelu => tape.GeluExact(up),
            _ => tape.Gelu(up),
        };
        return mlp.Down.Forward(tape, act);
    }

    private Variable PositionTable(Tape tape, int t)
    {
        if (PositionEmbedding is null) return tape.Constant(SinusoidalTable!.Rows(0, t));
        if (_positionIds.Length != t) _positionIds = Enumerable.Range(0, t).ToArray();
        return tape.Embedding(PositionEmbedding.Weight, _positionIds, t);        // [T,C]
    }

    private Variable? _zeroShift;

    private Variable ApplyNorm(Tape tape, Norm norm, Variable x) => norm.Kind switch
    {
        NormKind.LayerNorm => tape.LayerNorm(x, norm.Weight, norm.Bias, norm.Eps),
        NormKind.RmsNorm => tape.RmsNorm(x, norm.Weight, norm.Eps),
        // DyT without bias: β is a constant zero vector.
        _ => tape.DyT(x, norm.Alpha!, norm.Weight, norm.Bias ?? (_zeroShift ??= new Variable(new Tensor(Config.Width)))),
    };

    private static Variable Dropout(Tape tape, Variable x, float p, Rng? rng) =>
        rng is null || p <= 0 ? x : tape.Dropout(x, p, rng);
}
