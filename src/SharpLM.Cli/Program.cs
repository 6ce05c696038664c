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
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(ExperimentCommand.Create());
        root.Subcommands.Add(LoraCommand.Create());
        BertCommands.Register(root);
        // Encoder-decoders (T5/BART): sub-commands of the shared pretrain / finetune / data commands, plus generation.
        Command Shared(string name) => root.Subcommands.First(c => c.Name == name);
        Shared("pretrain").Subcommands.Add(Commands.Seq2Seq.Seq2SeqPretrainCommand.Create());
        Shared("finetune").Subcommands.Add(Commands.Seq2Seq.FinetuneSeq2SeqCommand.Create());
        Shared("data").Subcommands.Add(Commands.Seq2Seq.Seq2SeqDataCommands.Gettext());
        Shared("data").Subcommands.Add(Commands.Seq2Seq.Seq2SeqDataCommands.ManPages());
        // Decoders (GPT/LLaMA): instruction tuning and its SDK-docs data.
        Shared("finetune").Subcommands.Add(FinetuneSftCommand.Create());
        Shared("data").Subcommands.Add(DataCommand.SdkInstructionsCommand());
        root.Subcommands.Add(Commands.Seq2Seq.Seq2SeqCommand.Create("seq2seq"));
        root.Subcommands.Add(Commands.Seq2Seq.Seq2SeqCommand.Create("translate"));
        root.Subcommands.Add(Commands.Seq2Seq.Seq2SeqDataCommands.Baseline());
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
