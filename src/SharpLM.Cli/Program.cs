using System.CommandLine;
using SharpLM.Cli.Commands;

namespace SharpLM.Cli;

/// <summary>The <c>sharplm</c> command: each sub-command lives in its own file under Commands/.</summary>
public static class Program
{
    /// <summary>Builds the command tree (also used by tests to run commands in-process).</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("SharpLM: build, train, inspect and run transformer language models on your CPU, in C#.");
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(TokenizerCommand.Create());
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(QuantizeCommand.Create());
        foreach (var c in new[] { GenerateCommand.Create(), ChatCommand.Create(), NextCommand.Create(), AttentionCommand.Create() }) root.Subcommands.Add(c);
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(QuickstartCommand.Create());
        foreach (var c in BertCommands.Create()) root.Subcommands.Add(c);
        return root;
    }

    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        try
        {
            return BuildRoot().Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (CliException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }
}
