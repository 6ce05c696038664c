using System.CommandLine;
using SharpLM.Generation;

namespace SharpLM.Cli.Commands;

/// <summary>
/// <c>sharplm chat</c>: an interactive loop. Each line read from stdin is added to the
/// conversation (kept in the KV cache, sliding when the context window fills) and the
/// model's reply is streamed back. <c>/reset</c> forgets the history, <c>/quit</c> ends.
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
        var cmd = new Command("chat", "Chat with a model: reads stdin line by line, keeps the history within the context window.");
        cmd.Options.Add(user); cmd.Options.Add(reply); cmd.Options.Add(system);
        shared.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            // A reply ends at a blank line unless --stop says otherwise.
            var options = shared.Read(pr, (pr.GetValue(shared.Stop) ?? []).Length == 0 ? ["\n\n"] : null);
            GenerateModelLoader.SetThreads(pr.GetValue(shared.Threads));
            var (generator, tokenizer) = GenerateModelLoader.LoadTextGenerator(pr.GetValue(shared.Model), pr.GetValue(shared.Tokenizer));
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
}
