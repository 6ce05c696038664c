namespace SharpLM.Tests;

/// <summary>A fact that needs ../shared/data; skipped, with the reason stated, when it is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the shared folder cannot be found.</summary>
    public SharedDataFactAttribute()
    {
        if (SharedData.Directory is null) Skip = SharedData.MissingReason;
    }
}
