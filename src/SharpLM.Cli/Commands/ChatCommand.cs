using System.CommandLine;
using SharpLM.Chat;
using SharpLM.Generation;

namespace SharpLM.Cli.Commands;

/// <summary>
/// <c>sharplm chat</c>: an interactive loop. Each line read from stdin is added to the
/// conversation (kept in the KV cache, sliding when the context window fills) and the
/// model's reply is streamed back. <c>/reset</c> forgets the history, <c>/quit</c> ends.
/// A model whose folder declares a known chat template (tokenizer_config.json's
/// <c>chat_template</c>), or one named by <c>--template</c>, gets its turns rendered by that
/// template (see <see cref="ChatTemplate"/>); other models get plain text with the prefixes.
/// </summary>
public static class ChatCommand
{
    /// <summary>Creates the <c>chat</c> command.</summary>
    public static Command Create()
    {
        var shared = new GenerateSamplingOptions();
        var user = new Option<string>("--user-prefix") { Description = "Text put before each of your lines.", DefaultValueFactory = _ => "" };
        var reply = new Option<string>("--reply-prefix") { Description = "Text put after your line, before the model's reply.", DefaultValueFactory = _ => "\\n" };
        var system = new Option<string>("--system") { Description = "Text the conversation starts with.", DefaultValueFactory = _ => "" };
        var template = new Option<string>("--template") { Description = $"Chat template: auto (the model's own, else plain text), none, or one of {string.Join(", ", ChatTemplates.Names)}.", DefaultValueFactory = _ => "auto" };
        var cmd = new Command("chat", "Chat with a model: reads stdin line by line, keeps the history within the context window.");
        cmd.Options.Add(user); cmd.Options.Add(reply); cmd.Options.Add(system); cmd.Options.Add(template);
        shared.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            var chatTemplate = ResolveTemplate(pr.GetValue(template) ?? "auto", pr.GetValue(shared.Model));
            // A plain-text reply ends at a blank line unless --stop says otherwise; a templated one at its end-of-turn marker.
            var options = shared.Read(pr, (pr.GetValue(shared.Stop) ?? []).Length == 0 && chatTemplate is null ? ["\n\n"] : null);
            GenerateModelLoader.SetThreads(pr.GetValue(shared.Threads));
            var (generator, tokenizer) = GenerateModelLoader.LoadTextGenerator(pr.GetValue(shared.Model), pr.GetValue(shared.Tokenizer));
            if (chatTemplate is not null)
            {
                Console.Error.WriteLine($"chat template: {chatTemplate.Name}");
                return TemplatedLoop(generator, chatTemplate, GenerateSamplingOptions.Unescape(pr.GetValue(system) ?? ""),
                    options with { StopSequences = [.. options.StopSequences, .. chatTemplate.StopStrings] });
            }
            string userPrefix = GenerateSamplingOptions.Unescape(pr.GetValue(user) ?? "");
            string replyPrefix = GenerateSamplingOptions.Unescape(pr.GetValue(reply) ?? "");
            string pendingSystem = GenerateSamplingOptions.Unescape(pr.GetValue(system) ?? "");
            bool interactive = !Console.IsInputRedirected;
            Console.Error.WriteLine($"chat with {generator.Generator.Config.Layers}-layer model, context {generator.Generator.Config.BlockSize} tokens; /reset forgets, /quit ends.");
            int turn = 0;
            while (true)
            {
                if (interactive) Console.Error.Write("> ");
                var line = Console.In.ReadLine();
                if (line is null || line.Trim() == "/quit") break;
                if (line.Trim() == "/reset") { generator.Reset(); turn = 0; Console.Error.WriteLine("(history cleared)"); continue; }
                string text = (turn == 0 ? pendingSystem : "\n") + userPrefix + line + replyPrefix;
                foreach (var piece in generator.Continue(text, options with { Sampling = options.Sampling with { Seed = options.Sampling.Seed + (ulong)turn } }))
                {
                    Console.Out.Write(piece);
                    Console.Out.Flush();
                }
                Console.Out.WriteLine();
                var s = generator.LastStats!;
                Console.Error.WriteLine($"[{s.GeneratedTokens} tokens, {s.DecodeTokensPerSecond:F1} tok/s, context {generator.Generator.Position}/{generator.Generator.Config.BlockSize}{(generator.Generator.Slides > 0 ? $", window slid {generator.Generator.Slides}×" : "")}]");
                turn++;
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>The template <c>--template</c> names: null for plain text (<c>none</c>, or <c>auto</c> with no known template in the model folder).</summary>
    internal static ChatTemplate? ResolveTemplate(string name, string? modelPath)
    {
        switch (name.Trim().ToLowerInvariant())
        {
            case "none": return null;
            case "auto":
                if (string.IsNullOrEmpty(modelPath) || !(Directory.Exists(modelPath) || File.Exists(modelPath))) return null;
                try { return ChatTemplates.ForModelOrNull(modelPath); }
                catch (InvalidDataException e) { throw new CliException($"--template auto: {e.Message}"); }
            default:
                try { return ChatTemplates.Get(name); }
                catch (ArgumentException e) { throw new CliException($"--template: {e.Message}"); }
        }
    }

    /// <summary>
    /// The chat loop with a template: each turn the whole conversation is rendered again and the
    /// context rebuilt from that rendering (one prefill), so the model sees exactly the text
    /// the template defines — its end-of-turn markers included — rather than the tokens it
    /// happened to sample. A conversation longer than the window keeps its latest tokens.
    /// </summary>
    private static int TemplatedLoop(TextGenerator generator, ChatTemplate template, string system, GenerationOptions options)
    {
        var messages = new List<ChatMessage>();
        if (system.Length > 0) messages.Add(new ChatMessage(ChatMessage.System, system));
        bool interactive = !Console.IsInputRedirected;
        bool bosFromTokenizer = template.BosToken.Length > 0 && TextGenerator.BosTokenOf(generator.Tokenizer) is not null;
        Console.Error.WriteLine($"chat with {generator.Generator.Config.Layers}-layer model, context {generator.Generator.Config.BlockSize} tokens; /reset forgets, /quit ends.");
        for (int turn = 0; ; turn++)
        {
            if (interactive) Console.Error.Write("> ");
            var line = Console.In.ReadLine();
            if (line is null || line.Trim() == "/quit") break;
            if (line.Trim() == "/reset")
            {
                generator.Reset(); messages.RemoveAll(m => m.Role != ChatMessage.System);
                Console.Error.WriteLine("(history cleared)"); continue;
            }
            messages.Add(new ChatMessage(ChatMessage.User, line));
            string rendered = template.Render(messages, addGenerationPrompt: true);
            // The template writes <s> as text; the generator puts the real start token in instead.
            if (bosFromTokenizer && rendered.StartsWith(template.BosToken, StringComparison.Ordinal)) rendered = rendered[template.BosToken.Length..];
            generator.Reset();
            var turnOptions = options with { PrependBos = options.PrependBos || bosFromTokenizer, Sampling = options.Sampling with { Seed = options.Sampling.Seed + (ulong)turn } };
            var reply = new System.Text.StringBuilder();
            foreach (var piece in generator.Continue(rendered, turnOptions))
            {
                reply.Append(piece);
                Console.Out.Write(piece);
                Console.Out.Flush();
            }
            Console.Out.WriteLine();
            messages.Add(new ChatMessage(ChatMessage.Assistant, reply.ToString()));
            var s = generator.LastStats!;
            Console.Error.WriteLine($"[{s.GeneratedTokens} tokens, {s.DecodeTokensPerSecond:F1} tok/s, context {generator.Generator.Position}/{generator.Generator.Config.BlockSize}]");
        }
        return 0;
    }
}
