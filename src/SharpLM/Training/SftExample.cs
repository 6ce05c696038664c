using SharpLM.Chat;
using SharpLM.Generation;
using SharpLM.Tokenizers;

namespace SharpLM.Training;

/// <summary>
/// One conversation ready for supervised fine-tuning (SFT): its token ids as the chat template
/// renders it, and which of them the assistant says. The loss is taken only where the next token is
/// the assistant's (<see cref="Targets"/>); the system prompt, the user's words and the template's
/// headers are context the model reads but is not trained to produce.
/// </summary>
/// <param name="Ids">The rendered conversation's token ids.</param>
/// <param name="IsAssistant">Per id: true when it belongs to an assistant span (answer text and its end-of-turn marker).</param>
/// <param name="Truncated">True when the conversation was cut to fit the context.</param>
public sealed record SftExample(int[] Ids, bool[] IsAssistant, bool Truncated = false)
{
    /// <summary>Positions the model reads: every id but the last.</summary>
    public int Length => Ids.Length - 1;

    /// <summary>How many next-token predictions the loss counts (assistant ids after the first position).</summary>
    public int TrainedTokens => IsAssistant.AsSpan(1).Count(true);

    /// <summary>The next-token targets of positions <c>0..Length-1</c>: <c>Ids[i+1]</c> where that id is the assistant's, else −1 (ignored by the loss).</summary>
    public int[] Targets()
    {
        var t = new int[Length];
        for (int i = 0; i < t.Length; i++) t[i] = IsAssistant[i + 1] ? Ids[i + 1] : -1;
        return t;
    }
}

/// <summary>
/// Turns conversations into <see cref="SftExample"/>s: renders them with a chat template
/// (<see cref="ChatTemplate.RenderSpans"/>), tokenizes each run of prompt text and each assistant
/// span on its own and concatenates the ids, so every id belongs to exactly one span and the
/// loss mask follows the spans exactly. Text is encoded as the generators encode a rendered prompt
/// (special-looking markers as ordinary text); a template's start token becomes the tokenizer's real
/// one when it has it, as <c>sharplm chat</c> does.
/// </summary>
public static class SftEncoder
{
    /// <summary>
    /// Encodes one conversation. When its ids are more than <paramref name="contextLength"/> it throws
    /// naming <paramref name="where"/>, unless <paramref name="truncate"/>: then the ids past the
    /// context are dropped from the end (the end of the last answer goes first), and it still throws when
    /// no assistant id is left to learn from.
    /// </summary>
    /// <exception cref="InvalidDataException">The conversation does not fit (and is not truncated), or nothing of the answer fits, or the template refuses its roles.</exception>
    public static SftExample Encode(ITokenizer tokenizer, ChatTemplate template, IReadOnlyList<ChatMessage> messages, int contextLength, bool truncate, string where)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(template);
        IReadOnlyList<ChatSpan> spans;
        try { spans = template.RenderSpans(messages, addGenerationPrompt: false); }
        catch (ArgumentException e) { throw new InvalidDataException($"{where}: the {template.Name} template cannot render this conversation: {e.Message}", e); }

        var ids = new List<int>();
        var assistant = new List<bool>();
        var prompt = new System.Text.StringBuilder();
        bool first = true;
        void Flush()
        {
            if (prompt.Length == 0) return;
            string text = prompt.ToString();
            prompt.Clear();
            if (first && template.BosToken.Length > 0 && text.StartsWith(template.BosToken, StringComparison.Ordinal) && TextGenerator.BosTokenOf(tokenizer) is int bos)
            {
                ids.Add(bos);
                assistant.Add(false);
                text = text[template.BosToken.Length..];
            }
            first = false;
            Append(tokenizer.Encode(text), false);
        }
        void Append(int[] piece, bool isAssistant)
        {
            ids.AddRange(piece);
            for (int i = 0; i < piece.Length; i++) assistant.Add(isAssistant);
        }
        foreach (var span in spans)
        {
            if (!span.IsAssistant) { prompt.Append(span.Text); continue; }
            Flush();
            first = false;
            Append(tokenizer.Encode(span.Text), true);
        }
        Flush();

        bool truncated = false;
        if (ids.Count > contextLength)
        {
            if (!truncate)
                throw new InvalidDataException($"{where}: the conversation is {ids.Count} tokens with the {template.Name} template, longer than the context of {contextLength} tokens (shorten it, or pass --truncate to cut it at the context length).");
            ids.RemoveRange(contextLength, ids.Count - contextLength);
            assistant.RemoveRange(contextLength, assistant.Count - contextLength);
            truncated = true;
        }
        var example = new SftExample(ids.ToArray(), assistant.ToArray(), truncated);
        if (example.Ids.Length < 2 || example.TrainedTokens == 0)
            throw new InvalidDataException(truncated
                ? $"{where}: cut to the context of {contextLength} tokens, no token of the assistant's answer is left (the prompt alone fills the context)."
                : $"{where}: the conversation has no assistant tokens to train on.");
        return example;
    }

    /// <summary>Encodes every conversation of a data set (errors name <c>source:line</c>).</summary>
    public static List<SftExample> EncodeAll(ITokenizer tokenizer, ChatTemplate template, IEnumerable<InstructionConversation> conversations, int contextLength, bool truncate, string source) =>
        conversations.Select(c => Encode(tokenizer, template, c.Messages, contextLength, truncate, $"{source}:{c.Line}")).ToList();
}
