namespace SharpLM.Chat;

/// <summary>
/// Llama 2 chat (<c>meta-llama/Llama-2-7b-chat-hf</c>): each user turn is
/// <c>&lt;s&gt;[INST] text [/INST]</c>, each answer <c> text &lt;/s&gt;</c>; a system message is
/// folded into the first user turn inside <c>&lt;&lt;SYS&gt;&gt;…&lt;&lt;/SYS&gt;&gt;</c>. Contents are
/// stripped; roles must alternate; the prompt for a reply is the text after <c>[/INST]</c>, so
/// the generation-prompt flag adds nothing.
/// </summary>
public sealed class Llama2Template : ChatTemplate
{
    /// <summary>Creates the template with the given start and end tokens.</summary>
    public Llama2Template(string bosToken = "<s>", string eosToken = "</s>") : base(bosToken, eosToken) { }

    /// <inheritdoc />
    public override string Name => "llama2";

    /// <inheritdoc />
    public override IReadOnlyList<string> StopStrings => [EosToken];

    /// <inheritdoc />
    public override string JinjaSource => ChatTemplateSources.Llama2;

    /// <inheritdoc />
    public override IReadOnlyList<ChatSpan> RenderSpans(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        CheckRoles(messages);
        int start = messages.Count > 0 && messages[0].Role == ChatMessage.System ? 1 : 0;
        CheckAlternation(messages, start);
        var spans = new List<ChatSpan>();
        for (int i = start; i < messages.Count; i++)
        {
            string content = messages[i].Content;
            if (i == start && start == 1)
                content = "<<SYS>>\n" + messages[0].Content + "\n<</SYS>>\n\n" + content;
            if (messages[i].Role == ChatMessage.User)
                spans.Add(new ChatSpan(BosToken + "[INST] " + content.Trim() + " [/INST]", false));
            else
                spans.Add(new ChatSpan(" " + content.Trim() + " " + EosToken, true));
        }
        return spans;
    }
}
