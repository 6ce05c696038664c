using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.DependencyInjection;
using SharpLM.Generation;
using SharpLM.Serving;

namespace SharpLM.Server;

/// <summary>
/// The web playground: a plain HTML/JS/CSS page (wwwroot, embedded in this assembly so the
/// server and the packed tool carry it and it works offline) served at <c>/</c>, plus the
/// extension routes it uses beside the OpenAI API:
/// <c>GET /playground/info</c> (model, template, layers, heads),
/// <c>POST /playground/prompt</c> (a chat-completions body rendered with the chat template: the text the model really sees), and
/// <c>POST /playground/attention</c> (<c>{"text"}</c> → tokens and <c>[layer][head][query][key]</c> attention).
/// Chat itself goes through <c>/v1/chat/completions</c> with <c>logprobs</c>, like any client.
/// </summary>
public static class PlaygroundEndpoints
{
    /// <summary>Adds the page and the <c>/playground/*</c> routes to <paramref name="app"/>.</summary>
    public static void Map(WebApplication app, TextGenerator generator, ServerOptions options)
    {
        var chat = app.Services.GetRequiredService<LanguageModelService>();
        var files = new EmbeddedFileProvider(typeof(PlaygroundEndpoints).Assembly, "SharpLM.Server.wwwroot");
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        app.MapGet("/", () => Results.Stream(files.GetFileInfo("index.html").CreateReadStream(), "text/html; charset=utf-8"));

        var attention = new PlaygroundAttention(generator);
        var cfg = generator.Generator.Config;
        app.MapGet("/playground/info", () => Results.Json(new
        {
            model = options.ModelName,
            template = chat.Template.Name,
            context_length = cfg.BlockSize,
            layers = cfg.Layers,
            heads = cfg.Heads,
            max_attention_tokens = Math.Min(PlaygroundAttention.MaxTokens, cfg.BlockSize),
            api_key_required = options.ApiKey is not null,
        }, Wire.Json));

        app.MapPost("/playground/prompt", (HttpContext context) => Answer(context, options, body =>
        {
            var request = ChatCompletionRequest.Parse(body);
            try { return new { prompt = chat.Template.Render(request.Messages, addGenerationPrompt: true) }; }
            catch (ArgumentException e) { throw ApiException.BadParam("messages", e.Message); }
        }));

        app.MapPost("/playground/attention", (HttpContext context) => Answer(context, options, body =>
        {
            if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
                throw ApiException.BadParam("text", "the body must be {\"text\": \"...\"}: the prompt whose attention to show.", "missing_required_parameter");
            return attention.Capture(text.GetString()!);
        }));
    }

    // Checks the API key (when the server has one), reads the JSON body, runs `handle`, writes its result or the OpenAI error.
    private static async Task Answer(HttpContext context, ServerOptions options, Func<JsonElement, object> handle)
    {
        try
        {
            if (options.ApiKey is { } key && context.Request.Headers.Authorization.ToString() != "Bearer " + key)
                throw new ApiException(401, "Missing or incorrect API key: send 'Authorization: Bearer <key>'.", code: "invalid_api_key");
            if (await Wire.ReadBody(context) is not { } body) return; // bad JSON: the error is written
            await context.Response.WriteAsJsonAsync(handle(body), Wire.Json);
        }
        catch (ApiException e) { await Wire.WriteError(context, e); }
    }
}
