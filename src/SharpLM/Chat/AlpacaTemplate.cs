namespace SharpLM.Chat;

/// <summary>
/// Alpaca (Stanford Alpaca's prompt, in the multi-turn form Unsloth publishes as a Jinja
/// template): a system preamble and a blank line, then <c>### Instruction:\n…\n\n</c> for each
/// user turn and <c>### Response:\n…&lt;eos&gt;\n\n</c> for each answer. Without a system message
/// the preamble is Alpaca's own sentence.
/// </summary>
public sealed class AlpacaTemplate : ChatTemplate
{
    /// <summary>Stanford Alpaca's preamble, used when the conversation has no system message.</summary>
    public const string DefaultSystem = "Below is an instruction that describes a task. Write a response that appropriately completes the request.";

    /// <summary>Creates the template with the given start and end tokens.</summary>
    public AlpacaTemplate(string bosToken = "", string eosToken = "</s>") : base(bosToken, eosToken) { }

    /// <inheritdoc />
    public override string Name => "alpaca";

    /// <inheritdoc />
    public override IReadOnlyList<string> StopStrings => [EosToken, "### Instruction:"];

    /// <inheritdoc />
    public override string JinjaSource => ChatTemplateSources.Alpaca;

    /// <inheritdoc />
    public override IReadOnlyList<ChatSpan> RenderSpans(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        CheckRoles(messages);
        int start = messages.Count > 0 && messages[0].Role == ChatMessage.System ? 1 : 0;
        var spans = new List<ChatSpan> { new(BosToken + (start == 1 ? messages[0].Content : DefaultSystem) + "\n\n", false) };
        for (int i = start; i < messages.Count; i++)
        {
            var m = messages[i];
            if (m.Role == ChatMessage.User) spans.Add(new ChatSpan("### Instruction:\n" + m.Content + "\n\n", false));
            else if (m.Role == ChatMessage.Assistant)
            {
                spans.Add(new ChatSpan("### Response:\n", false));
                spans.Add(new ChatSpan(m.Content + EosToken, true));
                spans.Add(new ChatSpan("\n\n", false));
            }
            else throw new ArgumentException($"message {i} is a system message after the first; the alpaca template supports only user and assistant roles there", nameof(messages));
        }
        if (addGenerationPrompt) spans.Add(new ChatSpan("### Response:\n", false));
        return spans;
    }
}
