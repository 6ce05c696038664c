using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// Causal multi-head self-attention: each position builds a query, key and value
/// (one fused projection <c>c_attn</c>: <c>[B,T,C] → [B,T,(H+2·Hkv)·D]</c>, the H query heads,
/// then Hkv key heads, then Hkv value heads), each of H heads scores its query against the
/// keys of this and earlier positions only (<c>softmax(q·kᵀ/√D)</c> with a causal mask), mixes
/// the values by those scores, and the heads' outputs are joined and projected back by
/// <c>c_proj</c>. With grouped-query attention (Hkv &lt; H) each key/value head serves H/Hkv
/// query heads; with rotary positions q and k are rotated by position first.
/// </summary>
public sealed class CausalSelfAttention : Module
{
    /// <summary>Creates the two projections.</summary>
    public CausalSelfAttention(GptConfig config, float std, float residualStd, Rng? rng)
    {
        Heads = config.Heads;
        KvHeads = config.KvHeadCount;
        HeadSize = config.HeadSize;
        QkvProjection = AddModule("c_attn", new Linear(config.Width, config.QkvWidth, config.HasQkvBias, std, rng));
        OutputProjection = AddModule("c_proj", new Linear(config.Heads * config.HeadSize, config.Width, config.Bias, residualStd, rng));
    }

    /// <summary>Number of query heads (H).</summary>
    public int Heads { get; }

    /// <summary>Number of key/value heads (Hkv, dividing H).</summary>
    public int KvHeads { get; }

    /// <summary>Size of one head (D).</summary>
    public int HeadSize { get; }

    /// <summary>Fused query/key/value projection <c>c_attn</c>, weight <c>[(H+2·Hkv)·D, C]</c>: rows q (H·D), then k (Hkv·D), then v (Hkv·D).</summary>
    public Linear QkvProjection { get; }

    /// <summary>Output projection <c>c_proj</c>, weight <c>[C, H·D]</c>.</summary>
    public Linear OutputProjection { get; }
}
