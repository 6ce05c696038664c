using System.CommandLine;
using System.Globalization;
using SharpLM.Generation;
using SharpLM.Models;
using SharpLM.Tokenizers;

namespace SharpLM.Cli.Commands;

/// <summary>One row of <c>sharplm next</c>: a candidate next token with its logit and softmax probability.</summary>
/// <param name="Rank">1 for the most likely token.</param>
/// <param name="Id">Token id.</param>
/// <param name="Piece">The token's text as the tokenizer shows it.</param>
/// <param name="Logit">The raw score the model gave it.</param>
/// <param name="Probability">softmax of the logits over the whole vocabulary.</param>
public sealed record NextTokenRow(int Rank, int Id, string Piece, float Logit, double Probability);

/// <summary>
/// <c>sharplm next</c>: shows what the model thinks comes next after a text: the top tokens
/// with their logits (raw scores) and probabilities (softmax of the logits), the last step
/// before a sampler picks one.
/// </summary>
public static class NextCommand
{
    /// <summary>Creates the <c>next</c> command.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Run folder with config.json, model.safetensors and tokenizer.json, or a llama2.c .bin checkpoint." };
        var tokenizerOption = new Option<string?>("--tokenizer") { Description = "Tokenizer to use instead of the model's (tokenizer.json, llama2.c's tokenizer.bin, …)." };
        var text = new Option<string>("--text") { Description = "The text whose next token to predict." };
        var top = new Option<int>("--top") { Description = "How many tokens to list.", DefaultValueFactory = _ => 10 };
        var threads = new Option<int>("--threads") { Description = "Kernel threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cmd = new Command("next", "Print the most likely next tokens after a text, with logits and probabilities.");
        cmd.Options.Add(model); cmd.Options.Add(tokenizerOption); cmd.Options.Add(text); cmd.Options.Add(top); cmd.Options.Add(threads);
        cmd.SetAction(pr =>
        {
            int n = pr.GetValue(top);
            if (n < 1) throw new CliException($"--top must be ≥ 1, got {n}.");
            string input = pr.GetValue(text) ?? throw new CliException("--text is required: the text whose next token to predict.");
            GenerateModelLoader.SetThreads(pr.GetValue(threads));
            var (gpt, tokenizer) = GenerateModelLoader.Load(pr.GetValue(model), pr.GetValue(tokenizerOption));
            var rows = TopTokens(gpt, tokenizer, input, n);
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine($"after {tokenizer.Encode(input).Length} tokens: {Quote(input)}");
            Console.WriteLine($"{"rank",4}  {"id",7}  {"token",-20} {"logit",9}  {"probability",11}");
            foreach (var r in rows)
                Console.WriteLine(string.Format(inv, "{0,4}  {1,7}  {2,-20} {3,9:F3}  {4,10:F4}  {5}",
                    r.Rank, r.Id, Quote(r.Piece), r.Logit, r.Probability, new string('█', (int)Math.Round(r.Probability * 30))));
            return 0;
        });
        return cmd;
    }

    /// <summary>The <paramref name="top"/> most likely next tokens after <paramref name="text"/>, most likely first.</summary>
    public static IReadOnlyList<NextTokenRow> TopTokens(Gpt model, ITokenizer tokenizer, string text, int top)
    {
        var ids = tokenizer.Encode(text);
        if (ids.Length == 0)
            ids = tokenizer.SpecialTokens.TryGetValue("<|endoftext|>", out int eot) ? [eot]
                : throw new CliException("--text is empty and the tokenizer has no <|endoftext|> to start from.");
        if (ids.Length > model.Config.BlockSize) ids = ids[^model.Config.BlockSize..];
        var generator = new Generator(model);
        var logits = generator.Prefill(ids).ToArray();
        double max = logits.Max(), sum = 0;
        foreach (var l in logits) sum += Math.Exp(l - max);
        return Enumerable.Range(0, logits.Length)
            .OrderByDescending(i => logits[i]).ThenBy(i => i).Take(top)
            .Select((id, rank) => new NextTokenRow(rank + 1, id, SafePiece(tokenizer, id), logits[id], Math.Exp(logits[id] - max) / sum))
            .ToList();
    }

    private static string SafePiece(ITokenizer tokenizer, int id)
    {
        try { return tokenizer.TokenPiece(id); }
        catch (ArgumentException) { return $"<{id}>"; }
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\n", "\\n").Replace("\t", "\\t").Replace("\r", "\\r") + "\"";
}
