using System.Text.Json;
using SharpLM.Generation;
using static SharpLM.Server.RequestFields;

namespace SharpLM.Server;

/// <summary>
/// An OpenAI <c>POST /v1/completions</c> body (plain text completion): <c>prompt</c> as a string,
/// an array of strings, an array of token ids or an array of such arrays (one choice each);
/// <c>echo</c> false only; <c>logprobs</c> as the number of alternatives per token (0–20); and
/// the sampling fields chat completions take.
/// </summary>
public sealed record CompletionRequest
{
    /// <summary>The requested model id.</summary>
    public required string Model { get; init; }

    /// <summary>The prompts: text, or token ids (exactly one of the two per prompt).</summary>
    public required IReadOnlyList<(string? Text, int[]? Ids)> Prompts { get; init; }

    /// <summary>Stream the answer as server-sent events.</summary>
    public bool Stream { get; init; }

    /// <summary>With streaming, send a final chunk carrying token usage.</summary>
    public bool IncludeUsage { get; init; }

    /// <summary>Alternatives per token when logprobs are asked (<c>logprobs</c>), null when off.</summary>
    public int? Logprobs { get; init; }

    /// <summary>The generation options.</summary>
    public required GenerationOptions Options { get; init; }

    /// <summary>OpenAI's default <c>max_tokens</c> for text completions.</summary>
    public const int DefaultMaxTokens = 16;

    private static readonly HashSet<string> Known = ["model", "prompt", "echo", "logprobs", "suffix", "best_of", .. SamplingNames];

    /// <summary>Parses and validates a request body.</summary>
    /// <exception cref="ApiException">A 400 naming the bad field.</exception>
    public static CompletionRequest Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new ApiException(400, "the request body must be a JSON object.");
        RejectUnknown(root, Known);
        string model = String(root, "model") ?? throw ApiException.BadParam("model", "'model' is required.", "missing_required_parameter");
        if (!root.TryGetProperty("prompt", out var prompt) || prompt.ValueKind == JsonValueKind.Null)
            throw ApiException.BadParam("prompt", "'prompt' is required.", "missing_required_parameter");
        if (Bool(root, "echo") == true) throw ApiException.BadParam("echo", "'echo': true is not supported by this server.", "unsupported_value");
        if (String(root, "suffix") is not null) throw ApiException.BadParam("suffix", "'suffix' (insertion) is not supported by this server.", "unsupported_value");
        if (Int(root, "best_of") is int best && best != 1) throw ApiException.BadParam("best_of", $"'best_of' must be 1, got {best}.", "unsupported_value");
        var options = RequestFields.Generation(root, "max_tokens");
        if (!root.TryGetProperty("max_tokens", out var mt) || mt.ValueKind == JsonValueKind.Null) options = options with { MaxTokens = DefaultMaxTokens };
        int? logprobs = Int(root, "logprobs") is int n ? LogprobCount(n, "logprobs") : null;
        var (stream, includeUsage) = Streaming(root);
        return new CompletionRequest { Model = model, Prompts = ReadPrompts(prompt), Stream = stream, IncludeUsage = includeUsage, Logprobs = logprobs, Options = options };
    }

    private static List<(string?, int[]?)> ReadPrompts(JsonElement prompt)
    {
        const string shape = "'prompt' must be a string, an array of strings, an array of token ids, or an array of token-id arrays.";
        if (prompt.ValueKind == JsonValueKind.String) return [(prompt.GetString()!, null)];
        if (prompt.ValueKind != JsonValueKind.Array || prompt.GetArrayLength() == 0) throw ApiException.BadParam("prompt", shape);
        var items = prompt.EnumerateArray().ToList();
        if (items.All(e => e.ValueKind == JsonValueKind.Number)) return [(null, Ids(prompt, "prompt"))];
        var list = new List<(string?, int[]?)>();
        for (int i = 0; i < items.Count; i++)
        {
            if (items[i].ValueKind == JsonValueKind.String) list.Add((items[i].GetString()!, null));
            else if (items[i].ValueKind == JsonValueKind.Array && items[i].GetArrayLength() > 0) list.Add((null, Ids(items[i], $"prompt[{i}]")));
            else throw ApiException.BadParam("prompt", shape);
        }
        return list;
    }

    private static int[] Ids(JsonElement array, string where) =>
        [.. array.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int id) && id >= 0 ? id
            : throw ApiException.BadParam("prompt", $"{where} must hold non-negative integer token ids."))];
}
