using System.CommandLine;
using System.Diagnostics;
using SharpLM.Formats;
using SharpLM.Models;
using SharpLM.Tokenizers;

namespace SharpLM.Cli.Commands;

/// <summary>
/// <c>sharplm convert</c>: moves a model between file formats. Reads llm.c's GPT-2 checkpoint
/// (<c>gpt2_124M.bin</c>), a Hugging Face folder (GPT-2 or LLaMA-architecture, single or sharded),
/// a llama2.c checkpoint (v0, v1 or v2), or makes a random-weight model of a preset's shape; writes a
/// SharpLM run folder (Hugging Face layout: <c>model.safetensors</c> + <c>config.json</c>), an llm.c
/// checkpoint, or a llama2.c checkpoint (v0, which llama2.c's <c>run</c> reads, or v1).
/// </summary>
public static class ConvertCommand
{
    /// <summary>Creates the <c>convert</c> command.</summary>
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "The model to read: an llm.c .bin (--from llmc), a model folder (--from hf), a llama2.c .bin (--from llama2c), a .gguf file (--from gguf), or a preset name (--from preset)." };
        var from = new Option<string>("--from") { Description = "Input format: llmc (llm.c's GPT-2 checkpoint, version 3 fp32 or 5 bf16), hf (config.json + model.safetensors or sharded), llama2c (llama2.c .bin v0/v1/v2), gguf (a llama.cpp .gguf file), or preset (random weights of that preset's shape, e.g. stories15M).", Required = true };
        var to = new Option<string>("--to") { Description = "Output format: hf (a run folder, the default), llmc (an llm.c float32 GPT-2 file), llama2c (a llama2.c .bin) or gguf (float32 GGUF; see sharplm quantize for other types).", DefaultValueFactory = _ => "hf" };
        var output = new Option<string>("--out") { Description = "Where to write: a folder for --to hf, a file for --to llmc, llama2c or gguf.", Required = true };
        var tokenizer = new Option<string?>("--tokenizer")
        {
            Description = "Tokenizer to store in the run folder: a tokenizer.json, a vocab.json + merges.txt folder such as ../shared/data/gpt2, a tiktoken file (stored as tokenizer.json) or llama2.c's tokenizer.bin (copied as tokenizer.bin). " +
                          "llm.c and llama2.c checkpoints carry no tokenizer; without this option the run folder has none and commands that read text need one supplied.",
        };
        var version = new Option<int>("--llama2c-version") { Description = "llama2.c file version to write: 0 (legacy header; what llama2.c's run reads) or 1 (the ak42 header).", DefaultValueFactory = _ => 0 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the random weights for --from preset.", DefaultValueFactory = _ => 1UL };
        var initStd = new Option<float>("--init-std")
        {
            Description = "--from preset: draw every matrix from Normal(0, this) instead of GPT-2's initialization (0 = GPT-2's, std 0.02, whose greedy output just repeats the last token; 0.1 gives varied text for parity runs).",
            DefaultValueFactory = _ => 0f,
        };
        var cmd = new Command("convert", "Convert a model between llm.c, llama2.c and the Hugging Face layout SharpLM uses.");
        cmd.Arguments.Add(input);
        cmd.Options.Add(from); cmd.Options.Add(to); cmd.Options.Add(output); cmd.Options.Add(tokenizer); cmd.Options.Add(version); cmd.Options.Add(seed); cmd.Options.Add(initStd);
        cmd.SetAction(pr =>
        {
            Run(pr.GetValue(input)!, pr.GetValue(from)!, pr.GetValue(to)!, pr.GetValue(output)!, pr.GetValue(tokenizer), pr.GetValue(version), pr.GetValue(seed), pr.GetValue(initStd));
            return 0;
        });
        return cmd;
    }

    /// <summary>Performs the conversion (also called by tests in-process).</summary>
    public static void Run(string input, string from, string to, string output, string? tokenizerPath, int llama2cVersion = 0, ulong seed = 1, float initStd = 0f)
    {
        if (from == "gguf" || to == "gguf") { QuantizeCommand.Convert(input, output, toGguf: to == "gguf"); return; } // GGUF ↔ run folder (QuantizeCommand.cs)
        if (to is not ("hf" or "llmc" or "llama2c")) throw new CliException($"--to must be hf, llmc or llama2c, got '{to}'");
        if (from is not ("llmc" or "hf" or "llama2c" or "preset")) throw new CliException($"--from must be llmc, hf, llama2c or preset, got '{from}'");
        if (tokenizerPath is not null && to != "hf") throw new CliException($"--tokenizer is only stored with --to hf ({to} checkpoints hold no tokenizer)");
        if (to == "llama2c" && llama2cVersion is not (0 or 1)) throw new CliException($"--llama2c-version must be 0 or 1 (version 2, int8, is read only), got {llama2cVersion}");
        // The tokenizer is checked first so a wrong path fails before the (slow) model read.
        ITokenizer? tokenizer = tokenizerPath is null ? null : TokenizerArgument.Load(tokenizerPath);
        var clock = Stopwatch.StartNew();
        if (initStd < 0 || (initStd > 0 && from != "preset")) throw new CliException($"--init-std applies to --from preset and must be ≥ 0, got {initStd}");
        Gpt model = Read(input, from, seed);
        if (initStd > 0) Randomize(model, initStd, seed);
        var c = model.Config;
        Console.WriteLine($"read {input}: {c.Layers} layers, {c.Heads} heads{(c.KvHeadCount != c.Heads ? $" ({c.KvHeadCount} key/value)" : "")}, width {c.Width}, vocab {c.VocabSize} (padded {c.PaddedVocabSize}), context {c.BlockSize}, {model.ParameterCount():N0} parameters ({clock.Elapsed.TotalSeconds:F1} s)");

        if (tokenizer is not null && tokenizer.VocabSize != c.VocabSize)
            throw new CliException($"--tokenizer '{tokenizerPath}' has {tokenizer.VocabSize} tokens but the model's vocabulary is {c.VocabSize}");
        clock.Restart();
        switch (to)
        {
            case "llmc":
                try { GptLlmc.Save(model, output); }
                catch (ArgumentException e) { throw new CliException(e.Message); }
                Console.WriteLine($"wrote {output} (llm.c version 3, float32) in {clock.Elapsed.TotalSeconds:F1} s");
                return;
            case "llama2c":
                try { GptLlama2c.Save(model, output, llama2cVersion); }
                catch (ArgumentException e) { throw new CliException(e.Message); }
                Console.WriteLine($"wrote {output} (llama2.c version {llama2cVersion}, float32{(c.TiedEmbeddings ? "" : ", separate output head")}) in {clock.Elapsed.TotalSeconds:F1} s");
                return;
        }
        if (GptHuggingFace.TransformersIncompatibility(c) is { } note)
            Console.WriteLine($"note: {note} config.json is marked so (model_type sharplm_*); SharpLM reads it back exactly.");
        string stored = "";
        // The folder's files are replaced as one set: an interrupted convert leaves the old set (or none), never a mix.
        FileSetCommit.Write(output, stage =>
        {
            GptHuggingFace.Save(model, stage);
            if (tokenizer is Llama2cTokenizer && tokenizerPath is not null)
            {
                AtomicFile.Write(Path.Combine(stage, "tokenizer.bin"), s => { using var f = File.OpenRead(tokenizerPath); f.CopyTo(s); });
                stored = " and tokenizer.bin";
            }
            else if (tokenizer is not null)
            {
                TokenizerFiles.Save(tokenizer, Path.Combine(stage, "tokenizer.json"));
                stored = " and tokenizer.json";
            }
        });
        Console.WriteLine($"wrote {Path.Combine(output, GptHuggingFace.WeightsFile)} and {GptHuggingFace.ConfigFile}{(tokenizer is null ? " (no tokenizer: pass --tokenizer to add one)" : stored)} in {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Redraws every weight matrix from Normal(0, std) (norm scales stay 1, biases 0, padding rows 0).</summary>
    private static void Randomize(Gpt model, float std, ulong seed)
    {
        var rng = new SharpLM.Tensors.Rng(seed ^ 0x9E3779B97F4A7C15UL);
        var c = model.Config;
        foreach (var (name, p) in model.NamedParameters())
        {
            if (p.Data.Rank < 2) continue;
            rng.FillNormal(p.Data.Span, 0f, std);
            if (name is "wte.weight" or "lm_head.weight") p.Data.Span[(c.VocabSize * c.Width)..].Clear();
        }
    }

    private static Gpt Read(string input, string from, ulong seed)
    {
        try
        {
            return from switch
            {
                "llmc" => File.Exists(input) ? GptLlmc.Load(input) : throw new CliException($"llm.c checkpoint '{input}' does not exist"),
                "hf" => Directory.Exists(input) ? GptHuggingFace.Load(input) : throw new CliException($"model folder '{input}' does not exist"),
                "llama2c" => File.Exists(input) ? GptLlama2c.Load(input) : throw new CliException($"llama2.c checkpoint '{input}' does not exist"),
                _ => new Gpt(GptConfig.Preset(input), seed),
            };
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or NotSupportedException)
        {
            throw new CliException(e.Message);
        }
    }
}
