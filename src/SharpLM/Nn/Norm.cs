using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Nn;

/// <summary>Which normalization a block uses.</summary>
public enum NormKind
{
    /// <summary>LayerNorm: subtract the mean, divide by the standard deviation, then scale γ and shift β (GPT-2, BERT).</summary>
    LayerNorm,
    /// <summary>RMSNorm: divide by the root mean square, then scale γ (LLaMA).</summary>
    RmsNorm,
    /// <summary>Dynamic Tanh (DyT): <c>γ·tanh(α·x)+β</c>, a normalization-free replacement with a learned scalar α.</summary>
    DyT,
}

/// <summary>
/// The normalization layer applied before attention and before the MLP (pre-norm) and at
/// the end of the model: keeps activations at a steady scale so deep stacks train.
/// Holds γ (<c>weight</c>), β (<c>bias</c>, absent for RMSNorm or when bias is off) and,
/// for DyT, the scalar α (<c>alpha</c>).
/// </summary>
public sealed class Norm : Module
{
    /// <summary>Creates a norm of width <paramref name="width"/>: γ = 1, β = 0, α = <paramref name="dytAlpha"/>.</summary>
    public Norm(NormKind kind, int width, bool bias, float eps = 1e-5f, float dytAlpha = 0.5f)
    {
        Kind = kind;
        Eps = eps;
        Weight = AddParameter("weight", new Variable(Tensor.Full(1f, width)));
        Bias = bias && kind != NormKind.RmsNorm ? AddParameter("bias", new Variable(new Tensor(width))) : null;
        Alpha = kind == NormKind.DyT ? AddParameter("alpha", new Variable(Tensor.Full(dytAlpha, 1))) : null;
    }

    /// <summary>Which normalization this is.</summary>
    public NormKind Kind { get; }

    /// <summary>Small constant added to the variance (LayerNorm) or mean square (RMSNorm) to avoid division by zero.</summary>
    public float Eps { get; }

    /// <summary>γ, the per-channel scale, <c>[C]</c>.</summary>
    public Variable Weight { get; }

    /// <summary>β, the per-channel shift, <c>[C]</c>, or null.</summary>
    public Variable? Bias { get; }

    /// <summary>α, DyT's learned input scale, <c>[1]</c>; null for other kinds.</summary>
    public Variable? Alpha { get; }
}
