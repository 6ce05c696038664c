namespace SharpLM.Models;

/// <summary>How rotary position frequencies are stretched so a model reaches past the context it was trained on.</summary>
public enum RopeScalingKind
{
    /// <summary>Position interpolation: every frequency divided by <see cref="RopeScaling.Factor"/> (Hugging Face's <c>"linear"</c>).</summary>
    Linear,
    /// <summary>Llama 3.1's scheme: low frequencies divided by the factor, high ones kept, a smooth blend between (Hugging Face's <c>"llama3"</c>).</summary>
    Llama3,
}

/// <summary>
/// Rotary-embedding frequency scaling (Hugging Face's <c>rope_scaling</c>): which scheme, its
/// factor, and for <see cref="RopeScalingKind.Llama3"/> the wavelength band that is blended and
/// the context length the model was originally trained with.
/// </summary>
public sealed record RopeScaling
{
    /// <summary>The scheme.</summary>
    public RopeScalingKind Kind { get; init; }

    /// <summary>How much longer a context the scaled frequencies cover (e.g. 32 for Llama 3.2).</summary>
    public float Factor { get; init; } = 1f;

    /// <summary>Llama 3: wavelengths longer than <c>OriginalContext / LowFreqFactor</c> are divided by the factor.</summary>
    public float LowFreqFactor { get; init; } = 1f;

    /// <summary>Llama 3: wavelengths shorter than <c>OriginalContext / HighFreqFactor</c> are kept as they are.</summary>
    public float HighFreqFactor { get; init; } = 4f;

    /// <summary>Llama 3: the context length of pre-training (<c>original_max_position_embeddings</c>).</summary>
    public int OriginalContext { get; init; } = 8192;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the field when the scaling cannot work.</summary>
    public RopeScaling Validate()
    {
        if (!Enum.IsDefined(Kind)) throw new ArgumentException($"config: unknown rope scaling kind {(int)Kind}.");
        if (!(Factor > 0) || float.IsInfinity(Factor)) throw new ArgumentException($"config: rope scaling factor must be a positive number, got {Factor}.");
        if (Kind == RopeScalingKind.Llama3)
        {
            if (!(LowFreqFactor > 0)) throw new ArgumentException($"config: rope scaling low_freq_factor must be > 0, got {LowFreqFactor}.");
            if (!(HighFreqFactor > LowFreqFactor)) throw new ArgumentException($"config: rope scaling high_freq_factor ({HighFreqFactor}) must exceed low_freq_factor ({LowFreqFactor}).");
            if (OriginalContext < 1) throw new ArgumentException($"config: rope scaling original_max_position_embeddings must be ≥ 1, got {OriginalContext}.");
        }
        return this;
    }
}
