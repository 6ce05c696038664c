using SharpLM.Kernels;
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

/// <summary>Raw pointers to one linear layer's weight <c>[out, in]</c> and bias (or null); or its quantized matrices (<see cref="Quantized"/>, Weight null).</summary>
internal readonly unsafe struct LinearPointers
{
    public readonly int In;
    public readonly int Out;
    public readonly float* Weight;
    public readonly float* Bias;
    public readonly QuantMatrix[]? Quantized;

    public LinearPointers(Linear linear)
    {
        In = linear.InFeatures;
        Out = linear.OutFeatures;
        Weight = linear.Weight.Data.Pointer;
        Bias = linear.Bias is null ? null : linear.Bias.Data.Pointer;
    }

    public LinearPointers(QuantizedLinear linear)
    {
        In = linear.In;
        Out = linear.Out;
        Bias = linear.Bias is null ? null : linear.Bias.Pointer;
        Quantized = linear.Parts;
    }
}

/// <summary>The parameters of one transformer block as pointers.</summary>
internal readonly struct BlockPointers
{
    public readonly NormPointers Norm1;
    public readonly LinearPointers Qkv;
    public readonly LinearPointers AttentionOut;
    public readonly NormPointers Norm2;
    public readonly LinearPointers Up;
    public readonly LinearPointers Gate;
    public readonly LinearPointers Down;

    public BlockPointers(GptBlock block)
    {
        Norm1 = new(block.Norm1);
        Qkv = new(block.Attention.QkvProjection);
        AttentionOut = new(block.Attention.OutputProjection);
        Norm2 = new(block.Norm2);
        Up = new(block.Mlp.Up);
        Gate = block.Mlp.Gate is null ? default : new(block.Mlp.Gate);
        Down = new(block.Mlp.Down);
    }

    public BlockPointers(QuantizedBlock block)
    {
        Norm1 = new(block.Norm1);
        Qkv = new(block.Qkv);
        AttentionOut = new(block.AttentionOut);
        Norm2 = new(block.Norm2);
        Up = new(block.Up);
        Gate = block.Gate is null ? default : new(block.Gate);
        Down = new(block.Down);
    }
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

    /// <summary>Pointers into quantized weights (matrices stay in their ggml types; <see cref="Model"/> is null).</summary>
    public ModelPointers(QuantizedWeights weights)
    {
        Quantized = weights;
        if (weights.Positions is not null) Positions = weights.Positions.Pointer;
        if (weights.Rotary is not null) { RopeCos = weights.Rotary.Cos.Pointer; RopeSin = weights.Rotary.Sin.Pointer; }
        Blocks = weights.Blocks.Select(b => new BlockPointers(b)).ToArray();
        FinalNorm = new NormPointers(weights.FinalNorm);
        TokenEmbeddingQuantized = weights.TokenEmbedding;
        OutputQuantized = weights.Output;
    }

    /// <summary>The model the pointers point into (kept alive by this reference); null for quantized weights.</summary>
    public Gpt? Model { get; }
    /// <summary>The quantized weights pointed into, or null.</summary>
    public QuantizedWeights? Quantized { get; }
    /// <summary>Quantized token embedding (rows dequantized on lookup), or null.</summary>
    public QuantMatrix? TokenEmbeddingQuantized { get; }
    /// <summary>Quantized output head, or null.</summary>
    public QuantMatrix? OutputQuantized { get; }
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
