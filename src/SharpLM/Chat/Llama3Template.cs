namespace SharpLM.Chat;

/// <summary>
/// Llama 3 instruct (<c>meta-llama/Meta-Llama-3-8B-Instruct</c>): the text starts with
/// <c>&lt;|begin_of_text|&gt;</c>; each turn is <c>&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\n</c>
/// + trimmed content + <c>&lt;|eot_id|&gt;</c>; the generation prompt is the assistant header.
/// </summary>
public sealed class Llama3Template : ChatTemplate
{
    /// <summary>The end-of-turn marker.</summary>
    public const string EndOfTurn = "<|eot_id|>";

    /// <summary>Creates the template with the given start token (the end token is the turn marker).</summary>
    public Llama3Template(string bosToken = "<|begin_of_text|>", string eosToken = EndOfTurn) : base(bosToken, eosToken) { }

    /// <inheritdoc />
    public override string Name => "llama3";

    /// <inheritdoc />
    public override IReadOnlyList<string> StopStrings => [EndOfTurn];

    /// <inheritdoc />
    public override string JinjaSource => ChatTemplateSources.Llama3;

    /// <inheritdoc />
    public override IReadOnlyList<ChatSpan> RenderSpans(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        CheckRoles(messages);
        var spans = new List<ChatSpan>();
        for (int i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            string header = (i == 0 ? BosToken : "") + "<|start_header_id|>" + m.Role + "<|end_header_id|>\n\n";
            string body = m.Content.Trim() + EndOfTurn;
            if (m.Role == ChatMessage.Assistant) { spans.Add(new ChatSpan(header, false)); spans.Add(new ChatSpan(body, true)); }
            else spans.Add(new ChatSpan(header + body, false));
        }
        if (addGenerationPrompt) spans.Add(new ChatSpan("<|start_header_id|>assistant<|end_header_id|>\n\n", false));
        return spans;
    }
}
