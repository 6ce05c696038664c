using SharpLM.Chat;
using SharpLM.Formats;

namespace SharpLM.Models;

/// <summary>
/// The chat template a GGUF file declares: its <c>tokenizer.chat_template</c> Jinja source,
/// recognised by <see cref="ChatTemplates.RecognizeName"/>, with the begin/end-of-sequence
/// token texts taken from the file's vocabulary (<c>tokenizer.ggml.bos_token_id</c> /
/// <c>eos_token_id</c>), as llama.cpp renders them.
/// </summary>
public static class GgufChatTemplate
{
    /// <summary>The recognised template of an open GGUF file, or null when it declares none SharpLM knows.</summary>
    public static ChatTemplate? Read(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (ChatTemplates.RecognizeName(GgufTokenizer.ChatTemplate(file)) is not { } name) return null;
        string[]? tokens = file.Get("tokenizer.ggml.tokens")?.AsArray<string>();
        string? Text(string key)
        {
            if (tokens is null || file.Get(key) is not { } value) return null;
            long id = value.AsInt64();
            return id >= 0 && id < tokens.Length ? tokens[id] : null;
        }
        return ChatTemplates.Create(name, Text("tokenizer.ggml.bos_token_id"), Text("tokenizer.ggml.eos_token_id"));
    }

    /// <summary>Opens <paramref name="path"/> and reads its template (see <see cref="Read"/>).</summary>
    /// <exception cref="InvalidDataException">The file is not a readable GGUF file (the message names it and the field).</exception>
    public static ChatTemplate? ForFile(string path)
    {
        try
        {
            using var file = GgufFile.Open(path);
            return Read(file);
        }
        catch (Exception e) when (e is GgufFormatException or InvalidCastException)
        {
            throw new InvalidDataException($"cannot read the chat template of '{path}': {e.Message}", e);
        }
    }
}
