using System.CommandLine;
using Microsoft.Extensions.Hosting;
using SharpLM.Chat;
using SharpLM.Server;
using SharpLM.Serving;

namespace SharpLM.Cli.Commands;

/// <summary>
/// <c>sharplm serve</c>: serves one model over the OpenAI chat-completions HTTP API (see
/// <see cref="SharpLMServer"/>), so OpenAI clients and SDKs can talk to it.
/// </summary>
public static class ServeCommand
{
    /// <summary>Builds the <c>serve</c> command.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Run folder (config.json, model.safetensors, tokenizer.json), a .gguf file or a llama2.c .bin file." };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer to use instead of the model's." };
        var host = new Option<string>("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "TCP port.", DefaultValueFactory = _ => 8080 };
        var apiKey = new Option<string?>("--api-key") { Description = "Require 'Authorization: Bearer KEY' on /v1 requests." };
        var name = new Option<string?>("--name") { Description = "Model id clients send as 'model' (default: the folder or file name)." };
        var template = new Option<string>("--template") { Description = $"Chat template: auto (the model's own, else ChatML) or one of {string.Join(", ", ChatTemplates.Names)}.", DefaultValueFactory = _ => "auto" };
        var threads = new Option<int>("--threads") { Description = "Kernel threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var parallel = new Option<int>("--parallel") { Description = "Sequences decoded at once (slots, each with its own KV cache; the weights are shared).", DefaultValueFactory = _ => 1 };
        var queue = new Option<int>("--queue-limit") { Description = "Requests that may wait for a slot when all are busy; beyond it the server answers 429.", DefaultValueFactory = _ => 64 };
        var maxBody = new Option<int>("--max-body-kb") { Description = "Largest request body in KiB (larger: 413).", DefaultValueFactory = _ => 4096 };
        var embeddingModel = new Option<string?>("--embedding-model") { Description = "A BERT folder to serve /v1/embeddings with (mean-pooled vectors, as 'sharplm embed')." };
        var embeddingName = new Option<string?>("--embedding-name") { Description = "Model id of the embedding model (default: its folder name)." };
        var cmd = new Command("serve", "Serve a model over an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/completions, /v1/embeddings, streaming, /v1/models).");
        foreach (Option o in new Option[] { model, tokenizer, host, port, apiKey, name, template, threads, parallel, queue, maxBody, embeddingModel, embeddingName }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            GenerateModelLoader.SetThreads(pr.GetValue(threads));
            int p = pr.GetValue(port);
            if (p is < 0 or > 65535) throw new CliException($"--port must be in 0..65535, got {p}.");
            string path = pr.GetValue(model) ?? throw new CliException("--model is required.");
            var (generator, _) = GenerateModelLoader.LoadTextGenerator(path, pr.GetValue(tokenizer));
            var chatTemplate = Resolve(pr.GetValue(template) ?? "auto", path);
            string id = pr.GetValue(name) ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)));
            int slots = pr.GetValue(parallel), queueLimit = pr.GetValue(queue), bodyKb = pr.GetValue(maxBody);
            if (slots is < 1 or > 256) throw new CliException($"--parallel must be in 1..256, got {slots}.");
            if (queueLimit < 0) throw new CliException($"--queue-limit must be ≥ 0, got {queueLimit}.");
            if (bodyKb < 1) throw new CliException($"--max-body-kb must be ≥ 1, got {bodyKb}.");
            SharpLMEmbeddingGenerator? embeddings = null;
            if (pr.GetValue(embeddingModel) is { } bertDir)
            {
                string embedId = pr.GetValue(embeddingName) ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(bertDir)));
                if (embedId == id) throw new CliException($"--embedding-name: '{embedId}' is already the chat model's id; give the embedding model another name.");
                try
                {
                    var (bert, wordPiece) = BertModelFolder.Load(bertDir);
                    embeddings = new SharpLMEmbeddingGenerator(bert, wordPiece, embedId);
                }
                catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or Tokenizers.TokenizerFormatException)
                {
                    throw new CliException($"--embedding-model: {e.Message}");
                }
            }
            var app = SharpLMServer.Build(generator, chatTemplate, new ServerOptions
            {
                ModelName = id, Host = pr.GetValue(host) ?? "127.0.0.1", Port = p, ApiKey = pr.GetValue(apiKey),
                Parallel = slots, QueueLimit = queueLimit, MaxRequestBodyBytes = bodyKb * 1024L,
            }, embeddings);
            app.Start();
            Console.Error.WriteLine($"serving '{id}' (chat template {chatTemplate.Name}, {slots} slot(s), queue {queueLimit})"
                + (embeddings is null ? "" : $" and embeddings '{embeddings.ModelName}'") + $" on {string.Join(", ", app.Urls)}; Ctrl+C stops");
            app.WaitForShutdown();
            return 0;
        });
        return cmd;
    }

    private static ChatTemplate Resolve(string name, string modelPath)
    {
        try { return name.Equals("auto", StringComparison.OrdinalIgnoreCase) ? ChatTemplates.ForModel(modelPath) : ChatTemplates.Get(name); }
        catch (Exception e) when (e is ArgumentException or InvalidDataException) { throw new CliException($"--template: {e.Message}"); }
    }
}
