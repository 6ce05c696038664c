using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// One transformer block (pre-norm): <c>x = x + attn(ln_1(x))</c>, then
/// <c>x = x + mlp(ln_2(x))</c>. The residual additions let each block add a refinement
/// to the running representation instead of replacing it.
/// </summary>
public sealed class GptBlock : Module
{
    /// <summary>Creates a block; <paramref name="residualStd"/> initializes the two projections that write into the residual stream.</summary>
    public GptBlock(GptConfig config, float std, float residualStd, Rng? rng)
    {
        int c = config.Width;
        Norm1 = AddModule("ln_1", new Norm(config.Norm, c, config.Bias, config.NormEps));
        Attention = AddModule("attn", new CausalSelfAttention(config, std, residualStd, rng));
        Norm2 = AddModule("ln_2", new Norm(config.Norm, c, config.Bias, config.NormEps));
        Mlp = AddModule("mlp", new Mlp(config, std, residualStd, rng));
    }

    /// <summary>Norm before attention (<c>ln_1</c>).</summary>
    public Norm Norm1 { get; }

    /// <summary>Causal multi-head self-attention (<c>attn</c>).</summary>
    public CausalSelfAttention Attention { get; }

    /// <summary>Norm before the MLP (<c>ln_2</c>).</summary>
    public Norm Norm2 { get; }

    /// <summary>The feed-forward network (<c>mlp</c>).</summary>
    public Mlp Mlp { get; }
}
