using System.CommandLine;

namespace SharpLM.Cli.Commands;

/// <summary>The encoder family's commands, registered in one place: data, pretrain, finetune, classify, ner, fill-mask, embed.</summary>
public static class BertCommands
{
    /// <summary>Every BERT command.</summary>
    public static IEnumerable<Command> Create() => [DataCommand.Create(), PretrainCommand.Create(), FinetuneCommand.Create(), .. BertUseCommands.Create()];
}
