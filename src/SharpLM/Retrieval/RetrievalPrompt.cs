using System.Text;

namespace SharpLM.Retrieval;

/// <summary>
/// The "augmented" step of retrieval-augmented generation: puts retrieved passages before the
/// user's message as plain text, numbered so the model can cite them. Layout:
/// <code>
/// Use the following passages to answer. Cite a passage by its number, like [1].
///
/// [1] guide.md (characters 120-480)
/// passage text
///
/// [2] ...
///
/// User: the user's message
/// </code>
/// With no passages the user's message is returned unchanged.
/// </summary>
public static class RetrievalPrompt
{
    /// <summary>The first line, telling the model how to use the passages.</summary>
    public const string Instruction = "Use the following passages to answer. Cite a passage by its number, like [1].";

    /// <summary>The prompt text: <paramref name="passages"/> (in order) then <paramref name="userMessage"/>.</summary>
    public static string Build(IReadOnlyList<RetrievedPassage> passages, string userMessage)
    {
        ArgumentNullException.ThrowIfNull(passages);
        ArgumentNullException.ThrowIfNull(userMessage);
        if (passages.Count == 0) return userMessage;
        var sb = new StringBuilder().Append(Instruction).Append("\n\n");
        for (int i = 0; i < passages.Count; i++)
        {
            var c = passages[i].Chunk;
            sb.Append('[').Append(i + 1).Append("] ").Append(c.Source)
              .Append(" (characters ").Append(c.Start).Append('-').Append(c.Start + c.Length).Append(")\n")
              .Append(c.Text.Trim()).Append("\n\n");
        }
        return sb.Append("User: ").Append(userMessage).ToString();
    }
}
