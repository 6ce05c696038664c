using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// The position-wise feed-forward network: widen to F = <see cref="GptConfig.MlpWidth"/>
/// (<c>c_fc</c>), apply the nonlinearity, project back to C (<c>c_proj</c>). With SwiGLU (LLaMA)
/// a third projection <c>gate</c> gates the widened vector: <c>Down(silu(Gate·x) ⊙ Up·x)</c>.
/// Where attention moves information between positions, the MLP transforms each position's vector on its own.
/// </summary>
public sealed class Mlp : Module
{
    /// <summary>Creates the projections (two, or three for SwiGLU).</summary>
    public Mlp(GptConfig config, float std, float residualStd, Rng? rng)
    {
        int c = config.Width, f = config.MlpWidth;
        Up = AddModule("c_fc", new Linear(c, f, config.Bias, std, rng));
        Down = AddModule("c_proj", new Linear(f, c, config.Bias, residualStd, rng));
        if (config.Activation == MlpActivation.SwiGlu)
            Gate = AddModule("gate", new Linear(c, f, config.Bias, std, rng));
    }

    /// <summary>Widening projection <c>c_fc</c> (LLaMA's <c>up_proj</c>), weight <c>[F, C]</c>.</summary>
    public Linear Up { get; }

    /// <summary>Narrowing projection <c>c_proj</c> (LLaMA's <c>down_proj</c>), weight <c>[C, F]</c>.</summary>
    public Linear Down { get; }

    /// <summary>SwiGLU's gate projection <c>gate</c> (LLaMA's <c>gate_proj</c>), weight <c>[F, C]</c>; null for GELU MLPs.</summary>
    public Linear? Gate { get; }
}
