using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SharpLM.Serving;

namespace SharpLM.Server;

/// <summary>
/// What every OpenAI route shares on the wire: reading the JSON body, starting a generation with
/// its errors mapped to OpenAI error objects (404 unknown model, 400 bad prompt or over the
/// context, 429 when every slot is busy and the queue is full), server-sent events, usage and
/// logprobs in OpenAI's shapes.
/// </summary>
internal static class Wire
{
    /// <summary>How responses are serialised (field names are written as OpenAI spells them, nulls kept).</summary>
    public static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never };

    /// <summary>Writes <paramref name="error"/> as an OpenAI error response.</summary>
    public static Task WriteError(HttpContext context, ApiException error)
    {
        context.Response.StatusCode = error.Status;
        if (error.Status == 429) context.Response.Headers.RetryAfter = "1";
        return context.Response.WriteAsJsonAsync(error.Body);
    }

    /// <summary>Parses the body as JSON; on failure writes the error (400 bad JSON, 413 too large) and returns null.</summary>
    public static async Task<JsonElement?> ReadBody(HttpContext context)
    {
        try
        {
            using var doc = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            return doc.RootElement.Clone();
        }
        catch (JsonException e) { await WriteError(context, new ApiException(400, $"The request body is not valid JSON: {e.Message}", code: "invalid_json")); }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await WriteError(context, new ApiException(413, $"The request body is larger than this server accepts ({e.Message}).", code: "request_too_large"));
        }
        return null;
    }

    /// <summary>
    /// Checks the model, starts the generation and waits for its first piece (slot, prefill), so
    /// every refusal is still an error response; returns the stream positioned on its first piece,
    /// or null after writing the error (as a last <c>data: {"error": ...}</c> event when
    /// <paramref name="afterHeaders"/>: an event stream has already begun).
    /// </summary>
    public static async Task<IAsyncEnumerator<CompletionDelta>?> Start(HttpContext context, LanguageModelService service, string model, string promptParam,
        Func<IAsyncEnumerable<CompletionDelta>> begin, bool afterHeaders = false)
    {
        IAsyncEnumerator<CompletionDelta>? pieces = null;
        try
        {
            if (model != service.ModelName)
                throw new ApiException(404, $"The model '{model}' does not exist; this server serves '{service.ModelName}'.", param: "model", code: "model_not_found");
            pieces = begin().GetAsyncEnumerator(context.RequestAborted);
            if (!await pieces.MoveNextAsync()) throw new InvalidOperationException("the generation produced no result.");
            return pieces;
        }
        catch (Exception e) when (Refusal(e, promptParam) is { } error)
        {
            if (pieces is not null) await pieces.DisposeAsync();
            if (afterHeaders) { await Send(context, error.Body); await Done(context); }
            else await WriteError(context, error);
            return null;
        }
    }

    private static ApiException? Refusal(Exception e, string promptParam) => e switch
    {
        ApiException a => a,
        PromptTooLongException p => new ApiException(400, p.Message, param: promptParam, code: "context_length_exceeded"),
        EngineBusyException b => new ApiException(429, $"The server is busy: {b.Message}", type: "rate_limit_exceeded", code: "server_busy"),
        ArgumentException a => ApiException.BadParam(promptParam, a.Message),
        _ => null,
    };

    /// <summary>Starts a server-sent-event response.</summary>
    public static void StartEvents(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
    }

    /// <summary>Sends one event and flushes it to the client.</summary>
    public static async Task Send(HttpContext context, object chunk)
    {
        await context.Response.WriteAsync("data: " + JsonSerializer.Serialize(chunk, Json) + "\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    /// <summary>Ends an event stream with <c>data: [DONE]</c>.</summary>
    public static async Task Done(HttpContext context)
    {
        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    /// <summary>OpenAI's usage object.</summary>
    public static object Usage(CompletionResult r) => new { prompt_tokens = r.PromptTokens, completion_tokens = r.CompletionTokens, total_tokens = r.TotalTokens };

    /// <summary>OpenAI's finish_reason: "stop" for an end-of-text token or stop sequence, "length" for the token limit or a full context.</summary>
    public static string FinishName(CompletionResult r) => r.Stopped ? "stop" : "length";

    /// <summary>Chat completions' <c>logprobs</c>: <c>{"content": [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}], "refusal": null}</c>.</summary>
    public static object ChatLogprobs(IReadOnlyList<GeneratedTokenLogprobs> tokens) => new
    {
        content = tokens.Select(t => new
        {
            token = t.Chosen.Token, logprob = t.Chosen.Logprob, bytes = Bytes(t.Chosen),
            top_logprobs = t.Top.Select(a => new { token = a.Token, logprob = a.Logprob, bytes = Bytes(a) }).ToArray(),
        }).ToArray(),
        refusal = (object?)null,
    };

    /// <summary>A token's bytes as OpenAI writes them: a list of integers (not base64).</summary>
    public static int[] Bytes(TokenLogprob t) => [.. t.Bytes.Select(b => (int)b)];
}
