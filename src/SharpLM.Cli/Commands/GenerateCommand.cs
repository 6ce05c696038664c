using System.CommandLine;
using System.Globalization;
using SharpLM.Chat;
using SharpLM.Generation;
using SharpLM.Training;

namespace SharpLM.Cli.Commands;

/// <summary>
/// <c>sharplm generate</c>: continue a prompt with a trained model, streaming the text, then report prefill and decode speed.
/// With <c>--template auto|NAME</c> the prompt is a user turn rendered by the chat template (the answer
/// stops at its end-of-turn marker); the default <c>none</c> continues the raw text.
/// </summary>
public static class GenerateCommand
{
    /// <summary>Creates the <c>generate</c> command.</summary>
    public static Command Create()
    {
        var shared = new GenerateSamplingOptions();
        var prompt = new Option<string>("--prompt") { Description = "The text to continue (empty: start from <|endoftext|>).", DefaultValueFactory = _ => "" };
        var cmd = new Command("generate", "Generate text from a prompt with a trained model (KV cache, streaming).");
        var template = new Option<string>("--template") { Description = $"Chat template: none (continue the raw prompt), auto (the model's own, else raw), or one of {string.Join(", ", ChatTemplates.Names)}: the prompt becomes a user turn.", DefaultValueFactory = _ => "none" };
        var system = new Option<string?>("--system") { Description = "With a template: a system message before the prompt." };
        cmd.Options.Add(prompt);
        cmd.Options.Add(template);
        cmd.Options.Add(system);
        shared.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            var options = shared.Read(pr);
            var chatTemplate = ChatCommand.ResolveTemplate(pr.GetValue(template) ?? "none", pr.GetValue(shared.Model));
            GenerateModelLoader.SetThreads(pr.GetValue(shared.Threads));
            var (generator, tokenizer) = GenerateModelLoader.LoadTextGenerator(pr.GetValue(shared.Model), pr.GetValue(shared.Tokenizer));
            string text = pr.GetValue(prompt) ?? "";
            var stdout = Console.Out;
            if (chatTemplate is not null)
            {
                // The prompt as a user turn; the output is the assistant's answer alone, ended by the template's marker.
                var messages = new List<ChatMessage>();
                if (!string.IsNullOrEmpty(pr.GetValue(system))) messages.Add(new ChatMessage(ChatMessage.System, GenerateSamplingOptions.Unescape(pr.GetValue(system)!)));
                messages.Add(new ChatMessage(ChatMessage.User, text));
                var (rendered, bos) = InstructionAnswers.Prompt(generator, chatTemplate, messages);
                Console.Error.WriteLine($"chat template: {chatTemplate.Name}");
                text = rendered;
                options = options with { PrependBos = options.PrependBos || bos, StopSequences = [.. options.StopSequences, .. chatTemplate.StopStrings] };
            }
            else stdout.Write(text);
            try
            {
                foreach (var piece in generator.Stream(text, options))
                {
                    stdout.Write(piece);
                    stdout.Flush();
                }
            }
            catch (ArgumentException e)   // e.g. an empty prompt and a tokenizer with no start token
            {
                throw new CliException($"--prompt: {e.Message}");
            }
            stdout.WriteLine();
            var s = generator.LastStats!;
            Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "[prefill {0} tokens, {1:F1} tok/s | decode {2} tokens, {3:F1} tok/s | stopped: {4}]",
                s.PromptTokens, s.PrefillTokensPerSecond, s.GeneratedTokens, s.DecodeTokensPerSecond, s.Finish));
            return 0;
        });
        return cmd;
    }
}
