using SharpLM.Generation;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tokenizers;

namespace SharpLM.Cli.Commands;

/// <summary>Loads what the inference commands need from a run folder: the model (config.json + model.safetensors) and its tokenizer (tokenizer.json).</summary>
internal static class GenerateModelLoader
{
    /// <summary>Reads the model and tokenizer in <paramref name="folder"/>, turning file problems into clear CLI errors.</summary>
    public static (Gpt Model, ITokenizer Tokenizer) Load(string? folder)
    {
        if (string.IsNullOrWhiteSpace(folder)) throw new CliException("--model is required: a run folder such as runs/shakespeare (config.json, model.safetensors, tokenizer.json) or a .gguf file.");
        if (GptGguf.IsGgufPath(folder)) return LoadGguf(folder);
        if (!Directory.Exists(folder)) throw new CliException($"--model: folder '{folder}' does not exist.");
        Gpt model;
        ITokenizer tokenizer;
        try { model = GptHuggingFace.Load(folder); }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or FormatException)
        { throw new CliException($"--model: cannot load the model in '{folder}': {e.Message}"); }
        try { tokenizer = TokenizerFiles.Load(folder); }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or FormatException or TokenizerFormatException)
        { throw new CliException($"--model: cannot load the tokenizer in '{folder}': {e.Message}"); }
        if (tokenizer.VocabSize > model.Config.VocabSize)
            throw new CliException($"--model: the tokenizer in '{folder}' has {tokenizer.VocabSize} tokens but the model only {model.Config.VocabSize}.");
        return (model, tokenizer);
    }

    /// <summary>
    /// A text generator for <paramref name="path"/>: a run folder runs float32; a GGUF file keeps its matrices
    /// in their stored ggml types (memory-mapped, int8 kernels) except float32 files, which load as float32.
    /// </summary>
    public static (TextGenerator Generator, ITokenizer Tokenizer) LoadTextGenerator(string? path)
    {
        if (path is null || !GptGguf.IsGgufPath(path))
        {
            var (model, tokenizer) = Load(path);
            return (new TextGenerator(model, tokenizer), tokenizer);
        }
        if (!File.Exists(path)) throw new CliException($"--model: GGUF file '{path}' does not exist.");
        try
        {
            var file = Formats.GgufFile.Open(path);
            try
            {
                var tokenizer = GgufTokenizer.Read(file);
                var weights = Generation.QuantizedWeights.FromGguf(file, MaxGgufContext);
                var text = new TextGenerator(new Generation.Generator(weights), tokenizer)
                {
                    BeginOfSequenceId = GgufTokenizer.BeginOfSequence(file), EndOfSequenceId = GgufTokenizer.EndOfSequence(file),
                };
                return (text, tokenizer);
            }
            catch { file.Dispose(); throw; }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or FormatException or NotSupportedException or TokenizerFormatException)
        { throw new CliException($"--model: cannot load '{path}': {e.Message}"); }
    }

    /// <summary>Reads a GGUF file (llama.cpp's format) as a float32 model and its tokenizer.</summary>
    public static (Gpt Model, ITokenizer Tokenizer) LoadGguf(string path)
    {
        if (!File.Exists(path)) throw new CliException($"--model: GGUF file '{path}' does not exist.");
        try
        {
            using var file = Formats.GgufFile.Open(path);
            var tokenizer = GgufTokenizer.Read(file);
            return (GptGguf.Load(file, MaxGgufContext), tokenizer);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or FormatException or NotSupportedException or TokenizerFormatException)
        { throw new CliException($"--model: cannot load '{path}': {e.Message}"); }
    }

    /// <summary>The longest context kept when loading a GGUF model (its KV cache and rotary tables grow with it).</summary>
    public const int MaxGgufContext = 4096;

    /// <summary>Applies <c>--threads</c>.</summary>
    public static void SetThreads(int threads)
    {
        if (threads < 1) throw new CliException($"--threads must be ≥ 1, got {threads}.");
        KernelThreads.Count = threads;
    }
}
