using System.Text;
using Microsoft.AspNetCore.Http;
using SharpLM.Serving;

namespace SharpLM.Server;

/// <summary>
/// <c>POST /v1/completions</c>: plain text continuation, one choice per prompt, as one
/// <c>text_completion</c> object or (with <c>stream</c>) server-sent <c>text_completion</c> chunks
/// ended by <c>data: [DONE]</c>. Logprobs come in the legacy shape (<c>tokens</c>,
/// <c>token_logprobs</c>, <c>top_logprobs</c> as token → logprob maps, <c>text_offset</c>).
/// </summary>
internal static class CompletionEndpoint
{
    public static async Task Handle(HttpContext context, LanguageModelService service)
    {
        var body = await Wire.ReadBody(context);
        if (body is null) return;
        CompletionRequest request;
        try { request = CompletionRequest.Parse(body.Value); }
        catch (ApiException e) { await Wire.WriteError(context, e); return; }

        string id = "cmpl-" + Guid.NewGuid().ToString("N");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var choices = new List<object>();
        int promptTokens = 0, completionTokens = 0;
        for (int index = 0; index < request.Prompts.Count; index++)
        {
            var (text, ids) = request.Prompts[index];
            var started = await Wire.Start(context, service, request.Model, "prompt", () =>
                service.StreamAsync(ids ?? service.EncodePrompt(text!, request.Options), request.Options, request.Logprobs, context.RequestAborted),
                afterHeaders: request.Stream && index > 0);
            if (started is null) return;
            await using var pieces = started;
            if (request.Stream && index == 0) Wire.StartEvents(context);

            var answer = new StringBuilder();
            var tokens = new List<(GeneratedTokenLogprobs Token, int Offset)>();
            CompletionResult? result = null;
            do
            {
                var d = pieces.Current;
                if (d.Result is not null) { result = d.Result; break; }
                int offset = answer.Length;
                foreach (var t in d.Logprobs) tokens.Add((t, offset));
                answer.Append(d.Text);
                if (request.Stream && (d.Text.Length > 0 || d.Logprobs.Count > 0))
                    await Wire.Send(context, Chunk(id, created, service.ModelName, index, d.Text, request.Logprobs is null ? null : Logprobs(d.Logprobs.Select(t => (t, offset)).ToList()), null));
            } while (await pieces.MoveNextAsync());
            promptTokens += result!.PromptTokens;
            completionTokens += result.CompletionTokens;
            if (request.Stream) await Wire.Send(context, Chunk(id, created, service.ModelName, index, "", null, Wire.FinishName(result)));
            else choices.Add(new { text = answer.ToString(), index, logprobs = request.Logprobs is null ? null : Logprobs(tokens), finish_reason = Wire.FinishName(result) });
        }

        var usage = new { prompt_tokens = promptTokens, completion_tokens = completionTokens, total_tokens = promptTokens + completionTokens };
        if (!request.Stream)
        {
            await context.Response.WriteAsJsonAsync(new { id, @object = "text_completion", created, model = service.ModelName, choices, usage }, Wire.Json);
            return;
        }
        if (request.IncludeUsage)
            await Wire.Send(context, new { id, @object = "text_completion", created, model = service.ModelName, choices = Array.Empty<object>(), usage });
        await Wire.Done(context);
    }

    private static object Chunk(string id, long created, string model, int index, string text, object? logprobs, string? finish) => new
    {
        id, @object = "text_completion", created, model,
        choices = new[] { new { text, index, logprobs, finish_reason = finish } },
    };

    /// <summary>The legacy logprobs object; offsets count characters from the start of the completion.</summary>
    private static object Logprobs(IReadOnlyList<(GeneratedTokenLogprobs Token, int Offset)> tokens) => new
    {
        tokens = tokens.Select(t => t.Token.Chosen.Token).ToArray(),
        token_logprobs = tokens.Select(t => t.Token.Chosen.Logprob).ToArray(),
        top_logprobs = tokens.Select(t =>
        {
            var map = new Dictionary<string, float>();
            foreach (var a in t.Token.Top) map.TryAdd(a.Token, a.Logprob);
            return map;
        }).ToArray(),
        text_offset = tokens.Select(t => t.Offset).ToArray(),
    };
}
