using System.CommandLine;
using System.Text.Json;
using SharpLM.Adapters;
using SharpLM.Models;
using SharpLM.Nn;

namespace SharpLM.Cli.Commands;

/// <summary>
/// <c>sharplm lora</c>: LoRA adapters as files. <c>merge</c> folds a PEFT adapter folder into its base
/// model and writes a plain model folder (which every command, and the inference Generator, runs at
/// base cost); <c>show</c> prints what an adapter targets and how large it is.
/// </summary>
public static class LoraCommand
{
    /// <summary>Creates the <c>lora</c> command and its sub-commands.</summary>
    public static Command Create()
    {
        var lora = new Command("lora", "LoRA adapters (Hugging Face PEFT folders): merge one into its base model, or describe it.");
        lora.Subcommands.Add(Merge());
        lora.Subcommands.Add(Show());
        return lora;
    }

    private static Command Merge()
    {
        var model = new Option<string>("--model") { Description = "The base model folder (config.json + model.safetensors): GPT-2, LLaMA, BERT, T5 or BART.", Required = true };
        var adapter = new Option<string>("--adapter") { Description = "The adapter folder (adapter_config.json + adapter_model.safetensors).", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for the merged model.", Required = true };
        var cmd = new Command("merge", "Add an adapter's ΔW = (α/r)·B·A into its base model's weights and write the merged model.");
        foreach (var o in new Option[] { model, adapter, output }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            string modelDir = pr.GetValue(model)!, adapterDir = pr.GetValue(adapter)!, outDir = pr.GetValue(output)!;
            if (Path.GetFullPath(outDir) == Path.GetFullPath(modelDir)) throw new CliException("--out must differ from --model (the base model is kept as it is).");
            var (loaded, save) = LoadModel(modelDir);
            LoraSummary summary;
            try { summary = PeftAdapter.Load(loaded, adapterDir); }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
            {
                throw new CliException($"--adapter: {e.Message}");
            }
            Lora.Merge(loaded);
            save(outDir);
            Console.WriteLine($"merged {summary.Modules.Length} LoRA modules (r {summary.Options.Rank}, α {summary.Options.Alpha:G}) into {modelDir} → {outDir}");
            return 0;
        });
        return cmd;
    }

    private static Command Show()
    {
        var adapter = new Option<string>("--adapter") { Description = "The adapter folder.", Required = true };
        var cmd = new Command("show", "Print an adapter's configuration and tensors.");
        cmd.Options.Add(adapter);
        cmd.SetAction(pr =>
        {
            string dir = pr.GetValue(adapter)!;
            LoraOptions options;
            try { options = PeftAdapter.ReadConfig(dir); }
            catch (Exception e) when (e is IOException or InvalidDataException) { throw new CliException($"--adapter: {e.Message}"); }
            Console.WriteLine($"LoRA adapter {dir}: {options}{(options.BaseModel is null ? "" : $", base {options.BaseModel}")}");
            string weights = Path.Combine(dir, PeftAdapter.WeightsFile);
            if (!File.Exists(weights)) throw new CliException($"--adapter: {dir} has no {PeftAdapter.WeightsFile}.");
            using var file = Formats.SafetensorsFile.Open(weights);
            long total = 0;
            foreach (var t in file.Tensors)
            {
                total += t.ElementCount;
                Console.WriteLine($"  {t.Name} {Tensors.Tensor.FormatShape(t.Shape)}");
            }
            Console.WriteLine($"{file.Tensors.Count} tensors, {total:N0} numbers");
            return 0;
        });
        return cmd;
    }

    /// <summary>Loads a model folder of any family by its config.json's model_type, with the matching saver.</summary>
    private static (Module Model, Action<string> Save) LoadModel(string directory)
    {
        string config = Path.Combine(directory, "config.json");
        if (!File.Exists(config)) throw new CliException($"--model: {directory} has no config.json.");
        string? type;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(config));
            type = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("model_type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        }
        catch (JsonException e) { throw new CliException($"--model: {config} is not valid JSON: {e.Message}"); }
        try
        {
            switch (type)
            {
                case "bert":
                    var bert = BertHuggingFace.Load(directory);
                    return (bert, d => BertHuggingFace.Save(bert, d));
                case "t5" or "bart":
                    var seq = EncoderDecoderHuggingFace.Load(directory);
                    return (seq, d => EncoderDecoderHuggingFace.Save(seq, d));
                default:
                    var gpt = GptHuggingFace.Load(directory);
                    return (gpt, d => GptHuggingFace.Save(gpt, d));
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException)
        {
            throw new CliException($"--model: {e.Message}");
        }
    }
}
