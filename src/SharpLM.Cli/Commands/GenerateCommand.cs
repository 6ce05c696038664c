using System.CommandLine;
using System.Globalization;
using SharpLM.Generation;

namespace SharpLM.Cli.Commands;

/// <summary><c>sharplm generate</c>: continue a prompt with a trained model, streaming the text, then report prefill and decode speed.</summary>
public static class GenerateCommand
{
    /// <summary>Creates the <c>generate</c> command.</summary>
    public static Command Create()
    {
        var shared = new GenerateSamplingOptions();
        var prompt = new Option<string>("--prompt") { Description = "The text to continue (empty: start from <|endoftext|>).", DefaultValueFactory = _ => "" };
        var cmd = new Command("generate", "Generate text from a prompt with a trained model (KV cache, streaming).");
        cmd.Options.Add(prompt);
        shared.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            var options = shared.Read(pr);
            GenerateModelLoader.SetThreads(pr.GetValue(shared.Threads));
            var (generator, tokenizer) = GenerateModelLoader.LoadTextGenerator(pr.GetValue(shared.Model), pr.GetValue(shared.Tokenizer));
            string text = pr.GetValue(prompt) ?? "";
            var stdout = Console.Out;
            stdout.Write(text);
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
