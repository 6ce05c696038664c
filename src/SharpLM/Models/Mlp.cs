using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// The position-wise feed-forward network: widen to 4·C (<c>c_fc</c>), apply GELU, project
/// back to C (<c>c_proj</c>). Where attention moves information between positions, the MLP
/// transforms each position's vector on its own.
/// </summary>
public sealed class Mlp : Module
{
    /// <summary>Creates the two projections.</summary>
    public Mlp(GptConfig config, float std, float residualStd, Rng? rng)
    {
        Up = AddModule("c_fc", new Linear(config.Width, config.MlpWidth, config.Bias, std, rng));
        Down = AddModule("c_proj", new Linear(config.MlpWidth, config.Width, config.Bias, residualStd, rng));
    }

    /// <summary>Widening projection <c>c_fc</c>, weight <c>[4C, C]</c>.</summary>
    public Linear Up { get; }

    /// <summary>Narrowing projection <c>c_proj</c>, weight <c>[C, 4C]</c>.</summary>
    public Linear Down { get; }
}
