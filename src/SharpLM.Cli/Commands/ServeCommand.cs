using System.CommandLine;
using Microsoft.Extensions.Hosting;
using SharpLM.Chat;
using SharpLM.Server;

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
        var cmd = new Command("serve", "Serve a model over an OpenAI-compatible HTTP API (/v1/chat/completions, streaming, /v1/models).");
        foreach (Option o in new Option[] { model, tokenizer, host, port, apiKey, name, template, threads }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            GenerateModelLoader.SetThreads(pr.GetValue(threads));
            int p = pr.GetValue(port);
            if (p is < 0 or > 65535) throw new CliException($"--port must be in 0..65535, got {p}.");
            string path = pr.GetValue(model) ?? throw new CliException("--model is required.");
            var (generator, _) = GenerateModelLoader.LoadTextGenerator(path, pr.GetValue(tokenizer));
            var chatTemplate = Resolve(pr.GetValue(template) ?? "auto", path);
            string id = pr.GetValue(name) ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)));
            var app = SharpLMServer.Build(generator, chatTemplate, new ServerOptions { ModelName = id, Host = pr.GetValue(host) ?? "127.0.0.1", Port = p, ApiKey = pr.GetValue(apiKey) });
            app.Start();
            Console.Error.WriteLine($"serving '{id}' (chat template {chatTemplate.Name}) on {string.Join(", ", app.Urls)}; Ctrl+C stops");
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
