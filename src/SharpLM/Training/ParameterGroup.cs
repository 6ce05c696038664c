using SharpLM.Adapters;

namespace SharpLM.Training;

/// <summary>
/// A parameter group of the optimizer (PyTorch's <c>param_groups</c>): the parameters whose names
/// match <see cref="Patterns"/> (see <see cref="NamePattern"/>) train with the scheduled learning rate
/// times <see cref="LearningRateScale"/> and, when set, their own decoupled <see cref="WeightDecay"/>
/// (applied to every parameter of the group, vectors included). E.g. a new classifier head at 10× the
/// rate of the pretrained body, or no decay on embeddings.
/// </summary>
public sealed record ParameterGroup
{
    /// <summary>Creates a group of the parameters matching any of <paramref name="patterns"/>.</summary>
    public ParameterGroup(string name, IEnumerable<string> patterns, float learningRateScale = 1f, float? weightDecay = null)
    {
        Name = string.IsNullOrWhiteSpace(name) ? throw new ArgumentException("a parameter group needs a name.", nameof(name)) : name;
        Patterns = patterns.Select(p => new NamePattern(p)).ToArray();
        if (Patterns.Length == 0) throw new ArgumentException($"parameter group '{name}' has no name patterns.", nameof(patterns));
        if (!(learningRateScale >= 0) || !float.IsFinite(learningRateScale))
            throw new ArgumentOutOfRangeException(nameof(learningRateScale), $"parameter group '{name}': learning-rate scale must be a finite number ≥ 0, got {learningRateScale}.");
        if (weightDecay is { } wd && (!(wd >= 0) || !float.IsFinite(wd)))
            throw new ArgumentOutOfRangeException(nameof(weightDecay), $"parameter group '{name}': weight decay must be a finite number ≥ 0, got {wd}.");
        LearningRateScale = learningRateScale;
        WeightDecay = weightDecay;
    }

    /// <summary>A label for messages and logs.</summary>
    public string Name { get; }

    /// <summary>Which parameters belong to the group.</summary>
    public NamePattern[] Patterns { get; }

    /// <summary>Multiplies the scheduled learning rate for this group.</summary>
    public float LearningRateScale { get; }

    /// <summary>The group's weight decay, or null for the optimizer's default (matrices only).</summary>
    public float? WeightDecay { get; }

    /// <summary>Whether parameter <paramref name="parameterName"/> belongs to the group.</summary>
    public bool Matches(string parameterName) => NamePattern.Any(Patterns, parameterName);
}
