using System.CommandLine;
using System.Text;
using SharpLM.Tokenizers;

namespace SharpLM.Cli.Commands;

/// <summary><c>sharplm tokenizer …</c>: train, encode, decode and inspect tokenizers (text ⇄ token ids).</summary>
public static class TokenizerCommand
{
    /// <summary>Creates the <c>tokenizer</c> command group.</summary>
    public static Command Create()
    {
        var cmd = new Command("tokenizer", "Train a tokenizer, or encode/decode/show text with one (tokenizer.json, a tiktoken rank file, or a vocab.json+merges.txt folder).");
        cmd.Subcommands.Add(TokenizerTrainCommand.Create());
        cmd.Subcommands.Add(TokenizerEncodeCommand.CreateEncode());
        cmd.Subcommands.Add(TokenizerEncodeCommand.CreateDecode());
        cmd.Subcommands.Add(TokenizerShowCommand.Create());
        return cmd;
    }

    /// <summary>The <c>--tokenizer</c> option every sub-command shares (one path, or vocab.json and merges.txt).</summary>
    internal static Option<string[]> TokenizerOption() => new("--tokenizer")
    {
        Description = "tokenizer.json, a tiktoken rank file (e.g. r50k_base.tiktoken), a folder with vocab.json + merges.txt, or the two files vocab.json merges.txt.",
        Required = true,
        AllowMultipleArgumentsPerToken = true,
    };

    /// <summary>Loads the tokenizer named by <c>--tokenizer</c>, turning file problems into a clear CLI error.</summary>
    internal static ITokenizer Load(string[] paths)
    {
        try
        {
            return paths switch
            {
                [var one] => TokenizerFiles.Load(one),
                [var a, var b] when a.EndsWith(".json", StringComparison.OrdinalIgnoreCase) => Gpt2VocabFiles.Load(a, b),
                [var a, var b] when b.EndsWith(".json", StringComparison.OrdinalIgnoreCase) => Gpt2VocabFiles.Load(b, a),
                _ => throw new CliException($"--tokenizer: give one path, or vocab.json and merges.txt (got {paths.Length} values)"),
            };
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or TokenizerFormatException or IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--tokenizer: {e.Message}");
        }
    }

    /// <summary>Loads a tokenizer from one path, with the same error handling.</summary>
    internal static ITokenizer Load(string path) => Load([path]);

    /// <summary>Reads a UTF-8 text file named by an option, with a clear error when it is missing.</summary>
    internal static string ReadText(string path, string option)
    {
        if (!File.Exists(path)) throw new CliException($"{option}: file not found: {path}");
        return File.ReadAllText(path, Encoding.UTF8);
    }

    /// <summary>Writes text to a file (temporary name, then rename) or to standard output when no file is given.</summary>
    internal static void WriteOutput(string? path, string text)
    {
        if (path is null) { Console.Out.Write(text); return; }
        var full = Path.GetFullPath(path);
        var temp = full + ".tmp";
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(temp, text, new UTF8Encoding(false));
        File.Move(temp, full, overwrite: true);
    }
}
