using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// Rotary position embedding tables (RoPE, Su et al. 2021): channel pair i of a head (channels
/// i and i + D/2, Hugging Face's rotate-half pairing) at position p is rotated by the angle
/// <c>p·ωᵢ</c>, <c>ωᵢ = θ^(−2i/D)</c> (optionally rescaled, <see cref="RopeScaling"/>). The tables
/// hold <c>cos(p·ωᵢ)</c> and <c>sin(p·ωᵢ)</c> for every position of the context, <c>[T, D/2]</c>.
/// Computed as Hugging Face does in float32 (frequency, then position × frequency, then cos/sin) so
/// logits match its models closely.
/// </summary>
public sealed class RotaryEmbedding
{
    /// <summary>Builds the tables for <paramref name="config"/>'s head size, θ, scaling and context length.</summary>
    public RotaryEmbedding(GptConfig config)
        : this(config.HeadSize, config.BlockSize, config.RopeTheta, config.RopeScaling) { }

    /// <summary>Builds the tables for heads of size <paramref name="headSize"/> (even) and <paramref name="positions"/> positions.</summary>
    public RotaryEmbedding(int headSize, int positions, float theta, RopeScaling? scaling = null)
    {
        if (headSize < 2 || headSize % 2 != 0) throw new ArgumentException($"rotary embedding: head size must be even and ≥ 2, got {headSize}.", nameof(headSize));
        if (positions < 1) throw new ArgumentException($"rotary embedding: positions must be ≥ 1, got {positions}.", nameof(positions));
        HeadSize = headSize;
        InverseFrequencies = Frequencies(headSize, theta, scaling);
        int half = headSize / 2;
        Cos = new Tensor(positions, half);
        Sin = new Tensor(positions, half);
        var c = Cos.Span;
        var s = Sin.Span;
        for (int p = 0; p < positions; p++)
            for (int i = 0; i < half; i++)
            {
                float angle = p * InverseFrequencies[i];          // float32 product, as torch's matmul of positions × frequencies
                c[p * half + i] = (float)Math.Cos(angle);
                s[p * half + i] = (float)Math.Sin(angle);
            }
    }

    /// <summary>Head size D.</summary>
    public int HeadSize { get; }

    /// <summary>Positions covered (the context length).</summary>
    public int Positions => Cos.Dim(0);

    /// <summary>The rotation frequency of each channel pair, <c>[D/2]</c>, after scaling.</summary>
    public float[] InverseFrequencies { get; }

    /// <summary><c>cos(p·ωᵢ)</c>, <c>[T, D/2]</c>.</summary>
    public Tensor Cos { get; }

    /// <summary><c>sin(p·ωᵢ)</c>, <c>[T, D/2]</c>.</summary>
    public Tensor Sin { get; }

    /// <summary>
    /// The frequencies <c>ωᵢ = 1/θ^(2i/D)</c> for i in [0, D/2), rescaled by <paramref name="scaling"/>:
    /// linear divides all by the factor; Llama 3 divides those with wavelength beyond
    /// <c>OriginalContext/LowFreqFactor</c>, keeps those below <c>OriginalContext/HighFreqFactor</c>
    /// and blends linearly (in <c>OriginalContext/wavelength</c>) between.
    /// </summary>
    public static float[] Frequencies(int headSize, float theta, RopeScaling? scaling)
    {
        int half = headSize / 2;
        var inv = new float[half];
        for (int i = 0; i < half; i++)
        {
            float exponent = 2 * i / (float)headSize;
            float power = (float)Math.Pow(theta, exponent);
            inv[i] = 1f / power;
        }
        if (scaling is null) return inv;
        scaling.Validate();
        float factor = scaling.Factor;
        if (scaling.Kind == RopeScalingKind.Linear)
        {
            for (int i = 0; i < half; i++) inv[i] /= factor;
            return inv;
        }
        float lowWavelength = scaling.OriginalContext / scaling.LowFreqFactor;
        float highWavelength = scaling.OriginalContext / scaling.HighFreqFactor;
        for (int i = 0; i < half; i++)
        {
            float wavelength = 2 * MathF.PI / inv[i];
            if (wavelength > lowWavelength) inv[i] /= factor;
            else if (wavelength >= highWavelength)
            {
                float smooth = (scaling.OriginalContext / wavelength - scaling.LowFreqFactor) / (scaling.HighFreqFactor - scaling.LowFreqFactor);
                inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
            }
        }
        return inv;
    }
}
