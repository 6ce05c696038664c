namespace SharpLM.Chat;

/// <summary>
/// One turn of a conversation, as chat models see it: who speaks (<c>system</c>, <c>user</c>
/// or <c>assistant</c>) and what they say. A chat template turns a list of these into the
/// one string a decoder-only model is trained on and prompted with.
/// </summary>
/// <param name="Role">"system", "user" or "assistant".</param>
/// <param name="Content">The text of the turn.</param>
public sealed record ChatMessage(string Role, string Content)
{
    /// <summary>The system role: instructions that frame the conversation.</summary>
    public const string System = "system";

    /// <summary>The user role: what the person asks.</summary>
    public const string User = "user";

    /// <summary>The assistant role: what the model answers (the only text SFT trains on).</summary>
    public const string Assistant = "assistant";
}
