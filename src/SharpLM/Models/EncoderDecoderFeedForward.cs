using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// The position-wise feed-forward network of an encoder-decoder layer. T5 v1.0:
/// <c>wo(relu(wi x))</c>; T5 v1.1: <c>wo(gelu_tanh(wi_0 x) ⊙ wi_1 x)</c> (gated GELU); BART:
/// <c>fc2(gelu(fc1 x))</c> with biases. Names follow Hugging Face (<c>DenseReluDense.wi</c> …, <c>fc1</c>).
/// </summary>
public sealed class EncoderDecoderFeedForward : Module
{
    /// <summary>Creates the projections for the config's <see cref="FeedForwardKind"/>.</summary>
    public EncoderDecoderFeedForward(EncoderDecoderConfig config, Rng? rng)
    {
        int c = config.Width, f = config.FeedForwardWidth;
        Kind = config.FeedForward;
        if (config.Family == EncoderDecoderFamily.Bart)
        {
            Up = AddModule("fc1", new Linear(c, f, bias: true, 0.02f, rng));
            Down = AddModule("fc2", new Linear(f, c, bias: true, 0.02f, rng));
            return;
        }
        float inStd = 1f / MathF.Sqrt(c), outStd = 1f / MathF.Sqrt(f);
        if (Kind == FeedForwardKind.GatedGelu)
        {
            Gate = AddModule("wi_0", new Linear(c, f, bias: false, inStd, rng));
            Up = AddModule("wi_1", new Linear(c, f, bias: false, inStd, rng));
        }
        else Up = AddModule("wi", new Linear(c, f, bias: false, inStd, rng));
        Down = AddModule("wo", new Linear(f, c, bias: false, outStd, rng));
    }

    /// <summary>The nonlinearity.</summary>
    public FeedForwardKind Kind { get; }

    /// <summary>The gate projection <c>wi_0</c> (gated GELU only), else null.</summary>
    public Linear? Gate { get; }

    /// <summary>The widening projection (<c>wi</c>, <c>wi_1</c> or <c>fc1</c>), <c>[d_ff, C]</c>.</summary>
    public Linear Up { get; }

    /// <summary>The narrowing projection (<c>wo</c> or <c>fc2</c>), <c>[C, d_ff]</c>.</summary>
    public Linear Down { get; }
}
