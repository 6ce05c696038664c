using System.CommandLine;

namespace SharpLM.Cli.Commands;

/// <summary>The encoder family's commands, registered in one place: data, pretrain, finetune, classify, ner, fill-mask, embed.</summary>
public static class BertCommands
{
    /// <summary>
    /// Adds the BERT commands to <paramref name="root"/>: <c>data sdk-*</c> and <c>finetune classify|ner</c>
    /// join the <c>data</c> / <c>finetune</c> parents when another family already created them, and
    /// <c>pretrain</c> becomes <c>pretrain bert</c> when another family already has a <c>pretrain</c>.
    /// </summary>
    public static void Register(RootCommand root)
    {
        var data = Parent(root, "data", "Build training data from what the machine has installed.");
        foreach (var c in DataCommand.Subcommands()) data.Subcommands.Add(c);
        var finetune = Parent(root, "finetune", "Fine-tune a pretrained model on a task.");
        foreach (var c in FinetuneCommand.Subcommands()) finetune.Subcommands.Add(c);
        // Another family's `pretrain` (T5/BART) keeps its name; BERT's then becomes `pretrain bert`.
        if (root.Subcommands.FirstOrDefault(c => c.Name == "pretrain") is { } pretrain) pretrain.Subcommands.Add(PretrainCommand.Create("bert"));
        else root.Subcommands.Add(PretrainCommand.Create());
        foreach (var c in BertUseCommands.Create()) root.Subcommands.Add(c);
    }

    private static Command Parent(RootCommand root, string name, string description)
    {
        var existing = root.Subcommands.FirstOrDefault(c => c.Name == name);
        if (existing is not null) return existing;
        var created = new Command(name, description);
        root.Subcommands.Add(created);
        return created;
    }
}
