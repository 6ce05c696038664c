using SharpLM.Formats;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Generation;

/// <summary>One linear layer kept quantized: one matrix, or several stacked by rows (q, k, v of the fused projection), and an optional float32 bias.</summary>
/// <param name="Parts">Matrices whose rows follow each other in the output (each may have its own ggml type).</param>
/// <param name="Bias">Bias over all output rows, or null.</param>
public sealed record QuantizedLinear(QuantMatrix[] Parts, Tensor? Bias)
{
    /// <summary>Input features.</summary>
    public int In => Parts[0].Columns;

    /// <summary>Output features (all parts' rows).</summary>
    public int Out => Parts.Sum(p => p.Rows);
}

/// <summary>One transformer block's weights for quantized inference.</summary>
public sealed record QuantizedBlock(Norm Norm1, QuantizedLinear Qkv, QuantizedLinear AttentionOut, Norm Norm2, QuantizedLinear? Gate, QuantizedLinear Up, QuantizedLinear Down);

/// <summary>
/// A model's weights held for inference in their ggml storage types — the matrices pointing
/// straight into a memory-mapped GGUF file (or quantized in memory from a <see cref="Gpt"/>),
/// only norms and biases as float32 — so resident memory stays close to the file size. The
/// <see cref="Generator"/> runs them with the int8 dot kernels (<see cref="QuantMatVec"/>).
/// </summary>
public sealed class QuantizedWeights : IDisposable
{
    private readonly GgufFile? _file;

    private QuantizedWeights(GptConfig config, QuantMatrix embedding, Tensor? positions, QuantizedBlock[] blocks, Norm finalNorm, QuantMatrix output, GgufFile? file)
    {
        Config = config;
        TokenEmbedding = embedding;
        Positions = positions;
        Rotary = config.Positions == PositionEncoding.Rotary ? new RotaryEmbedding(config) : null;
        Blocks = blocks;
        FinalNorm = finalNorm;
        Output = output;
        _file = file;
    }

    /// <summary>The architecture.</summary>
    public GptConfig Config { get; }
    /// <summary>Token embedding <c>[V, C]</c>; rows are dequantized as tokens are looked up.</summary>
    public QuantMatrix TokenEmbedding { get; }
    /// <summary>Learned positions <c>[T, C]</c> (GPT-2), else null.</summary>
    public Tensor? Positions { get; }
    /// <summary>Rotary tables (LLaMA), else null.</summary>
    public RotaryEmbedding? Rotary { get; }
    /// <summary>The blocks.</summary>
    public QuantizedBlock[] Blocks { get; }
    /// <summary>Final norm.</summary>
    public Norm FinalNorm { get; }
    /// <summary>Output head <c>[V, C]</c> (the token embedding when tied).</summary>
    public QuantMatrix Output { get; }

    /// <summary>Bytes of all weight matrices as stored (what a decode step streams).</summary>
    public long MatrixBytes => Blocks.Sum(b => new[] { b.Qkv, b.AttentionOut, b.Gate, b.Up, b.Down }.Where(l => l is not null).Sum(l => l!.Parts.Sum(p => p.ByteCount)))
        + TokenEmbedding.ByteCount + (ReferenceEquals(Output, TokenEmbedding) ? 0 : Output.ByteCount);

