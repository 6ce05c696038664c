using System.Text.Json.Serialization;
using SharpLM.Generation;

namespace SharpLM.Server;

/// <summary>
/// Attention maps for the playground: runs a prompt through the served model and returns every
/// layer's and head's attention probabilities, <c>[layers][heads][query][key]</c> — row q says how
/// the token at q shared its attention among the tokens up to it (zero above the diagonal: a
/// causal model cannot look ahead). The capture itself is <see cref="Generator.CaptureAttention"/>;
/// this class runs it on a second generator over the same weights (its own KV cache), so looking at
/// attention never disturbs a chat being generated, and one capture runs at a time.
/// </summary>
public sealed class PlaygroundAttention(TextGenerator chat)
{
    /// <summary>Most tokens one request may look at (a map costs layers × heads × T² numbers).</summary>
    public const int MaxTokens = 128;

    private readonly Lock _gate = new();
    private Generator? _generator; // made on first use: the chat's weights, a cache of its own

    /// <summary>The model's layer and head counts (what the page's selectors offer).</summary>
    public (int Layers, int Heads) Shape => (chat.Generator.Config.Layers, chat.Generator.Config.Heads);

    /// <summary>The tokens of <paramref name="text"/> (as generation would feed them, with the beginning-of-sequence token when the model wants one) and their attention maps.</summary>
    /// <exception cref="ApiException">400 for empty text or more than <see cref="MaxTokens"/> tokens (or more than the context window).</exception>
    public AttentionResult Capture(string text)
    {
        if (string.IsNullOrEmpty(text)) throw ApiException.BadParam("text", "'text' must be a non-empty string: the prompt whose attention to show.", "missing_required_parameter");
        var ids = new List<int>();
        if (chat.BeginOfSequenceId is int bos) ids.Add(bos);
        try { ids.AddRange(chat.Tokenizer.Encode(text)); }
        catch (ArgumentException e) { throw ApiException.BadParam("text", $"'text' cannot be tokenized by this model's tokenizer: {e.Message}"); }
        var cfg = chat.Generator.Config;
        int limit = Math.Min(MaxTokens, cfg.BlockSize);
        if (ids.Count == 0) throw ApiException.BadParam("text", "'text' produced no tokens.");
        if (ids.Count > limit)
            throw new ApiException(400, $"'text' is {ids.Count} tokens; attention maps are drawn for at most {limit} (layers × heads × T² numbers).", param: "text", code: "too_many_tokens");

        float[] all;
        lock (_gate)
        {
            _generator ??= chat.Generator.Quantized is { } q ? new Generator(q) : new Generator(chat.Generator.Model);
            all = _generator.CaptureAttention(ids.ToArray()).Span.ToArray(); // [L, H, T, T]
        }
        int t = ids.Count;
        var maps = new float[cfg.Layers][][][];
        for (int l = 0; l < cfg.Layers; l++)
        {
            maps[l] = new float[cfg.Heads][][];
            for (int h = 0; h < cfg.Heads; h++)
            {
                maps[l][h] = new float[t][];
                for (int row = 0; row < t; row++)
                {
                    var src = all.AsSpan(((l * cfg.Heads + h) * t + row) * t, t);
                    var dst = maps[l][h][row] = new float[row + 1]; // only the visible past: keys 0..row
                    for (int k = 0; k <= row; k++) dst[k] = MathF.Round(src[k], 4);
                }
            }
        }
        return new AttentionResult([.. ids.Select(chat.Tokenizer.TokenPiece)], [.. ids], maps);
    }
}

/// <summary>What <c>POST /playground/attention</c> returns.</summary>
/// <param name="Tokens">Each token's text piece.</param>
/// <param name="Ids">The token ids.</param>
/// <param name="Attention"><c>[layer][head][query][key]</c>, row q holding keys 0..q (the causal triangle), rounded to 4 decimals; each row sums to 1.</param>
public sealed record AttentionResult(
    [property: JsonPropertyName("tokens")] string[] Tokens,
    [property: JsonPropertyName("ids")] int[] Ids,
    [property: JsonPropertyName("attention")] float[][][][] Attention);
