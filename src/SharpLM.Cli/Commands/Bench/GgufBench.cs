using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SharpLM.Formats;
using SharpLM.Generation;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Tokenizers;

namespace SharpLM.Cli.Commands.Bench;

/// <summary>
/// <c>sharplm bench gguf</c>: prefill and decode tokens/s of a GGUF model run with its weights in
/// their stored ggml types (memory-mapped, int8 kernels) — the same file llama.cpp can be timed on.
/// With <c>--preset</c> and <c>--write</c> it first writes a random-weight model of that shape as
/// the chosen type (with a placeholder SentencePiece vocabulary so llama.cpp loads it too).
/// </summary>
public static class GgufBench
{
    /// <summary>Creates the <c>gguf</c> sub-command.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The .gguf file to time (written first when --preset is given).", Required = true };
        var preset = new Option<string?>("--preset") { Description = "Write a random-weight model of this preset to --model first (e.g. stories110M, tinyllama-1.1b)." };
        var type = new Option<string>("--type") { Description = "Weight type for --preset: f32, f16, bf16, q8_0, q4_0, q4_k, q6_k.", DefaultValueFactory = _ => "q8_0" };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Prompt length prefilled in one pass.", DefaultValueFactory = _ => 128 };
        var newTokens = new Option<int>("--new-tokens") { Description = "Tokens decoded one at a time after the prompt.", DefaultValueFactory = _ => 128 };
        var threads = new Option<int>("--threads") { Description = "Kernel threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var repeat = new Option<int>("--repeat") { Description = "Timed runs; the median is reported.", DefaultValueFactory = _ => 3 };
        var path = new Option<string?>("--path") { Description = "Force the int8 kernel path: scalar, avx2 or avxvnni (default: the best this CPU has)." };
        var cmd = new Command("gguf", "Prefill and decode tokens/s of a GGUF model on its quantized weights (int8 kernels).");
        foreach (var o in new Option[] { model, preset, type, promptTokens, newTokens, threads, repeat, path }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            Run(pr.GetValue(model)!, pr.GetValue(preset), pr.GetValue(type)!, pr.GetValue(promptTokens), pr.GetValue(newTokens), pr.GetValue(threads), pr.GetValue(repeat), pr.GetValue(path));
            return 0;
        });
        return cmd;
    }

    private static void Run(string modelPath, string? presetName, string typeName, int promptTokens, int newTokens, int threads, int repeat, string? pathName)
    {
        if (threads < 1 || repeat < 1 || promptTokens < 1 || newTokens < 1) throw new CliException("--threads, --repeat, --prompt-tokens and --new-tokens must be ≥ 1");
        KernelThreads.Count = threads;
        if (presetName is not null)
        {
            QuantType type;
            GptConfig config;
            try { type = QuantTypes.Parse(typeName, "--type"); config = GptConfig.Preset(presetName); }
            catch (ArgumentException e) { throw new CliException(e.Message); }
            config = config with { BlockSize = Math.Min(config.BlockSize, 2048), VocabMultiple = 1 };
            Console.Error.WriteLine($"writing {presetName} with random weights as {QuantTypes.Name(type)} to {modelPath}…");
            WriteRandomModel(config, type, modelPath, presetName);
            // The float32 model that was written is garbage now: give its memory back before timing, so the
            // resident figure below is the mapped file's, not the writer's (it was ~0.5 GiB at stories110M).
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
        IDisposable? forced = null;
        if (pathName is not null)
        {
            if (!Enum.TryParse<QuantKernelPath>(pathName, ignoreCase: true, out var p)) throw new CliException($"--path must be scalar, avx2 or avxvnni, got '{pathName}'");
            try { forced = QuantKernelPaths.Force(p); }
            catch (PlatformNotSupportedException e) { throw new CliException(e.Message); }
        }
        using var file = GgufFile.Open(modelPath);
        using var weights = QuantizedWeights.FromGguf(file, maxContext: promptTokens + newTokens);
        var cfg = weights.Config;
        var generator = new Generator(weights, new GeneratorOptions { PrefillChunk = promptTokens });
        var (prefillMedian, decodeMedian) = DecodeTiming.Measure(generator, cfg.VocabSize, promptTokens, newTokens, repeat);
        forced?.Dispose();
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "{0}: {1} matrix MiB, path {2}, {3} threads: prefill {4:F1} tok/s, decode {5:F1} tok/s ({6:F1} GB/s of weights)",
            Path.GetFileName(modelPath), weights.MatrixBytes / (double)(1 << 20), pathName ?? QuantKernelPaths.Best.ToString(), threads,
            prefillMedian, decodeMedian, weights.MatrixBytes * decodeMedian / 1e9));
        Console.WriteLine($"  resident memory now: {Process.GetCurrentProcess().WorkingSet64 / (double)(1 << 20):F0} MiB (file {file.Length / (double)(1 << 20):F0} MiB)");
    }

    // In its own frame, so nothing of the float32 model stays reachable from Run's locals.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void WriteRandomModel(GptConfig config, QuantType type, string modelPath, string presetName)
    {
        var gpt = new Gpt(config, seed: 1);
        GptGguf.Save(gpt, modelPath, type, w => GgufTokenizer.Write(w, PlaceholderVocabulary(config.VocabSize)), presetName);
    }

    // <unk>, <s>, </s>, the 256 byte pieces, then placeholder pieces: enough for llama.cpp to load a random-weight model.
    private static SentencePieceTokenizer PlaceholderVocabulary(int size)
    {
        var pieces = new List<string> { "<unk>", "<s>", "</s>" };
        var types = new List<SentencePieceType> { SentencePieceType.Unknown, SentencePieceType.Control, SentencePieceType.Control };
        for (int b = 0; b < 256; b++) { pieces.Add($"<0x{b:X2}>"); types.Add(SentencePieceType.Byte); }
        for (int i = pieces.Count; i < size; i++) { pieces.Add($"▁p{i}"); types.Add(SentencePieceType.Normal); }
        var scores = Enumerable.Range(0, size).Select(i => -(float)i).ToArray();
        return new SentencePieceTokenizer(pieces.Take(size).ToArray(), scores, types.Take(size).ToArray(), SentencePieceModelKind.Bpe);
    }
}
