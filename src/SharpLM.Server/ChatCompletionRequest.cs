using System.Text.Json;
using SharpLM.Chat;
using SharpLM.Generation;

namespace SharpLM.Server;

/// <summary>
/// An OpenAI <c>POST /v1/chat/completions</c> body, read field by field so a bad value gets a
/// 400 naming that field, and mapped onto SharpLM's <see cref="GenerationOptions"/> /
/// <see cref="SamplerOptions"/> (temperature, top_p, max_tokens / max_completion_tokens, stop,
/// seed, presence/frequency penalty, and the top_k / min_p / repetition_penalty extensions).
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

    /// <summary>The generation options (without the chat template's stop strings, which the server adds).</summary>
    public required GenerationOptions Options { get; init; }

    /// <summary>Most new tokens when the request names none.</summary>
    public const int DefaultMaxTokens = 256;

    /// <summary>Parses and validates a request body.</summary>
    /// <exception cref="ApiException">A 400 naming the bad field.</exception>
    public static ChatCompletionRequest Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new ApiException(400, "the request body must be a JSON object.");
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

        if (Int(root, "n") is int n && n != 1) throw ApiException.BadParam("n", $"'n' must be 1 (one choice per request), got {n}.");
        int maxTokens = Int(root, "max_completion_tokens") ?? Int(root, "max_tokens") ?? DefaultMaxTokens;
        if (maxTokens < 1) throw ApiException.BadParam(root.TryGetProperty("max_completion_tokens", out _) ? "max_completion_tokens" : "max_tokens", $"max tokens must be ≥ 1, got {maxTokens}.");
        float temperature = Float(root, "temperature") ?? 1f;
        if (!(temperature >= 0 && temperature <= 2)) throw ApiException.BadParam("temperature", $"'temperature' must be in [0, 2], got {temperature}.");
        float topP = Float(root, "top_p") ?? 1f;
        if (!(topP > 0 && topP <= 1)) throw ApiException.BadParam("top_p", $"'top_p' must be in (0, 1], got {topP}.");
        float presence = Penalty(root, "presence_penalty"), frequency = Penalty(root, "frequency_penalty");
        int topK = Int(root, "top_k") ?? 0;
        if (topK < 0) throw ApiException.BadParam("top_k", $"'top_k' must be ≥ 0 (0 = off), got {topK}.");
        float minP = Float(root, "min_p") ?? 0f;
        if (!(minP >= 0 && minP <= 1)) throw ApiException.BadParam("min_p", $"'min_p' must be in [0, 1], got {minP}.");
        float repetition = Float(root, "repetition_penalty") ?? 1f;
        if (!(repetition > 0 && float.IsFinite(repetition))) throw ApiException.BadParam("repetition_penalty", $"'repetition_penalty' must be a finite number > 0, got {repetition}.");
        var sampling = new SamplerOptions
        {
            Temperature = temperature, TopP = topP, TopK = topK, MinP = minP,
            PresencePenalty = presence, FrequencyPenalty = frequency, RepetitionPenalty = repetition,
        };
        if (root.TryGetProperty("seed", out var seed) && seed.ValueKind != JsonValueKind.Null)
        {
            if (seed.ValueKind != JsonValueKind.Number || !seed.TryGetInt64(out long s)) throw ApiException.BadParam("seed", "'seed' must be an integer.");
            sampling = sampling with { Seed = unchecked((ulong)s) };
        }

        bool stream = Bool(root, "stream") ?? false;
        bool includeUsage = false;
        if (root.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object)
            includeUsage = Bool(so, "include_usage", "stream_options.include_usage") ?? false;
        return new ChatCompletionRequest
        {
            Model = model, Messages = messages, Stream = stream, IncludeUsage = includeUsage,
            Options = new GenerationOptions { MaxTokens = maxTokens, Sampling = sampling, StopSequences = Stops(root) },
        };
    }

    private static string Content(JsonElement m, string where)
    {
        if (!m.TryGetProperty("content", out var c) || c.ValueKind == JsonValueKind.Null) return "";
        if (c.ValueKind == JsonValueKind.String) return Text(c, where);
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

    private static IReadOnlyList<string> Stops(JsonElement root)
    {
        if (!root.TryGetProperty("stop", out var s) || s.ValueKind == JsonValueKind.Null) return [];
        var list = new List<string>();
        if (s.ValueKind == JsonValueKind.String) list.Add(Text(s, "stop"));
        else if (s.ValueKind == JsonValueKind.Array)
            foreach (var e in s.EnumerateArray())
                list.Add(e.ValueKind == JsonValueKind.String ? Text(e, "stop") : throw ApiException.BadParam("stop", "'stop' must be a string or an array of strings."));
        else throw ApiException.BadParam("stop", "'stop' must be a string or an array of strings.");
        if (list.Count > 4) throw ApiException.BadParam("stop", $"'stop' takes at most 4 sequences, got {list.Count}.");
        if (list.Any(string.IsNullOrEmpty)) throw ApiException.BadParam("stop", "stop sequences must not be empty.");
        return list;
    }

    private static float Penalty(JsonElement root, string name)
    {
        float v = Float(root, name) ?? 0f;
        if (!(v >= -2 && v <= 2)) throw ApiException.BadParam(name, $"'{name}' must be in [-2, 2], got {v}.");
        return v;
    }

    // A JSON string as .NET text: invalid UTF-8 or an escaped lone surrogate ("\ud800") is the client's 400, not a 500.
    private static string Text(JsonElement v, string param)
    {
        try { return v.GetString()!; }
        catch (InvalidOperationException) { throw ApiException.BadParam(param, $"'{param}' is not valid Unicode text (invalid UTF-8 or a lone surrogate escape)."); }
    }

    private static string? String(JsonElement o, string name, string? param = null)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? Text(v, param ?? name) : throw ApiException.BadParam(param ?? name, $"'{param ?? name}' must be a string.");
    }

    private static int? Int(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw ApiException.BadParam(name, $"'{name}' must be an integer.");
    }

    private static float? Float(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.Number ? (float)v.GetDouble() : throw ApiException.BadParam(name, $"'{name}' must be a number.");
    }

    private static bool? Bool(JsonElement o, string name, string? param = null)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw ApiException.BadParam(param ?? name, $"'{param ?? name}' must be true or false.");
    }
}
