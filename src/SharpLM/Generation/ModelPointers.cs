using SharpLM.Models;
using SharpLM.Nn;

namespace SharpLM.Generation;

/// <summary>Raw pointers to one norm layer's parameters (γ, β or null, α or null), for the allocation-free forward.</summary>
internal readonly unsafe struct NormPointers(Norm norm)
{
    public readonly NormKind Kind = norm.Kind;
    public readonly float Eps = norm.Eps;
    public readonly float* Gamma = norm.Weight.Data.Pointer;
    public readonly float* Beta = norm.Bias is null ? null : norm.Bias.Data.Pointer;
    public readonly float* Alpha = norm.Alpha is null ? null : norm.Alpha.Data.Pointer;
}

/// <summary>Raw pointers to one linear layer's weight <c>[out, in]</c> and bias (or null).</summary>
internal readonly unsafe struct LinearPointers(Linear linear)
{
    public readonly int In = linear.InFeatures;
    public readonly int Out = linear.OutFeatures;
    public readonly float* Weight = linear.Weight.Data.Pointer;
    public readonly float* Bias = linear.Bias is null ? null : linear.Bias.Data.Pointer;
}

/// <summary>The parameters of one transformer block as pointers.</summary>
internal readonly struct BlockPointers(GptBlock block)
{
    public readonly NormPointers Norm1 = new(block.Norm1);
    public readonly LinearPointers Qkv = new(block.Attention.QkvProjection);
    public readonly LinearPointers AttentionOut = new(block.Attention.OutputProjection);
    public readonly NormPointers Norm2 = new(block.Norm2);
    public readonly LinearPointers Up = new(block.Mlp.Up);
    public readonly LinearPointers Gate = block.Mlp.Gate is null ? default : new(block.Mlp.Gate);
    public readonly LinearPointers Down = new(block.Mlp.Down);
}

/// <summary>
/// Every weight of a <see cref="Gpt"/> as a raw pointer, taken once when a generator is
/// built. Tensor storage is pinned, so the pointers stay valid while the model lives; the
/// decode loop then touches no managed object per token.
/// </summary>
internal sealed unsafe class ModelPointers
{
    public ModelPointers(Gpt model)
    {
        Model = model;
        TokenEmbedding = model.TokenEmbedding.Weight.Data.Pointer;
        Positions = model.PositionEmbedding is not null ? model.PositionEmbedding.Weight.Data.Pointer
            : model.SinusoidalTable is not null ? model.SinusoidalTable.Pointer : null;
        if (model.Rotary is not null) { RopeCos = model.Rotary.Cos.Pointer; RopeSin = model.Rotary.Sin.Pointer; }
        Blocks = model.Blocks.Select(b => new BlockPointers(b)).ToArray();
        FinalNorm = new NormPointers(model.FinalNorm);
        Output = model.OutputWeight.Data.Pointer;
    }

    /// <summary>The model the pointers point into (kept alive by this reference).</summary>
    public Gpt Model { get; }
    public float* TokenEmbedding { get; }
    /// <summary>Added position vectors <c>[T, C]</c> (learned or sinusoidal), null with rotary positions.</summary>
    public float* Positions { get; }
    /// <summary>Rotary cos/sin tables <c>[T, D/2]</c>, null without rotary positions.</summary>
    public float* RopeCos { get; }
    public float* RopeSin { get; }
    public BlockPointers[] Blocks { get; }
    public NormPointers FinalNorm { get; }
    public float* Output { get; }
}
