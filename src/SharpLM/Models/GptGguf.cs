using SharpLM.Formats;
using SharpLM.Kernels;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// A <see cref="Gpt"/> to and from a GGUF file (llama.cpp's format): the architecture keys
/// (<see cref="GgufGptConfig"/>), every weight by llama.cpp's tensor names
/// (<see cref="GgufTensorPlan"/>), q/k rows un-permuted from Meta's interleaved rotary order on
/// load and permuted back on save, matrices stored in a chosen ggml type and norms in F32.
/// </summary>
public static class GptGguf
{
    /// <summary>Loads a float32 model from <paramref name="path"/> (quantized weights are dequantized).</summary>
    public static Gpt Load(string path, int maxContext = 0)
    {
        using var file = GgufFile.Open(path);
        return Load(file, maxContext);
    }

    /// <summary>Loads a float32 model from an open file.</summary>
    public static Gpt Load(GgufFile file, int maxContext = 0)
    {
        string arch = GgufGptConfig.Architecture(file);
        var config = GgufGptConfig.Read(file, maxContext);
        var model = Gpt.Uninitialized(config);
        var parameters = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Data);
        var plans = GgufTensorPlan.For(config, arch);
        foreach (var plan in plans)
        {
            if (plan.GgufName == "position_embd.weight")
            {
                LoadPositions(file, config, parameters[plan.Parameter]);
                continue;
            }
            var info = file.Info(plan.GgufName);
            if (!info.Dimensions.SequenceEqual(plan.Dimensions))
                throw new GgufFormatException(file.Path, plan.GgufName, $"expected dimensions [{string.Join(", ", plan.Dimensions)}], found [{string.Join(", ", info.Dimensions)}]");
            var values = file.ReadTensor(plan.GgufName).Span;
            var destination = parameters[plan.Parameter].Span.Slice(plan.ElementStart, plan.Rows * plan.Columns);
            if (plan.InterleavedHeads > 0) Reorder(values, destination, GgufTensorPlan.RowOrder(plan.InterleavedHeads, config.HeadSize, toFile: false), plan.Columns);
            else values.CopyTo(destination);
        }
        var known = plans.Select(p => p.GgufName).ToHashSet();
        var extra = file.Tensors.Select(t => t.Name).Where(n => !known.Contains(n)).ToList();
        if (extra.Count > 0)
            throw new GgufFormatException(file.Path, extra[0], $"tensor is not part of a {arch} model SharpLM understands ({extra.Count} unexpected tensors)");
        return model;
    }

    // GPT-2 files may hold more positions than the context we keep: take the first BlockSize rows.
    private static void LoadPositions(GgufFile file, GptConfig config, Tensor destination)
    {
        var info = file.Info("position_embd.weight");
        if (info.Dimensions.Length != 2 || info.Dimensions[0] != config.Width || info.Dimensions[1] < config.BlockSize)
            throw new GgufFormatException(file.Path, "position_embd.weight", $"expected [{config.Width}, ≥{config.BlockSize}], found [{string.Join(", ", info.Dimensions)}]");
        file.ReadTensor("position_embd.weight").Span[..destination.Length].CopyTo(destination.Span);
    }

    private static void Reorder(ReadOnlySpan<float> source, Span<float> destination, int[] order, int columns)
    {
        for (int r = 0; r < order.Length; r++)
            source.Slice(order[r] * columns, columns).CopyTo(destination.Slice(r * columns, columns));
    }

    /// <summary>The ggml type a matrix with <paramref name="columns"/> per row is stored as when <paramref name="requested"/> is asked for (K-quants need rows of 256, the 32-blocks rows of 32).</summary>
    public static QuantType StorageType(QuantType requested, int columns)
    {
        if (columns % QuantTypes.BlockElements(requested) == 0) return requested;
        var fallback = requested switch { QuantType.Q4_K => QuantType.Q4_0, QuantType.Q6_K => QuantType.Q8_0, _ => QuantType.F16 };
        return columns % QuantTypes.BlockElements(fallback) == 0 ? fallback : QuantType.F16;
    }

    /// <summary>llama.cpp's <c>general.file_type</c> number for a model mostly of <paramref name="type"/>.</summary>
    public static uint FileType(QuantType type) => type switch
    {
        QuantType.F32 => 0, QuantType.F16 => 1, QuantType.Q4_0 => 2, QuantType.Q8_0 => 7,
        QuantType.Q4_K => 14, QuantType.Q6_K => 18, QuantType.BF16 => 32,
        _ => throw new NotSupportedException($"no GGUF file type for {QuantTypes.Name(type)}"),
    };

    /// <summary>
    /// Writes <paramref name="model"/> as GGUF v3 to <paramref name="path"/> (atomically): matrices as
    /// <paramref name="type"/> (see <see cref="StorageType"/>), vectors as F32, plus the tokenizer's metadata when given.
    /// </summary>
    public static void Save(Gpt model, string path, QuantType type, Action<GgufWriter>? addTokenizer = null, string name = "sharplm")
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!QuantTypes.IsComputable(type)) throw new ArgumentException($"cannot write weights as {QuantTypes.Name(type)}", nameof(type));
        var config = model.Config;
        string arch = GgufGptConfig.ArchitectureOf(config);
        var writer = new GgufWriter();
        GgufGptConfig.Write(writer, config, name);
        writer.Add("general.file_type", GgufValue.UInt32(FileType(type)));
        if (type is not (QuantType.F32 or QuantType.F16 or QuantType.BF16)) writer.Add("general.quantization_version", GgufValue.UInt32(2));
        addTokenizer?.Invoke(writer);
        var parameters = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Data);
        foreach (var plan in GgufTensorPlan.For(config, arch))
        {
            var source = parameters[plan.Parameter];
            var stored = plan.IsVector ? QuantType.F32 : StorageType(type, plan.Columns);
            var p = plan;
            writer.AddTensor(plan.GgufName, stored, plan.Dimensions, stream => WriteRows(stream, source, p, stored, config.HeadSize));
        }
        writer.Write(path);
    }

    private static void WriteRows(Stream stream, Tensor parameter, GgufTensorPlan plan, QuantType type, int headSize)
    {
        var all = parameter.Span.Slice(plan.ElementStart, plan.Rows * plan.Columns);
        int[]? order = plan.InterleavedHeads > 0 ? GgufTensorPlan.RowOrder(plan.InterleavedHeads, headSize, toFile: true) : null;
        var bytes = new byte[QuantTypes.RowBytes(type, plan.Columns)];
        for (int r = 0; r < plan.Rows; r++)
        {
            int source = order is null ? r : order[r];
            QuantCodec.Quantize(type, all.Slice(source * plan.Columns, plan.Columns), bytes);
            stream.Write(bytes);
        }
    }

    /// <summary>A one-line description of a GGUF file's weights: bytes per ggml type.</summary>
    public static IReadOnlyList<(QuantType Type, int Tensors, long Bytes)> BytesByType(GgufFile file) =>
        file.Tensors.GroupBy(t => t.Type).Select(g => (g.Key, g.Count(), g.Sum(t => t.ByteCount))).OrderByDescending(x => x.Item3).ToList();

    /// <summary>True when <paramref name="path"/> names a GGUF file (by extension or magic).</summary>
    public static bool IsGgufPath(string path)
    {
        if (path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)) return true;
        if (!File.Exists(path)) return false;
        using var s = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        return s.Read(magic) == 4 && magic.SequenceEqual("GGUF"u8);
    }
}
