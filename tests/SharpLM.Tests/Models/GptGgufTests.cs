using SharpLM.Formats;
using SharpLM.Generation;
using SharpLM.Kernels;
using SharpLM.Models;
using SharpLM.Nn;

namespace SharpLM.Tests.Models;

public sealed class GptGgufTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sharplm-gguf-model-" + Guid.NewGuid().ToString("N"));

    public GptGgufTests() => Directory.CreateDirectory(_dir);
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static GptConfig Llama(int width = 64, bool qkvBias = false, bool tied = false) => (new GptConfig
    {
        VocabSize = 96, VocabMultiple = 1, BlockSize = 32, Layers = 2, Heads = 4, KvHeads = 2, Width = width, MlpHidden = width + 32,
        QkvBias = qkvBias, RopeTheta = 10000f, NormEps = 1e-5f,
    }.AsLlama() with { TiedEmbeddings = tied, MlpHidden = width + 32 * (width / 64) });

    internal static GptConfig Gpt2Shape() => new() { VocabSize = 96, VocabMultiple = 1, BlockSize = 32, Layers = 2, Heads = 4, Width = 64, NormEps = 1e-5f };

    // Random weights everywhere (norm scales and biases too), so a mix-up of any two tensors shows.
    internal static Gpt RandomModel(GptConfig config, ulong seed)
    {
        var model = new Gpt(config, seed);
        var rng = new Random((int)seed);
        foreach (var (_, p) in model.NamedParameters())
        {
            var s = p.Data.Span;
            for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextDouble() * 0.2 - 0.1) + (p.Data.Rank == 1 ? 1f : 0f);
        }
        return model;
    }

    public static TheoryData<string> Shapes() => new() { "llama", "qwen2", "gpt2", "llama-tied" };

    private static GptConfig ConfigFor(string shape) => shape switch
    {
        "llama" => Llama(),
        "qwen2" => Llama(qkvBias: true),
        "llama-tied" => Llama(tied: true),
        _ => Gpt2Shape(),
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void F32_round_trip_is_bit_exact_and_generates_the_same_logits(string shape)
    {
        var config = ConfigFor(shape);
        var model = RandomModel(config, 7);
        string path = Path.Combine(_dir, shape + ".gguf");
        GptGguf.Save(model, path, QuantType.F32);
        using var file = GgufFile.Open(path);
        Assert.Equal(shape.StartsWith("llama") ? "llama" : shape, file.Require("general.architecture").AsString());
        var loaded = GptGguf.Load(file);
        Assert.Equal(config, loaded.Config);
        var original = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Data.Span.ToArray());
        foreach (var (name, p) in loaded.NamedParameters()) Assert.Equal(original[name], p.Data.Span.ToArray());
        int[] prompt = [3, 17, 42, 5, 88, 1];
        var a = new Generator(model).Prefill(prompt).ToArray();
        var b = new Generator(loaded).Prefill(prompt).ToArray();
        Assert.Equal(a, b);
    }

    [Fact]
    public void Llama_q_and_k_rows_are_stored_in_metas_interleaved_rotary_order()
    {
        var config = Llama();
        var model = RandomModel(config, 3);
        string path = Path.Combine(_dir, "perm.gguf");
        GptGguf.Save(model, path, QuantType.F32);
        using var file = GgufFile.Open(path);
        int d = config.HeadSize, c = config.Width, h = config.Heads;
        var fused = model.Blocks[0].Attention.QkvProjection.Weight.Data.Span;
        var q = file.ReadTensor("blk.0.attn_q.weight").Span;
        var k = file.ReadTensor("blk.0.attn_k.weight").Span;
        for (int head = 0; head < h; head++)
            for (int i = 0; i < d / 2; i++)
                for (int j = 0; j < 2; j++)
                {
                    // File row 2i+j of a head = our (rotate-half) row j·D/2 + i.
                    Assert.Equal(fused.Slice((head * d + j * d / 2 + i) * c, c).ToArray(), q.Slice((head * d + 2 * i + j) * c, c).ToArray());
                    if (head < config.KvHeadCount)
                        Assert.Equal(fused.Slice((h * d + head * d + j * d / 2 + i) * c, c).ToArray(), k.Slice((head * d + 2 * i + j) * c, c).ToArray());
                }
        // Qwen2 keeps Hugging Face's order (llama.cpp runs it with rotate-half RoPE).
        var qwen = RandomModel(Llama(qkvBias: true), 3);
        string qpath = Path.Combine(_dir, "qwen.gguf");
        GptGguf.Save(qwen, qpath, QuantType.F32);
        using var qfile = GgufFile.Open(qpath);
        Assert.Equal(qwen.Blocks[0].Attention.QkvProjection.Weight.Data.Span[..(h * d * c)].ToArray(), qfile.ReadTensor("blk.0.attn_q.weight").Span.ToArray());
    }

    [Theory]
    [InlineData(QuantType.Q8_0)]
    [InlineData(QuantType.Q4_0)]
    [InlineData(QuantType.Q4_K)]
    [InlineData(QuantType.Q6_K)]
    [InlineData(QuantType.F16)]
    [InlineData(QuantType.BF16)]
    public void Quantized_save_stores_each_matrix_as_the_reference_quantizer_does(QuantType type)
    {
        var config = Llama(width: 256);
        var model = RandomModel(config, 5);
        string path = Path.Combine(_dir, $"m.{QuantTypes.Name(type)}.gguf");
        GptGguf.Save(model, path, type);
        using var file = GgufFile.Open(path);
        var up = file.Info("blk.1.ffn_up.weight");
        Assert.Equal(type, up.Type);
        Assert.Equal(QuantType.F32, file.Info("blk.1.ffn_norm.weight").Type);
        // ffn_down has 288 columns: not a whole super-block, so K-quants fall back to a 32-block type.
        Assert.Equal(GptGguf.StorageType(type, 288), file.Info("blk.1.ffn_down.weight").Type);
        var expected = QuantCodec.Quantize(type, model.Blocks[1].Mlp.Up.Weight.Data.Span);
        Assert.Equal(expected, file.Bytes(up).ToArray());
        var loaded = GptGguf.Load(file);
        var dequantized = new float[expected.Length == 0 ? 0 : model.Blocks[1].Mlp.Up.Weight.Data.Length];
        QuantCodec.Dequantize(type, expected, dequantized);
        Assert.Equal(dequantized, loaded.Blocks[1].Mlp.Up.Weight.Data.Span.ToArray());
    }

    [Fact]
    public void Wrong_shapes_and_unknown_architectures_are_refused_with_the_tensor_named()
    {
        var model = RandomModel(Llama(), 1);
        string path = Path.Combine(_dir, "ok.gguf");
        GptGguf.Save(model, path, QuantType.F32);
        string bad = Path.Combine(_dir, "bad.gguf");
        using (var file = GgufFile.Open(path))
        {
            var w = new GgufWriter();
            foreach (var (k, v) in file.Metadata) w.Add(k, k == "llama.feed_forward_length" ? GgufValue.UInt32(64) : v);
            foreach (var t in file.Tensors) { var info = t; w.AddTensor(t.Name, t.Type, t.Dimensions, file.Bytes(info).ToArray()); }
            w.Write(bad);
        }
        var e = Assert.Throws<GgufFormatException>(() => GptGguf.Load(bad));
        Assert.Contains("ffn_gate.weight", e.Message);
        string mamba = Path.Combine(_dir, "mamba.gguf");
        new GgufWriter().Add("general.architecture", GgufValue.String("mamba")).Write(mamba);
        Assert.Contains("mamba", Assert.Throws<GgufFormatException>(() => GptGguf.Load(mamba)).Message);
    }
}
