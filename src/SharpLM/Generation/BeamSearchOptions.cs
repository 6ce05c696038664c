namespace SharpLM.Generation;

/// <summary>
/// How beam search explores: keep the <see cref="Beams"/> best partial outputs at every step;
/// finished outputs are ranked by <c>Σ log p / length^LengthPenalty</c> (above 1 favours longer,
/// below 1 shorter); <see cref="EarlyStopping"/> stops as soon as <see cref="Beams"/> outputs are
/// finished, otherwise when no live beam can still beat the worst finished one;
/// <see cref="NoRepeatNgramSize"/> forbids repeating any n-gram; <see cref="MaxLength"/> caps the output.
/// </summary>
public sealed record BeamSearchOptions
{
    /// <summary>Number of beams (1 = greedy).</summary>
    public int Beams { get; init; } = 4;

    /// <summary>Exponent of the length normalization (Hugging Face's default 1).</summary>
    public float LengthPenalty { get; init; } = 1f;

    /// <summary>Stop when <see cref="Beams"/> hypotheses are finished.</summary>
    public bool EarlyStopping { get; init; }

    /// <summary>Forbid any n-gram of this size from occurring twice (0 = off).</summary>
    public int NoRepeatNgramSize { get; init; }

    /// <summary>Most tokens generated (EOS included).</summary>
    public int MaxLength { get; init; } = 64;

    /// <summary>Checks the values.</summary>
    public BeamSearchOptions Validate()
    {
        if (Beams < 1) throw new ArgumentOutOfRangeException(nameof(Beams), $"--beams {Beams} must be ≥ 1.");
        if (MaxLength < 1) throw new ArgumentOutOfRangeException(nameof(MaxLength), $"--max-length {MaxLength} must be ≥ 1.");
        if (NoRepeatNgramSize < 0) throw new ArgumentOutOfRangeException(nameof(NoRepeatNgramSize), $"--no-repeat-ngram {NoRepeatNgramSize} must be ≥ 0.");
        if (!float.IsFinite(LengthPenalty)) throw new ArgumentOutOfRangeException(nameof(LengthPenalty), "--length-penalty must be finite.");
        return this;
    }
}
