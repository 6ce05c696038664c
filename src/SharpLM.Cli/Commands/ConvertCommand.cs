using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using SharpLM.Formats;
using SharpLM.Models;
using SharpLM.Tokenizers;

namespace SharpLM.Cli.Commands;

/// <summary>
/// <c>sharplm convert</c>: moves a GPT-2 between file formats. Reads llm.c's checkpoint
/// (<c>gpt2_124M.bin</c>) or a Hugging Face GPT-2 folder, and writes a SharpLM run folder
/// (Hugging Face layout: <c>model.safetensors</c> + <c>config.json</c>) or an llm.c checkpoint.
/// </summary>
public static class ConvertCommand
{
    /// <summary>The magic number of llm.c's tokenizer file (<c>gpt2_tokenizer.bin</c>), recognised only to explain why it cannot be used.</summary>
    private const int LlmcTokenizerMagic = 20240328;

    /// <summary>Creates the <c>convert</c> command.</summary>
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "The model to read: an llm.c .bin file (--from llmc) or a Hugging Face GPT-2 folder (--from hf)." };
        var from = new Option<string>("--from") { Description = "Input format: llmc (llm.c's GPT-2 checkpoint, version 3 fp32 or 5 bf16) , hf (model.safetensors + config.json) or gguf (a llama.cpp .gguf file).", Required = true };
        var to = new Option<string>("--to") { Description = "Output format: hf (a run folder, the default) , llmc (an llm.c float32 checkpoint file) or gguf (float32 GGUF; see sharplm quantize for other types).", DefaultValueFactory = _ => "hf" };
        var output = new Option<string>("--out") { Description = "Where to write: a folder for --to hf, a file for --to llmc.", Required = true };
        var tokenizer = new Option<string?>("--tokenizer")
        {
            Description = "Tokenizer to store as tokenizer.json in the run folder (a tokenizer.json, a vocab.json + merges.txt folder such as ../shared/data/gpt2, or a tiktoken file). " +
                          "llm.c checkpoints carry no tokenizer; without this option the run folder has none and commands that read text need one supplied.",
        };
        var cmd = new Command("convert", "Convert a GPT-2 between llm.c's checkpoint and the Hugging Face layout SharpLM uses.");
        cmd.Arguments.Add(input);
        cmd.Options.Add(from); cmd.Options.Add(to); cmd.Options.Add(output); cmd.Options.Add(tokenizer);
        cmd.SetAction(pr =>
        {
            Run(pr.GetValue(input)!, pr.GetValue(from)!, pr.GetValue(to)!, pr.GetValue(output)!, pr.GetValue(tokenizer));
            return 0;
        });
        return cmd;
    }

    /// <summary>Performs the conversion (also called by tests in-process).</summary>
    public static void Run(string input, string from, string to, string output, string? tokenizerPath)
    {
        if (from == "gguf" || to == "gguf") { QuantizeCommand.Convert(input, output, toGguf: to == "gguf"); return; } // GGUF ↔ run folder (QuantizeCommand.cs)
        if (to is not ("hf" or "llmc")) throw new CliException($"--to must be hf or llmc, got '{to}'");
        if (tokenizerPath is not null && to != "hf") throw new CliException("--tokenizer is only stored with --to hf (llm.c checkpoints hold no tokenizer)");
        // The tokenizer is checked first so a wrong path fails before the (slow) model read.
        ITokenizer? tokenizer = tokenizerPath is null ? null : LoadTokenizer(tokenizerPath);
        var clock = Stopwatch.StartNew();
        Gpt model;
        try
        {
            model = from switch
            {
                "llmc" => File.Exists(input) ? GptLlmc.Load(input) : throw new CliException($"llm.c checkpoint '{input}' does not exist"),
                "hf" => Directory.Exists(input) ? GptHuggingFace.Load(input) : throw new CliException($"model folder '{input}' does not exist"),
                _ => throw new CliException($"--from must be llmc or hf, got '{from}'"),
            };
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or NotSupportedException)
        {
            throw new CliException(e.Message);
        }
        var c = model.Config;
        Console.WriteLine($"read {input}: {c.Layers} layers, {c.Heads} heads, width {c.Width}, vocab {c.VocabSize} (padded {c.PaddedVocabSize}), context {c.BlockSize}, {model.ParameterCount():N0} parameters ({clock.Elapsed.TotalSeconds:F1} s)");

        if (tokenizer is not null && tokenizer.VocabSize != c.VocabSize)
            throw new CliException($"--tokenizer '{tokenizerPath}' has {tokenizer.VocabSize} tokens but the model's vocabulary is {c.VocabSize}");
        clock.Restart();
        if (to == "llmc")
        {
            try { GptLlmc.Save(model, output); }
            catch (ArgumentException e) { throw new CliException(e.Message); }
            Console.WriteLine($"wrote {output} (llm.c version 3, float32) in {clock.Elapsed.TotalSeconds:F1} s");
            return;
        }
        GptHuggingFace.Save(model, output);
        if (tokenizer is not null) TokenizerFiles.Save(tokenizer, Path.Combine(output, "tokenizer.json"));
        Console.WriteLine($"wrote {Path.Combine(output, GptHuggingFace.WeightsFile)} and {GptHuggingFace.ConfigFile}{(tokenizer is null ? " (no tokenizer: pass --tokenizer to add one)" : " and tokenizer.json")} in {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static ITokenizer LoadTokenizer(string path)
    {
        if (File.Exists(path))
        {
            using var f = File.OpenRead(path);
            Span<byte> head = stackalloc byte[4];
            if (f.Read(head) == 4 && BinaryPrimitives.ReadInt32LittleEndian(head) == LlmcTokenizerMagic)
                throw new CliException($"'{path}' is llm.c's tokenizer file: it only maps ids to bytes for printing (no merges), so it cannot encode text. Pass the GPT-2 vocabulary instead (a folder with vocab.json + merges.txt, e.g. ../shared/data/gpt2).");
        }
        ITokenizer tokenizer;
        try { tokenizer = TokenizerFiles.Load(path); }
        catch (Exception e) when (e is IOException or InvalidDataException or TokenizerFormatException)
        {
            throw new CliException($"--tokenizer '{path}': {e.Message}");
        }
        return tokenizer;
    }
}
