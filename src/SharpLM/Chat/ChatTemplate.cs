using System.Text;

namespace SharpLM.Chat;

/// <summary>
/// A chat template: the rule that turns a conversation into the single string a causal LM
/// reads (Hugging Face's <c>chat_template</c>, GGUF's <c>tokenizer.chat_template</c>). Each
/// known format is written once as code that renders exactly what the published Jinja template
/// renders through <c>apply_chat_template</c>, split into spans so the loss mask for SFT follows
/// the assistant's text.
/// </summary>
public abstract class ChatTemplate
{
    /// <summary>Creates a template that uses the given start and end tokens (as text).</summary>
    protected ChatTemplate(string bosToken, string eosToken)
    {
        BosToken = bosToken;
        EosToken = eosToken;
    }

    /// <summary>The template's name: "chatml", "llama2", "llama3" or "alpaca".</summary>
    public abstract string Name { get; }

    /// <summary>The start-of-sequence token text the template inserts (Jinja's <c>bos_token</c>).</summary>
    public string BosToken { get; }

    /// <summary>The end-of-sequence token text the template inserts (Jinja's <c>eos_token</c>).</summary>
    public string EosToken { get; }

    /// <summary>Strings that end an assistant turn: generation stops when one appears.</summary>
    public abstract IReadOnlyList<string> StopStrings { get; }

    /// <summary>The Jinja source this template reproduces (what a model folder stores as its <c>chat_template</c>).</summary>
    public abstract string JinjaSource { get; }

    /// <summary>
    /// Renders the conversation as pieces marked prompt or assistant. With
    /// <paramref name="addGenerationPrompt"/> the text ends with the header that asks the
    /// model for the next assistant turn.
    /// </summary>
    /// <exception cref="ArgumentException">A role is unknown or the roles break the template's rules.</exception>
    public abstract IReadOnlyList<ChatSpan> RenderSpans(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt);

    /// <summary>Renders the conversation as one string, equal to Hugging Face's <c>apply_chat_template(messages, tokenize=False, add_generation_prompt=...)</c>.</summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        var sb = new StringBuilder();
        foreach (var span in RenderSpans(messages, addGenerationPrompt)) sb.Append(span.Text);
        return sb.ToString();
    }

    /// <summary>Checks every role is one of system/user/assistant; names the first bad one.</summary>
    protected static void CheckRoles(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        for (int i = 0; i < messages.Count; i++)
        {
            var m = messages[i] ?? throw new ArgumentException($"message {i} is null", nameof(messages));
            if (m.Role is not (ChatMessage.System or ChatMessage.User or ChatMessage.Assistant))
                throw new ArgumentException($"message {i} has role '{m.Role}'; a chat template knows only system, user and assistant", nameof(messages));
            if (m.Content is null) throw new ArgumentException($"message {i} ({m.Role}) has no content", nameof(messages));
        }
    }

    /// <summary>Checks user and assistant turns alternate starting with user (after an optional leading system turn), as Llama templates require.</summary>
    protected static void CheckAlternation(IReadOnlyList<ChatMessage> messages, int start)
    {
        for (int i = start; i < messages.Count; i++)
        {
            string expected = (i - start) % 2 == 0 ? ChatMessage.User : ChatMessage.Assistant;
            if (messages[i].Role != expected)
                throw new ArgumentException($"message {i} is '{messages[i].Role}' but '{expected}' was expected: conversation roles must alternate user/assistant/user/assistant/... (a system message may only come first)", nameof(messages));
        }
    }
}
