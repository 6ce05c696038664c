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
        foreach (var c in new[] { GenerateCommand.Create(), ChatCommand.Create(), NextCommand.Create(), AttentionCommand.Create() }) root.Subcommands.Add(c);
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(QuickstartCommand.Create());
        // Encoder-decoders (T5/BART): pretraining, fine-tuning, generation and their data.
        // (finetune/data parents: merge with the bert branch's commands of the same names.)
        root.Subcommands.Add(Commands.Seq2Seq.PretrainCommand.Create());
        root.Subcommands.Add(Commands.Seq2Seq.Seq2SeqCommand.Create("seq2seq"));
        root.Subcommands.Add(Commands.Seq2Seq.Seq2SeqCommand.Create("translate"));
        root.Subcommands.Add(Commands.Seq2Seq.Seq2SeqDataCommands.Baseline());
        var finetune = new System.CommandLine.Command("finetune", "Fine-tune a pretrained model on a task.");
        finetune.Subcommands.Add(Commands.Seq2Seq.FinetuneSeq2SeqCommand.Create());
        root.Subcommands.Add(finetune);
        var data = new System.CommandLine.Command("data", "Build training data from what the machine has installed.");
        data.Subcommands.Add(Commands.Seq2Seq.Seq2SeqDataCommands.Gettext());
        data.Subcommands.Add(Commands.Seq2Seq.Seq2SeqDataCommands.ManPages());
        root.Subcommands.Add(data);
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