    /// <summary>
    /// Maps the weights of an open GGUF file (which must stay open while this is used; <see cref="Dispose"/> closes it).
    /// Matrices are used in place; only llama q/k rows (interleaved rotary order in the file) are copied, reordered.
    /// </summary>
    public static QuantizedWeights FromGguf(GgufFile file, int maxContext = 0)
    {
        string arch = GgufGptConfig.Architecture(file);
        var config = GgufGptConfig.Read(file, maxContext);
        var plans = GgufTensorPlan.For(config, arch).ToDictionary(p => p.GgufName);
        QuantMatrix Matrix(string name)
        {
            var info = file.Info(name);
            if (plans.TryGetValue(name, out var plan) && !info.Dimensions.SequenceEqual(plan.Dimensions))
                throw new GgufFormatException(file.Path, name, $"expected dimensions [{string.Join(", ", plan.Dimensions)}], found [{string.Join(", ", info.Dimensions)}]");
            if (!QuantTypes.IsComputable(info.Type)) throw new GgufFormatException(file.Path, name, $"type {QuantTypes.Name(info.Type)} cannot be computed with");
            var m = file.Matrix(info);
            return plan is { InterleavedHeads: > 0 } ? Reordered(m, GgufTensorPlan.RowOrder(plan.InterleavedHeads, config.HeadSize, toFile: false)) : m;
        }
        Tensor Vector(string name) => file.ReadTensor(name).Reshape(-1);
        Tensor? OptionalVector(string name) => file.Contains(name) ? Vector(name) : null;
        Norm NormOf(string prefix)
        {
            var norm = new Norm(config.Norm, config.Width, config.Bias, config.NormEps);
            Vector(prefix + ".weight").CopyTo(norm.Weight.Data);
            if (norm.Bias is not null) Vector(prefix + ".bias").CopyTo(norm.Bias.Data);
            return norm;
        }
        QuantizedLinear Linear(string name) => new([Matrix(name + ".weight")], OptionalVector(name + ".bias"));
        var blocks = new QuantizedBlock[config.Layers];
        for (int l = 0; l < config.Layers; l++)
        {
            string b = $"blk.{l}.";
            QuantizedLinear qkv = arch == "gpt2"
                ? Linear(b + "attn_qkv")
                : new([Matrix(b + "attn_q.weight"), Matrix(b + "attn_k.weight"), Matrix(b + "attn_v.weight")],
                    config.HasQkvBias ? Tensor.Concat([Vector(b + "attn_q.bias"), Vector(b + "attn_k.bias"), Vector(b + "attn_v.bias")], 0) : null);
            blocks[l] = new QuantizedBlock(NormOf(b + "attn_norm"), qkv, Linear(b + "attn_output"), NormOf(b + "ffn_norm"),
                arch == "gpt2" ? null : Linear(b + "ffn_gate"), Linear(b + "ffn_up"), Linear(b + "ffn_down"));
        }
        var embedding = Matrix("token_embd.weight");
        Tensor? positions = null;
        if (arch == "gpt2")
        {
            var all = file.ReadTensor("position_embd.weight");
            positions = all.Rows(0, config.BlockSize).Clone();
        }
        var output = file.Contains("output.weight") && !config.TiedEmbeddings ? Matrix("output.weight") : embedding;
        return new QuantizedWeights(config, embedding, positions, blocks, NormOf("output_norm"), output, file);
    }

    /// <summary>Quantizes a float32 model's matrices in memory as <paramref name="type"/> (rows of 32/256 permitting, see <see cref="GptGguf.StorageType"/>).</summary>
    public static QuantizedWeights FromModel(Gpt model, QuantType type)
    {
        var config = model.Config;
        QuantMatrix Q(Tensor w, int rows) => QuantMatrix.FromFloats(GptGguf.StorageType(type, w.Dim(1)), w.Span[..(rows * w.Dim(1))], rows, w.Dim(1));
        QuantizedLinear L(Linear linear) => new([Q(linear.Weight.Data, linear.OutFeatures)], linear.Bias?.Data.Clone());
        var blocks = model.Blocks.Select(b => new QuantizedBlock(b.Norm1, L(b.Attention.QkvProjection), L(b.Attention.OutputProjection), b.Norm2,
            b.Mlp.Gate is null ? null : L(b.Mlp.Gate), L(b.Mlp.Up), L(b.Mlp.Down))).ToArray();
        var embedding = Q(model.TokenEmbedding.Weight.Data, config.VocabSize);
        var output = model.LmHead is null ? embedding : Q(model.LmHead.Weight.Data, config.VocabSize);
        Tensor? positions = model.PositionEmbedding?.Weight.Data.Clone() ?? model.SinusoidalTable?.Clone();
        return new QuantizedWeights(config, embedding, positions, blocks, model.FinalNorm, output, null);
    }

    private static unsafe QuantMatrix Reordered(QuantMatrix m, int[] order)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)m.ByteCount), pinned: true);
        for (int r = 0; r < m.Rows; r++)
            new ReadOnlySpan<byte>(m.Row(order[r]), (int)m.RowBytes).CopyTo(bytes.AsSpan((int)(r * m.RowBytes), (int)m.RowBytes));
        fixed (byte* p = bytes) return new QuantMatrix(m.Type, m.Rows, m.Columns, p, bytes);
    }

    /// <summary>Closes the mapped file (the weights must no longer be used).</summary>
    public void Dispose() => _file?.Dispose();
}
