using System.CommandLine;
using System.Diagnostics;
using SharpLM.Formats;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Tokenizers;

namespace SharpLM.Cli.Commands;

/// <summary>
/// <c>sharplm quantize</c>: writes a model as a GGUF file whose weight matrices are stored in a
/// ggml type (q8_0, q4_0, q4_k, q6_k, f16, bf16, f32) — the 16-, 8- and 4-bit forms that let
/// big models fit small machines. Reads a GGUF file or a run folder; norms stay float32.
/// Also the GGUF side of <c>sharplm convert</c> (run folder ↔ GGUF).
/// </summary>
public static class QuantizeCommand
{
    /// <summary>Creates the <c>quantize</c> command.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The model: a .gguf file or a run folder (config.json, model.safetensors, tokenizer.json).", Required = true };
        var type = new Option<string>("--type") { Description = "Weight type: q8_0, q4_0, q4_k, q6_k, f16, bf16 or f32.", Required = true };
        var output = new Option<string>("--out") { Description = "The .gguf file to write.", Required = true };
        var cmd = new Command("quantize", "Write a model as GGUF with its weight matrices in a ggml type (q8_0, q4_0, q4_k, q6_k, f16, bf16).");
        cmd.Options.Add(model); cmd.Options.Add(type); cmd.Options.Add(output);
        cmd.SetAction(pr =>
        {
            Run(pr.GetValue(model)!, pr.GetValue(type)!, pr.GetValue(output)!);
            return 0;
        });
        return cmd;
    }

    /// <summary>Quantizes <paramref name="input"/> to <paramref name="typeName"/> at <paramref name="output"/> (also called by tests).</summary>
    public static void Run(string input, string typeName, string output)
    {
        QuantType type;
        try { type = QuantTypes.Parse(typeName, "--type"); }
        catch (ArgumentException e) { throw new CliException(e.Message); }
        var clock = Stopwatch.StartNew();
        try
        {
            if (GptGguf.IsGgufPath(input))
            {
                if (!File.Exists(input)) throw new CliException($"--model: GGUF file '{input}' does not exist.");
                using var file = GgufFile.Open(input);
                Requantize(file, type, output);
            }
            else
            {
                var (gpt, tokenizer) = GenerateModelLoader.Load(input);
                GptGguf.Save(gpt, output, type, w => GgufTokenizer.Write(w, tokenizer), Path.GetFileName(Path.GetFullPath(input)));
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or NotSupportedException)
        {
            throw new CliException(e.Message);
        }
        using var written = GgufFile.Open(output);
        Console.WriteLine($"wrote {output}: {new FileInfo(output).Length / (double)(1 << 20):F1} MiB in {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var line in DescribeBytes(written)) Console.WriteLine("  " + line);
    }

    /// <summary>
    /// Copies a GGUF file with every matrix re-stored as <paramref name="type"/> (dequantized, then quantized
    /// with ggml's reference rounding); metadata is kept, <c>general.file_type</c> updated.
    /// </summary>
    public static unsafe void Requantize(GgufFile file, QuantType type, string output)
    {
        var writer = new GgufWriter();
        bool quantized = type is not (QuantType.F32 or QuantType.F16 or QuantType.BF16), typed = false;
        foreach (var (key, value) in file.Metadata)
        {
            if (key == "general.quantization_version") continue;
            if (key != "general.file_type") { writer.Add(key, value); continue; }
            // The file type keeps its place (so re-quantizing our own file reproduces it byte for byte).
            writer.Add(key, GgufValue.UInt32(GptGguf.FileType(type)));
            if (quantized) writer.Add("general.quantization_version", GgufValue.UInt32(2));
            typed = true;
        }
        if (!typed)
        {
            writer.Add("general.file_type", GgufValue.UInt32(GptGguf.FileType(type)));
            if (quantized) writer.Add("general.quantization_version", GgufValue.UInt32(2));
        }
        foreach (var info in file.Tensors)
        {
            var t = info;
            bool matrix = t.Dimensions.Length == 2 && QuantTypes.IsComputable(t.Type);
            var stored = matrix ? GptGguf.StorageType(type, checked((int)t.Dimensions[0])) : t.Type;
            if (stored == t.Type)
            {
                writer.AddTensor(t.Name, t.Type, t.Dimensions, s => s.Write(new ReadOnlySpan<byte>(file.Data(t), checked((int)t.ByteCount))));
                continue;
            }
            writer.AddTensor(t.Name, stored, t.Dimensions, s =>
            {
                int columns = (int)t.Dimensions[0];
                long inRow = QuantTypes.RowBytes(t.Type, columns);
                var row = new float[columns];
                var bytes = new byte[QuantTypes.RowBytes(stored, columns)];
                for (long r = 0; r < t.Dimensions[1]; r++)
                {
                    QuantCodec.Dequantize(t.Type, new ReadOnlySpan<byte>(file.Data(t) + r * inRow, (int)inRow), row);
                    QuantCodec.Quantize(stored, row, bytes);
                    s.Write(bytes);
                }
            });
        }
        writer.Write(output);
    }

    /// <summary>Lines "q4_k: 155 tensors, 61.2 MiB" for each ggml type in the file.</summary>
    public static IEnumerable<string> DescribeBytes(GgufFile file) =>
        GptGguf.BytesByType(file).Select(x => $"{QuantTypes.Name(x.Type)}: {x.Tensors} tensors, {x.Bytes:N0} bytes ({x.Bytes / (double)(1 << 20):F2} MiB)");

    /// <summary>The GGUF side of <c>convert</c>: GGUF → run folder (<paramref name="toGguf"/> false) or run folder → GGUF as <paramref name="typeName"/>.</summary>
    public static void Convert(string input, string output, bool toGguf, string typeName = "f32")
    {
        try
        {
            if (toGguf)
            {
                Run(input, typeName, output);
                return;
            }
            using var file = GgufFile.Open(input);
            var model = GptGguf.Load(file);
            var tokenizer = GgufTokenizer.Read(file);
            FileSetCommit.Write(output, stage =>   // one set: an interrupted conversion leaves no mix of old and new files
            {
                GptHuggingFace.Save(model, stage);
                TokenizerFiles.Save(tokenizer, Path.Combine(stage, "tokenizer.json"));
            });
            Console.WriteLine($"wrote {output}: {GptHuggingFace.WeightsFile}, {GptHuggingFace.ConfigFile} and tokenizer.json");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or NotSupportedException)
        {
            throw new CliException(e.Message);
        }
    }
}
