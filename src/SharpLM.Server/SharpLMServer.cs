using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SharpLM.Chat;
using SharpLM.Generation;
using SharpLM.Serving;

namespace SharpLM.Server;

/// <summary>
/// The OpenAI-compatible HTTP API over one SharpLM model (ASP.NET Core minimal API):
/// <c>GET /health</c>, <c>GET /v1/models</c> and <c>POST /v1/chat/completions</c>, whole or
/// streamed as server-sent events in OpenAI's chunk format. Errors are OpenAI error objects.
/// </summary>
public static class SharpLMServer
{
    /// <summary>
    /// Builds (does not start) the web application serving <paramref name="generator"/> with
    /// <paramref name="template"/>, in <see cref="ServerOptions.Parallel"/> slots sharing its weights.
    /// </summary>
    public static WebApplication Build(TextGenerator generator, ChatTemplate template, ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(options);
        return Build(LanguageModelService.Create(generator, template, options.ModelName, options.Parallel, options.QueueLimit), options);
    }

    /// <summary>Builds (does not start) the web application over <paramref name="service"/> (the same service a <c>SharpLMChatClient</c> runs on).</summary>
    public static WebApplication Build(LanguageModelService service, ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
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

        app.MapGet("/health", () => Results.Json(new { status = "ok", model = options.ModelName }));
        app.MapGet("/v1/models", () => Results.Json(new
        {
            @object = "list",
            data = new[] { new { id = options.ModelName, @object = "model", created, owned_by = "sharplm" } },
        }));
        app.MapPost("/v1/chat/completions", (HttpContext context) => ChatCompletionEndpoint.Handle(context, service));
        return app;
    }

    /// <summary>Writes <paramref name="error"/> as an OpenAI error response.</summary>
    internal static Task WriteError(HttpContext context, ApiException error) => Wire.WriteError(context, error);
}
