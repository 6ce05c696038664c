using System.CommandLine;
using SharpLM.Adapters;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Cli.Commands;

/// <summary>
/// <c>--lora SPEC</c> for the fine-tuning commands: parses the spec (<see cref="LoraOptions.Parse"/>),
/// attaches the adapter and freezes the base (<see cref="Lora.Apply"/>); after training the run folder
/// gets the PEFT adapter (adapter_config.json, adapter_model.safetensors) and, in model.safetensors,
/// the adapter merged into the weights, so every inference command loads the tuned model as is.
/// </summary>
internal static class LoraSupport
{
    /// <summary>The <c>--lora</c> option.</summary>
    public static Option<string?> Option() => new("--lora")
    {
        Description = "Train a LoRA adapter instead of all weights, e.g. r=16,alpha=32,targets=c_attn,dropout=0.05 (targets: HF module names, all-linear, or re:REGEX).",
    };

    /// <summary>Attaches the adapter <paramref name="spec"/> describes (null: none, full fine-tuning) and returns its summary.</summary>
    public static LoraSummary? Apply(Module model, string? spec, ulong seed)
    {
        if (string.IsNullOrWhiteSpace(spec)) return null;
        LoraOptions options;
        try { options = LoraOptions.Parse(spec); }
        catch (FormatException e) { throw new CliException($"--lora: {e.Message}"); }
        try { return Lora.Apply(model, options, new Rng(seed ^ 0x10FA_5EEDUL)); }
        catch (ArgumentException e) { throw new CliException($"--lora: {e.Message}"); }
    }

    /// <summary>After a LoRA run: writes the PEFT adapter into <paramref name="directory"/>, then merges it and saves the merged model over the checkpoint's base weights.</summary>
    public static void Finish(Module model, Models.ITrainableModel trainable, string directory)
    {
        PeftAdapter.Save(model, directory);
        Lora.Merge(model);
        trainable.Save(directory);
    }
}
