using SharpLM.Generation;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tokenizers;

namespace SharpLM.Cli.Commands;

/// <summary>
/// Loads what the inference commands need: the model — a run folder (config.json + model.safetensors,
/// GPT-2 or LLaMA layout) or a llama2.c checkpoint file — and its tokenizer (the folder's
/// tokenizer.json or tokenizer.bin, llama2.c's tokenizer.bin beside a .bin model, or <c>--tokenizer</c>).
/// </summary>
internal static class GenerateModelLoader
{
    /// <summary>Reads the model and tokenizer, turning file problems into clear CLI errors.</summary>
    public static (Gpt Model, ITokenizer Tokenizer) Load(string? modelPath, string? tokenizerPath = null)
    {
        if (string.IsNullOrWhiteSpace(modelPath)) throw new CliException("--model is required: a run folder such as runs/shakespeare (config.json, model.safetensors, tokenizer.json), a .gguf file or a llama2.c .bin file.");
        if (GptGguf.IsGgufPath(modelPath)) return LoadGguf(modelPath);
        bool isFile = File.Exists(modelPath);
        if (!isFile && !Directory.Exists(modelPath)) throw new CliException($"--model: '{modelPath}' does not exist (expected a run folder, a .gguf file or a llama2.c .bin file).");
        Gpt model;
        try { model = isFile ? GptLlama2c.Load(modelPath) : GptHuggingFace.Load(modelPath); }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or FormatException)
        { throw new CliException($"--model: cannot load the model in '{modelPath}': {e.Message}"); }

        ITokenizer tokenizer;
        if (tokenizerPath is not null) tokenizer = TokenizerArgument.Load(tokenizerPath);
        else
        {
            string folder = isFile ? Path.GetDirectoryName(Path.GetFullPath(modelPath))! : modelPath;
            string bin = Path.Combine(folder, "tokenizer.bin");
            if (isFile && !File.Exists(bin))
                throw new CliException($"--model '{modelPath}' is a llama2.c checkpoint, which holds no tokenizer, and there is no tokenizer.bin beside it: pass --tokenizer (llama2.c's tokenizer.bin, or a tokenizer.json).");
            if (isFile || (!File.Exists(Path.Combine(folder, "tokenizer.json")) && File.Exists(bin)))
                tokenizer = TokenizerArgument.Load(bin, "--model");
            else
            {
                try { tokenizer = TokenizerFiles.Load(folder); }
                catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or FormatException or TokenizerFormatException)
                { throw new CliException($"--model: cannot load the tokenizer in '{folder}': {e.Message} (or pass --tokenizer)"); }
            }
        }
        if (tokenizer.VocabSize > model.Config.VocabSize)
            throw new CliException($"the tokenizer has {tokenizer.VocabSize} tokens but the model in '{modelPath}' only {model.Config.VocabSize}.");
        return (model, tokenizer);
    }

    /// <summary>
    /// A text generator for <paramref name="path"/>: a run folder runs float32; a GGUF file keeps its matrices
    /// in their stored ggml types (memory-mapped, int8 kernels) except float32 files, which load as float32.
    /// </summary>
    public static (TextGenerator Generator, ITokenizer Tokenizer) LoadTextGenerator(string? path, string? tokenizerPath = null)
    {
        if (path is null || !GptGguf.IsGgufPath(path))
        {
            var (model, tokenizer) = Load(path, tokenizerPath);
            return (new TextGenerator(model, tokenizer), tokenizer);
        }
        if (!File.Exists(path)) throw new CliException($"--model: GGUF file '{path}' does not exist.");
        try
        {
            var file = Formats.GgufFile.Open(path);
            try
            {
                var tokenizer = tokenizerPath is null ? GgufTokenizer.Read(file) : TokenizerArgument.Load(tokenizerPath);
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
