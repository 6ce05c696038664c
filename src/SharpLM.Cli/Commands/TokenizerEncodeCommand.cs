using System.CommandLine;
using System.Globalization;
using System.Text;
using SharpLM.Tokenizers;

namespace SharpLM.Cli.Commands;

/// <summary><c>sharplm tokenizer encode|decode</c>: text → ids (one decimal id per line) and back.</summary>
public static class TokenizerEncodeCommand
{
    /// <summary>Creates the <c>encode</c> sub-command.</summary>
    public static Command CreateEncode()
    {
        var tokenizer = TokenizerCommand.TokenizerOption();
        var text = new Option<string?>("--text") { Description = "The text to encode." };
        var input = new Option<string?>("--input") { Description = "A UTF-8 file to encode (instead of --text)." };
        var output = new Option<string?>("--output") { Description = "Write ids here, one per line (default: standard output)." };
        var allowSpecial = new Option<bool>("--allow-special") { Description = "Turn text like <|endoftext|> into its special token (default: encode it as plain text)." };
        var threads = new Option<int>("--threads") { Description = "Threads for byte-level BPE on large inputs.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var cmd = new Command("encode", "Encode text to token ids, one decimal id per line.");
        foreach (var o in new Option[] { tokenizer, text, input, output, allowSpecial, threads }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            var tok = TokenizerCommand.Load(pr.GetValue(tokenizer)!);
            var source = TextFrom(pr.GetValue(text), pr.GetValue(input));
            int n = pr.GetValue(threads);
            if (n < 1) throw new CliException($"--threads must be ≥ 1, got {n}");
            bool special = pr.GetValue(allowSpecial);
            var ids = tok is BpeTokenizer bpe ? bpe.EncodeParallel(source, n, special) : tok.Encode(source, special);
            var sb = new StringBuilder(ids.Length * 6);
            foreach (var id in ids) sb.Append(id.ToString(CultureInfo.InvariantCulture)).Append('\n');
            TokenizerCommand.WriteOutput(pr.GetValue(output), sb.ToString());
            return 0;
        });
        return cmd;
    }

    /// <summary>Creates the <c>decode</c> sub-command.</summary>
    public static Command CreateDecode()
    {
        var tokenizer = TokenizerCommand.TokenizerOption();
        var ids = new Option<string?>("--ids") { Description = "Ids separated by spaces or commas, e.g. \"31373 995\"." };
        var input = new Option<string?>("--input") { Description = "A file of ids (one per line, as encode writes them)." };
        var output = new Option<string?>("--output") { Description = "Write the text here (default: standard output)." };
        var cmd = new Command("decode", "Decode token ids back to text.");
        foreach (var o in new Option[] { tokenizer, ids, input, output }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            var tok = TokenizerCommand.Load(pr.GetValue(tokenizer)!);
            string where = pr.GetValue(input) is { } path ? path : "--ids";
            var list = ParseIds(TextFrom(pr.GetValue(ids), pr.GetValue(input), "--ids"), where, tok.VocabSize);
            TokenizerCommand.WriteOutput(pr.GetValue(output), tok.Decode(list));
            return 0;
        });
        return cmd;
    }

    /// <summary>Exactly one of the inline option and --input must be given.</summary>
    internal static string TextFrom(string? inline, string? input, string inlineName = "--text")
    {
        if ((inline is null) == (input is null)) throw new CliException($"give exactly one of {inlineName} and --input");
        return inline ?? TokenizerCommand.ReadText(input!, "--input");
    }

    /// <summary>Parses decimal ids separated by whitespace or commas; errors name the line and the bad value.</summary>
    internal static int[] ParseIds(string text, string where, int vocabSize)
    {
        var ids = new List<int>();
        var lines = text.Split('\n');
        for (int line = 0; line < lines.Length; line++)
            foreach (var part in lines[line].Split([' ', ',', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id >= vocabSize)
                    throw new CliException($"{where}: line {line + 1}: '{part}' is not a token id in 0..{vocabSize - 1}");
                ids.Add(id);
            }
        return ids.ToArray();
    }
}
