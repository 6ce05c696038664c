namespace SharpLM.Chat;

/// <summary>
/// ChatML (OpenAI's format, used by Qwen, Hermes, SmolLM and many others): each turn is
/// <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c>; the generation prompt is
/// <c>&lt;|im_start|&gt;assistant\n</c>. No start token.
/// </summary>
public sealed class ChatMlTemplate : ChatTemplate
{
    /// <summary>The end-of-turn marker.</summary>
    public const string EndOfTurn = "<|im_end|>";

    /// <summary>Creates the template (ChatML ignores bos/eos tokens).</summary>
    public ChatMlTemplate(string bosToken = "", string eosToken = EndOfTurn) : base(bosToken, eosToken) { }

    /// <inheritdoc />
    public override string Name => "chatml";

    /// <inheritdoc />
    public override IReadOnlyList<string> StopStrings => [EndOfTurn];

    /// <inheritdoc />
    public override string JinjaSource => ChatTemplateSources.ChatMl;

    /// <inheritdoc />
    public override IReadOnlyList<ChatSpan> RenderSpans(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        CheckRoles(messages);
        var spans = new List<ChatSpan>();
        foreach (var m in messages)
        {
            if (m.Role == ChatMessage.Assistant)
            {
                spans.Add(new ChatSpan("<|im_start|>assistant\n", false));
                spans.Add(new ChatSpan(m.Content + EndOfTurn, true));
                spans.Add(new ChatSpan("\n", false));
            }
            else spans.Add(new ChatSpan("<|im_start|>" + m.Role + "\n" + m.Content + EndOfTurn + "\n", false));
        }
        if (addGenerationPrompt) spans.Add(new ChatSpan("<|im_start|>assistant\n", false));
        return spans;
    }
}
