using System.Text.Json;
using SharpLM.Generation;
using SharpLM.Serving;

namespace SharpLM.Server;

/// <summary>
/// Reads the fields OpenAI's completion routes share — sampling (temperature, top_p, seed,
/// penalties, and the top_k / min_p / repetition_penalty extensions), max tokens and stop — each
/// checked so a bad value is a 400 naming that field; and refuses fields the server does not know.
/// </summary>
internal static class RequestFields
{
    /// <summary>Most new tokens when the request names none.</summary>
    public const int DefaultMaxTokens = 256;

    /// <summary>Fields of OpenAI's schema the server accepts and ignores (they change nothing for a local model).</summary>
    private static readonly HashSet<string> Ignored = ["user", "store", "metadata", "service_tier", "parallel_tool_calls", "prompt_cache_key", "safety_identifier"];

    /// <summary>Throws a 400 <c>unknown_parameter</c> for the first field neither in <paramref name="known"/> nor ignorable.</summary>
    public static void RejectUnknown(JsonElement root, IReadOnlySet<string> known)
    {
        foreach (var p in root.EnumerateObject())
        {
            string name;
            try { name = p.Name; }
            catch (InvalidOperationException) { throw new ApiException(400, "A field name of the request is not valid Unicode text (invalid UTF-8 or a lone surrogate escape).", code: "invalid_value"); }
            if (!known.Contains(name) && !Ignored.Contains(name))
                throw ApiException.BadParam(name, $"Unrecognized request argument supplied: {name}.", "unknown_parameter");
        }
    }

    /// <summary>The sampling fields shared by chat and text completions.</summary>
    public static readonly string[] SamplingNames =
        ["temperature", "top_p", "top_k", "min_p", "presence_penalty", "frequency_penalty", "repetition_penalty", "seed", "max_tokens", "stop", "n", "stream", "stream_options"];

    /// <summary>Reads max tokens (<paramref name="maxNames"/> in priority order), sampling and stop into generation options.</summary>
    public static GenerationOptions Generation(JsonElement root, params string[] maxNames)
    {
        if (Int(root, "n") is int n && n != 1) throw ApiException.BadParam("n", $"'n' must be 1 (one choice per request), got {n}.");
        int maxTokens = DefaultMaxTokens;
        foreach (var name in maxNames)
            if (Int(root, name) is int m)
            {
                if (m < 1) throw ApiException.BadParam(name, $"'{name}' must be ≥ 1, got {m}.");
                maxTokens = m;
                break;
            }
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
        return new GenerationOptions { MaxTokens = maxTokens, Sampling = sampling, StopSequences = Stops(root) };
    }

    /// <summary>Reads <c>stream</c> and <c>stream_options.include_usage</c>.</summary>
    public static (bool Stream, bool IncludeUsage) Streaming(JsonElement root)
    {
        bool stream = Bool(root, "stream") ?? false;
        bool includeUsage = false;
        if (root.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object)
            includeUsage = Bool(so, "include_usage", "stream_options.include_usage") ?? false;
        return (stream, includeUsage);
    }

    /// <summary>Checks a <c>top_logprobs</c>-style count is within 0..20.</summary>
    public static int LogprobCount(int value, string name) =>
        value is >= 0 and <= DecodeRequest.MaxTopLogprobs ? value : throw ApiException.BadParam(name, $"'{name}' must be in 0..{DecodeRequest.MaxTopLogprobs}, got {value}.");

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

    /// <summary>A JSON string as .NET text: invalid UTF-8 or an escaped lone surrogate (<c>"\ud800"</c>) is the client's 400 naming <paramref name="param"/>, not a 500.</summary>
    public static string Text(JsonElement v, string param)
    {
        try { return v.GetString()!; }
        catch (InvalidOperationException) { throw ApiException.BadParam(param, $"'{param}' is not valid Unicode text (invalid UTF-8 or a lone surrogate escape)."); }
    }

    public static string? String(JsonElement o, string name, string? param = null)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? Text(v, param ?? name) : throw ApiException.BadParam(param ?? name, $"'{param ?? name}' must be a string.");
    }

    public static int? Int(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw ApiException.BadParam(name, $"'{name}' must be an integer.");
    }

    public static float? Float(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.Number ? (float)v.GetDouble() : throw ApiException.BadParam(name, $"'{name}' must be a number.");
    }

    public static bool? Bool(JsonElement o, string name, string? param = null)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw ApiException.BadParam(param ?? name, $"'{param ?? name}' must be true or false.");
    }
}
