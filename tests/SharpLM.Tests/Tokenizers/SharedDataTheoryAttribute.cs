namespace SharpLM.Tests.Tokenizers;

/// <summary>A theory that needs ../shared/data; skipped, with the reason stated, when it is absent.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the shared folder cannot be found.</summary>
    public SharedDataTheoryAttribute()
    {
        if (SharedData.Directory is null) Skip = SharedData.MissingReason;
    }
}
