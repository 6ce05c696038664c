using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SharpLM.Chat;
using SharpLM.Generation;
using SharpLM.Serving;

namespace SharpLM.Server;

/// <summary>
/// The OpenAI-compatible HTTP API over one SharpLM decoder (and optionally one encoder for
/// embeddings), as an ASP.NET Core minimal API: <c>GET /health</c>, <c>GET /v1/models</c>,
/// <c>POST /v1/chat/completions</c>, <c>POST /v1/completions</c> (whole or streamed as server-sent
/// events in OpenAI's chunk format) and <c>POST /v1/embeddings</c>. Generation runs on a
/// <see cref="LanguageModelService"/> (slots, bounded queue: 429 beyond it); errors are OpenAI
/// error objects; bodies over the size limit get a 413.
/// </summary>
public static class SharpLMServer
{
    /// <summary>
    /// Builds (does not start) the web application serving <paramref name="generator"/> with
    /// <paramref name="template"/>, in <see cref="ServerOptions.Parallel"/> slots sharing its weights,
    /// and <paramref name="embeddings"/> (if any) on <c>/v1/embeddings</c>.
    /// </summary>
    public static WebApplication Build(TextGenerator generator, ChatTemplate template, ServerOptions options, IEmbeddingGenerator<string, Embedding<float>>? embeddings = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(options);
        var app = Build(LanguageModelService.Create(generator, template, options.ModelName, options.Parallel, options.QueueLimit), options, embeddings);
        PlaygroundEndpoints.Map(app, generator, options); // the web page at / and its /playground/* routes (attention maps need the weights)
        return app;
    }

    /// <summary>Builds (does not start) the web application over <paramref name="service"/> (the same service a <see cref="SharpLMChatClient"/> runs on).</summary>
    public static WebApplication Build(LanguageModelService service, ServerOptions options, IEmbeddingGenerator<string, Embedding<float>>? embeddings = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxRequestBodyBytes < 1) throw new ArgumentOutOfRangeException(nameof(options), $"the request body limit must be ≥ 1 byte, got {options.MaxRequestBodyBytes}.");
        string? embeddingModel = embeddings?.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId ?? (embeddings is null ? null : "embeddings");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{(options.Host.Contains(':') ? $"[{options.Host}]" : options.Host)}:{options.Port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        app.Use(async (context, next) =>
        {
            if (options.ApiKey is { } key && context.Request.Path.StartsWithSegments("/v1")
                && context.Request.Headers.Authorization.ToString() != "Bearer " + key)
            {
                await WriteError(context, new ApiException(401, "Missing or incorrect API key: send 'Authorization: Bearer <key>'.", code: "invalid_api_key"));
                return;
            }
            try { await next(context); }
            catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
            {
                await WriteError(context, new ApiException(500, $"The server failed on this request: {e.Message}", type: "server_error"));
            }
        });

        app.MapGet("/health", () =>
        {
            var load = service.Engine.Load;
            return Results.Json(new { status = "ok", model = service.ModelName, embedding_model = embeddingModel, slots = load.Slots, slots_busy = load.Busy, queued = load.Queued, queue_limit = load.QueueLimit });
        });
        app.MapGet("/v1/models", () => Results.Json(new
        {
            @object = "list",
            data = new[] { service.ModelName, embeddingModel }.OfType<string>().Select(id => new { id, @object = "model", created, owned_by = "sharplm" }).ToArray(),
        }));
        app.MapPost("/v1/chat/completions", (HttpContext context) => ChatCompletionEndpoint.Handle(context, service));
        app.MapPost("/v1/completions", (HttpContext context) => CompletionEndpoint.Handle(context, service));
        app.MapPost("/v1/embeddings", (HttpContext context) => EmbeddingEndpoint.Handle(context, embeddings, embeddingModel, service.ModelName));
        return app;
    }

    /// <summary>Writes <paramref name="error"/> as an OpenAI error response.</summary>
    internal static Task WriteError(HttpContext context, ApiException error) => Wire.WriteError(context, error);
}
