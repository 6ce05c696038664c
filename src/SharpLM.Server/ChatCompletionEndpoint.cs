using System.Text;
using Microsoft.AspNetCore.Http;
using SharpLM.Serving;

namespace SharpLM.Server;

/// <summary>
/// <c>POST /v1/chat/completions</c>: one <c>chat.completion</c> object, or with <c>stream</c> a
/// server-sent-event stream of <c>chat.completion.chunk</c> objects (the role first, then content
/// deltas with their logprobs when asked, then the finish reason, then usage when asked) ended by
/// <c>data: [DONE]</c>. Generation runs through the shared <see cref="LanguageModelService"/>.
/// </summary>
internal static class ChatCompletionEndpoint
{
    public static async Task Handle(HttpContext context, LanguageModelService service)
    {
        var body = await Wire.ReadBody(context);
        if (body is null) return;
        ChatCompletionRequest request;
        try { request = ChatCompletionRequest.Parse(body.Value); }
        catch (ApiException e) { await Wire.WriteError(context, e); return; }

        string id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var started = await Wire.Start(context, service, request.Model, "messages",
            () => service.StreamChatAsync(request.Messages, request.Options, request.TopLogprobs, context.RequestAborted));
        if (started is null) return;
        await using var pieces = started;
        bool logprobs = request.TopLogprobs is not null;

        if (!request.Stream)
        {
            var text = new StringBuilder();
            var tokens = new List<GeneratedTokenLogprobs>();
            CompletionResult? result = null;
            do
            {
                text.Append(pieces.Current.Text);
                tokens.AddRange(pieces.Current.Logprobs);
                result ??= pieces.Current.Result;
            } while (await pieces.MoveNextAsync());
            await context.Response.WriteAsJsonAsync(new
            {
                id, @object = "chat.completion", created, model = service.ModelName,
                choices = new[]
                {
                    new
                    {
                        index = 0, message = new { role = "assistant", content = text.ToString(), refusal = (string?)null },
                        logprobs = logprobs ? Wire.ChatLogprobs(tokens) : null, finish_reason = Wire.FinishName(result!),
                    },
                },
                usage = Wire.Usage(result!),
            }, Wire.Json);
            return;
        }

        Wire.StartEvents(context);
        await Wire.Send(context, Chunk(id, created, service.ModelName, new { role = "assistant", content = "" }, null, null));
        CompletionResult? final = null;
        do
        {
            var d = pieces.Current;
            if (d.Result is not null) { final = d.Result; break; }
            if (d.Text.Length > 0 || d.Logprobs.Count > 0)
                await Wire.Send(context, Chunk(id, created, service.ModelName, new { content = d.Text }, logprobs ? Wire.ChatLogprobs(d.Logprobs) : null, null));
        } while (await pieces.MoveNextAsync());
        await Wire.Send(context, Chunk(id, created, service.ModelName, new { }, null, Wire.FinishName(final!)));
        if (request.IncludeUsage)
            await Wire.Send(context, new { id, @object = "chat.completion.chunk", created, model = service.ModelName, choices = Array.Empty<object>(), usage = Wire.Usage(final!) });
        await Wire.Done(context);
    }

    private static object Chunk(string id, long created, string model, object delta, object? logprobs, string? finish) => new
    {
        id, @object = "chat.completion.chunk", created, model,
        choices = new[] { new { index = 0, delta, logprobs, finish_reason = finish } },
    };
}
