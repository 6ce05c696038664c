using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using static SharpLM.Server.RequestFields;

namespace SharpLM.Server;

/// <summary>
/// <c>POST /v1/embeddings</c>: one vector per input text (<c>input</c> a string or an array of
/// strings), as floats or, with <c>encoding_format: "base64"</c>, little-endian float32 bytes in
/// base64 — computed by the server's <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> (the
/// encoder model given with <c>--embedding-model</c>). Without one, a request is a 400.
/// </summary>
internal static class EmbeddingEndpoint
{
    /// <summary>Most inputs in one request.</summary>
    public const int MaxInputs = 2048;

    private static readonly HashSet<string> Known = ["model", "input", "encoding_format", "dimensions"];

    public static async Task Handle(HttpContext context, IEmbeddingGenerator<string, Embedding<float>>? generator, string? embeddingModel, string chatModel)
    {
        var body = await Wire.ReadBody(context);
        if (body is null) return;
        try
        {
            var root = body.Value;
            if (root.ValueKind != JsonValueKind.Object) throw new ApiException(400, "the request body must be a JSON object.");
            RejectUnknown(root, Known);
            string model = String(root, "model") ?? throw ApiException.BadParam("model", "'model' is required.", "missing_required_parameter");
            if (generator is null || model != embeddingModel)
            {
                if (generator is null && model == chatModel)
                    throw ApiException.BadParam("model", $"'{model}' is a text-generation model; this server has no embedding model loaded (start it with --embedding-model DIR).", "model_not_embedding");
                throw new ApiException(404, generator is null
                    ? $"The model '{model}' does not exist; this server has no embedding model loaded (start it with --embedding-model DIR)."
                    : $"The model '{model}' does not exist; this server embeds with '{embeddingModel}'.", param: "model", code: "model_not_found");
            }
            var inputs = Inputs(root);
            string format = String(root, "encoding_format") ?? "float";
            if (format is not ("float" or "base64")) throw ApiException.BadParam("encoding_format", $"'encoding_format' must be \"float\" or \"base64\", got \"{format}\".");
            int? dimensions = Int(root, "dimensions");

            GeneratedEmbeddings<Embedding<float>> vectors;
            try { vectors = await generator.GenerateAsync(inputs, new EmbeddingGenerationOptions { Dimensions = dimensions }, context.RequestAborted); }
            catch (ArgumentException e) when (dimensions is not null) { throw ApiException.BadParam("dimensions", e.Message); }
            catch (ArgumentException e) { throw ApiException.BadParam("input", e.Message); }
            long tokens = vectors.Usage?.InputTokenCount ?? 0;
            await context.Response.WriteAsJsonAsync(new
            {
                @object = "list",
                data = vectors.Select((v, i) => new
                {
                    @object = "embedding", index = i,
                    embedding = format == "float" ? (object)v.Vector.ToArray() : Convert.ToBase64String(MemoryMarshal.AsBytes(v.Vector.Span)),
                }).ToArray(),
                model,
                usage = new { prompt_tokens = tokens, total_tokens = tokens },
            }, Wire.Json);
        }
        catch (ApiException e) { await Wire.WriteError(context, e); }
    }

    private static List<string> Inputs(JsonElement root)
    {
        const string shape = "'input' must be a string or a non-empty array of strings (token-id inputs are not supported for encoder models).";
        if (!root.TryGetProperty("input", out var input) || input.ValueKind == JsonValueKind.Null)
            throw ApiException.BadParam("input", "'input' is required.", "missing_required_parameter");
        if (input.ValueKind == JsonValueKind.String) return [input.GetString()!];
        if (input.ValueKind != JsonValueKind.Array || input.GetArrayLength() == 0) throw ApiException.BadParam("input", shape);
        if (input.GetArrayLength() > MaxInputs) throw ApiException.BadParam("input", $"'input' takes at most {MaxInputs} texts, got {input.GetArrayLength()}.");
        return [.. input.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw ApiException.BadParam("input", shape))];
    }
}
