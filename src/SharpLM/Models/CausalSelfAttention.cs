using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// Causal multi-head self-attention: each position builds a query, key and value
/// (one fused projection <c>c_attn</c>: <c>[B,T,C] → [B,T,3C]</c>, q then k then v), each of H
/// heads scores its query against the keys of this and earlier positions only
/// (<c>softmax(q·kᵀ/√D)</c> with a causal mask), mixes the values by those scores, and the
/// heads' outputs are joined and projected back by <c>c_proj</c>.
/// </summary>
public sealed class CausalSelfAttention : Module
{
    /// <summary>Creates the two projections.</summary>
    public CausalSelfAttention(GptConfig config, float std, float residualStd, Rng? rng)
    {
        Heads = config.Heads;
        QkvProjection = AddModule("c_attn", new Linear(config.Width, 3 * config.Width, config.Bias, std, rng));
        OutputProjection = AddModule("c_proj", new Linear(config.Width, config.Width, config.Bias, residualStd, rng));
    }

    /// <summary>Number of heads (H).</summary>
    public int Heads { get; }

    /// <summary>Fused query/key/value projection <c>c_attn</c>, weight <c>[3C, C]</c>.</summary>
    public Linear QkvProjection { get; }

    /// <summary>Output projection <c>c_proj</c>, weight <c>[C, C]</c>.</summary>
    public Linear OutputProjection { get; }
}
