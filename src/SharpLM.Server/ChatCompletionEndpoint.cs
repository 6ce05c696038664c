using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SharpLM.Generation;

namespace SharpLM.Server;

/// <summary>
/// <c>POST /v1/chat/completions</c>: one <c>chat.completion</c> object, or with <c>stream</c> a
/// server-sent-event stream of <c>chat.completion.chunk</c> objects (the role first, then content
/// deltas, then the finish reason, then usage when asked) ended by <c>data: [DONE]</c>.
/// </summary>
internal static class ChatCompletionEndpoint
{
    public static async Task Handle(HttpContext context, ChatCompletionService service)
    {
        ChatCompletionRequest request;
        try
        {
            using var doc = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            request = ChatCompletionRequest.Parse(doc.RootElement);
        }
        catch (JsonException e) { await SharpLMServer.WriteError(context, new ApiException(400, $"The request body is not valid JSON: {e.Message}", code: "invalid_json")); return; }
        catch (ApiException e) { await SharpLMServer.WriteError(context, e); return; }

        string id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        GenerationStats? stats = null;
        await using var pieces = service.StreamAsync(request, s => stats = s, context.RequestAborted).GetAsyncEnumerator(context.RequestAborted);
        bool any;
        try { any = await pieces.MoveNextAsync(); } // the model check, template and context check run before anything is sent
        catch (ApiException e) { await SharpLMServer.WriteError(context, e); return; }

        if (!request.Stream)
        {
            var text = new StringBuilder();
            while (any) { text.Append(pieces.Current); any = await pieces.MoveNextAsync(); }
            await context.Response.WriteAsJsonAsync(new
            {
                id, @object = "chat.completion", created, model = service.ModelName,
                choices = new[] { new { index = 0, message = new { role = "assistant", content = text.ToString() }, finish_reason = FinishName(stats!) } },
                usage = Usage(stats!),
            }, SharpLMServer.Json);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await Send(context, Chunk(id, created, service.ModelName, new { role = "assistant", content = "" }, null));
        while (any)
        {
            await Send(context, Chunk(id, created, service.ModelName, new { content = pieces.Current }, null));
            any = await pieces.MoveNextAsync();
        }
        await Send(context, Chunk(id, created, service.ModelName, new { }, FinishName(stats!)));
        if (request.IncludeUsage)
            await Send(context, new { id, @object = "chat.completion.chunk", created, model = service.ModelName, choices = Array.Empty<object>(), usage = Usage(stats!) });
        await context.Response.WriteAsync("data: [DONE]\n\n");
        await context.Response.Body.FlushAsync();
    }

    private static object Chunk(string id, long created, string model, object delta, string? finish) => new
    {
        id, @object = "chat.completion.chunk", created, model,
        choices = new[] { new { index = 0, delta, finish_reason = finish } },
    };

    private static async Task Send(HttpContext context, object chunk)
    {
        await context.Response.WriteAsync("data: " + JsonSerializer.Serialize(chunk, SharpLMServer.Json) + "\n\n");
        await context.Response.Body.FlushAsync();
    }

    private static object Usage(GenerationStats s) => new
    {
        prompt_tokens = s.PromptTokens, completion_tokens = s.GeneratedTokens, total_tokens = s.PromptTokens + s.GeneratedTokens,
    };

    /// <summary>OpenAI's finish_reason: "stop" for an end-of-text token or stop sequence, "length" for the token limit or a full context.</summary>
    internal static string FinishName(GenerationStats s) => s.Finish is FinishReason.StopToken or FinishReason.StopSequence ? "stop" : "length";
}
