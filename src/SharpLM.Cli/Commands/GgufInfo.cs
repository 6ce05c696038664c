using SharpLM.Formats;
using SharpLM.Kernels;
using SharpLM.Models;

namespace SharpLM.Cli.Commands;

/// <summary>What <c>sharplm info --model file.gguf</c> prints: the file's architecture, shape, tokenizer and bytes per weight type.</summary>
internal static class GgufInfo
{
    /// <summary>The report's lines for the GGUF file at <paramref name="path"/>.</summary>
    public static IEnumerable<string> Describe(string path)
    {
        if (!File.Exists(path)) throw new CliException($"--model: GGUF file '{path}' does not exist.");
        var lines = new List<string>();
        try
        {
            using var file = GgufFile.Open(path);
            string arch = file.Get("general.architecture")?.AsString() ?? "(none)";
            lines.Add($"{path}: GGUF v{file.Version}, {file.Length:N0} bytes ({file.Length / (double)(1 << 20):F1} MiB), {file.Metadata.Count} metadata keys, {file.Tensors.Count} tensors, alignment {file.Alignment}");
            lines.Add($"architecture: {arch}{(file.Get("general.name") is { } n ? $" ('{n.AsString()}')" : "")}");
            try
            {
                var config = GgufGptConfig.Read(file);
                lines.AddRange(InfoCommand.Describe(config, 1, Math.Min(config.BlockSize, 1024)).Take(2));
                lines.Add($"  positions {config.Positions}, norm {config.Norm}, MLP {config.Activation}, kv heads {config.KvHeadCount}, rope θ {config.RopeTheta}, tied head {config.TiedEmbeddings}");
            }
            catch (Exception e) when (e is GgufFormatException or ArgumentException or InvalidCastException or OverflowException)
            {
                lines.Add($"  (SharpLM cannot run it: {e.Message})");
            }
            if (file.Get("tokenizer.ggml.model") is { } tm)
                lines.Add($"tokenizer: {tm.AsString()}, {file.Get("tokenizer.ggml.tokens")?.Count ?? 0:N0} tokens{(file.Get("tokenizer.ggml.pre") is { } pre ? $", pre-tokenizer {pre.AsString()}" : "")}{(file.Has("tokenizer.chat_template") ? ", chat template" : "")}");
            lines.Add("weights by type (bytes as stored; resident memory of a loaded model ≈ this total plus the KV cache):");
            foreach (var (type, count, bytes) in GptGguf.BytesByType(file))
                lines.Add($"  {QuantTypes.Name(type),-5} {count,5} tensors  {bytes,15:N0} bytes  {bytes / (double)(1 << 20),10:F2} MiB");
        }
        catch (GgufFormatException e) { throw new CliException(e.Message); }
        return lines;
    }
}
