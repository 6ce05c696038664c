using System.Text.Json;
using SharpLM.Chat;
using SharpLM.Generation;
using static SharpLM.Server.RequestFields;

namespace SharpLM.Server;

/// <summary>
/// An OpenAI <c>POST /v1/chat/completions</c> body, read field by field so a bad value gets a
/// 400 naming that field, and mapped onto SharpLM's <see cref="GenerationOptions"/> /
/// <see cref="SamplerOptions"/> (temperature, top_p, max_tokens / max_completion_tokens, stop,
/// seed, presence/frequency penalty, logprobs / top_logprobs, and the top_k / min_p /
/// repetition_penalty extensions). A field the server does not know is a 400 as well.
/// </summary>
public sealed record ChatCompletionRequest
{
    /// <summary>The requested model id.</summary>
    public required string Model { get; init; }

    /// <summary>The conversation, roles mapped to system/user/assistant (OpenAI's developer role is a system message).</summary>
    public required IReadOnlyList<ChatMessage> Messages { get; init; }

    /// <summary>Stream the answer as server-sent events.</summary>
    public bool Stream { get; init; }

    /// <summary>With streaming, send a final chunk carrying token usage (<c>stream_options.include_usage</c>).</summary>
    public bool IncludeUsage { get; init; }

    /// <summary>With <c>logprobs: true</c>, how many alternatives per token (<c>top_logprobs</c>, 0–20); null when logprobs are off.</summary>
    public int? TopLogprobs { get; init; }

    /// <summary>The generation options (without the chat template's stop strings, which the service adds).</summary>
    public required GenerationOptions Options { get; init; }

    /// <summary>Most new tokens when the request names none.</summary>
    public const int DefaultMaxTokens = RequestFields.DefaultMaxTokens;

    private static readonly HashSet<string> Known = ["model", "messages", "logprobs", "top_logprobs", "max_completion_tokens", .. SamplingNames];

    /// <summary>Parses and validates a request body.</summary>
    /// <exception cref="ApiException">A 400 naming the bad field.</exception>
    public static ChatCompletionRequest Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new ApiException(400, "the request body must be a JSON object.");
        RejectUnknown(root, Known);
        string model = String(root, "model") ?? throw ApiException.BadParam("model", "'model' is required.", "missing_required_parameter");
        if (!root.TryGetProperty("messages", out var msgs) || msgs.ValueKind != JsonValueKind.Array || msgs.GetArrayLength() == 0)
            throw ApiException.BadParam("messages", "'messages' must be a non-empty array of {role, content}.", "missing_required_parameter");
        var messages = new List<ChatMessage>();
        int i = 0;
        foreach (var m in msgs.EnumerateArray())
        {
            string where = $"messages[{i++}]";
            if (m.ValueKind != JsonValueKind.Object) throw ApiException.BadParam(where, $"{where} must be an object with role and content.");
            string role = String(m, "role", where + ".role") ?? throw ApiException.BadParam(where + ".role", $"{where}.role is required.");
            role = role switch
            {
                "system" or "developer" => ChatMessage.System,
                "user" => ChatMessage.User,
                "assistant" => ChatMessage.Assistant,
                _ => throw ApiException.BadParam(where + ".role", $"{where}.role '{role}' is not supported (system, developer, user, assistant)."),
            };
            messages.Add(new ChatMessage(role, Content(m, where + ".content")));
        }

        var options = RequestFields.Generation(root, "max_completion_tokens", "max_tokens");
        bool logprobs = Bool(root, "logprobs") ?? false;
        int? top = Int(root, "top_logprobs");
        if (top is int t)
        {
            LogprobCount(t, "top_logprobs");
            if (!logprobs) throw ApiException.BadParam("top_logprobs", "'top_logprobs' needs 'logprobs': true.");
        }
        var (stream, includeUsage) = Streaming(root);
        return new ChatCompletionRequest
        {
            Model = model, Messages = messages, Stream = stream, IncludeUsage = includeUsage,
            TopLogprobs = logprobs ? top ?? 0 : null, Options = options,
        };
    }

    private static string Content(JsonElement m, string where)
    {
        if (!m.TryGetProperty("content", out var c) || c.ValueKind == JsonValueKind.Null) return "";
        if (c.ValueKind == JsonValueKind.String) return RequestFields.Text(c, where);
        if (c.ValueKind != JsonValueKind.Array) throw ApiException.BadParam(where, $"{where} must be a string or an array of text parts.");
        var text = new System.Text.StringBuilder();
        foreach (var part in c.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || String(part, "type") != "text")
                throw ApiException.BadParam(where, $"{where}: only text parts ({{\"type\": \"text\", \"text\": ...}}) are supported.");
            text.Append(String(part, "text", where + ".text"));
        }
        return text.ToString();
    }
}
