using System.CommandLine;
using System.Text;

namespace SharpLM.Cli.Commands;

/// <summary><c>sharplm tokenizer show</c>: the learner's view — each token's text piece beside its id.</summary>
public static class TokenizerShowCommand
{
    /// <summary>Creates the <c>show</c> sub-command.</summary>
    public static Command Create()
    {
        var tokenizer = TokenizerCommand.TokenizerOption();
        var text = new Option<string>("--text") { Description = "The text to split into tokens.", Required = true };
        var allowSpecial = new Option<bool>("--allow-special") { Description = "Recognise special tokens written in the text." };
        var output = new Option<string?>("--output") { Description = "Write the table here (default: standard output)." };
        var cmd = new Command("show", "Print each token's text piece and id side by side.");
        foreach (var o in new Option[] { tokenizer, text, allowSpecial, output }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            var tok = TokenizerCommand.Load(pr.GetValue(tokenizer)!);
            var ids = tok.Encode(pr.GetValue(text)!, pr.GetValue(allowSpecial));
            var sb = new StringBuilder();
            sb.Append($"{"#",5}  {"id",7}  piece\n");
            for (int i = 0; i < ids.Length; i++)
                sb.Append($"{i,5}  {ids[i],7}  {Visible(tok.TokenPiece(ids[i]))}\n");
            sb.Append($"{ids.Length} tokens for {pr.GetValue(text)!.Length} characters ({tok.Kind}, vocabulary {tok.VocabSize})\n");
            TokenizerCommand.WriteOutput(pr.GetValue(output), sb.ToString());
            return 0;
        });
        return cmd;
    }

    /// <summary>Quotes a piece and spells out invisible characters (space shown as ␣, newline as \n).</summary>
    internal static string Visible(string piece)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in piece)
        {
            sb.Append(c switch
            {
                ' ' => "␣",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '"' => "\\\"",
                _ when char.IsControl(c) => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }
        return sb.Append('"').ToString();
    }
}
