using System.Buffers.Binary;
using SharpLM.Autograd;
using SharpLM.Formats;
using SharpLM.Generation;
using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Tests.Formats;

public sealed class Llama2cTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharplm-llama2c-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Sub(string name) => Path.Combine(_dir, name);

    /// <summary>Random llama2.c weights (norm scales near 1, matrices N(0, 0.3)).</summary>
    private static Llama2cWeights RandomWeights(Llama2cHeader header, ulong seed)
    {
        var w = new Llama2cWeights(header);
        var rng = new Rng(seed);
        foreach (var t in w.AttentionNorm.Concat(w.FfnNorm).Append(w.FinalNorm)) rng.FillNormal(t.Span, 1f, 0.2f);
        foreach (var t in w.Matrices()) rng.FillNormal(t.Span, 0f, 0.3f);
        return w;
    }

    private static readonly Llama2cHeader Gqa = new(Dim: 16, HiddenDim: 40, Layers: 2, Heads: 4, KvHeads: 2, VocabSize: 37, SeqLen: 24, SharedClassifier: false);
    private static readonly Llama2cHeader Tied = new(Dim: 24, HiddenDim: 64, Layers: 3, Heads: 3, KvHeads: 3, VocabSize: 50, SeqLen: 16, SharedClassifier: true);

    private static void AssertSame(Llama2cWeights a, Llama2cWeights b)
    {
        var x = a.Matrices().Concat(a.AttentionNorm).Concat(a.FfnNorm).Append(a.FinalNorm).ToList();
        var y = b.Matrices().Concat(b.AttentionNorm).Concat(b.FfnNorm).Append(b.FinalNorm).ToList();
        Assert.Equal(x.Count, y.Count);
        for (int i = 0; i < x.Count; i++) Assert.True(x[i].Span.SequenceEqual(y[i].Span), $"tensor {i} differs");
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(0, true)]
    [InlineData(1, false)]
    [InlineData(1, true)]
    public void WriteThenReadIsBitExact(int version, bool tied)
    {
        var header = tied ? Tied : Gqa;
        var w = RandomWeights(header, 3);
        var path = Sub($"v{version}-{tied}.bin");
        Llama2cCheckpoint.Write(path, w, version);
        Assert.Equal(Llama2cCheckpoint.ExpectedSize(header with { Version = version }), new FileInfo(path).Length);
        var back = Llama2cCheckpoint.Read(path);
        Assert.Equal(header with { Version = version }, back.Header);
        AssertSame(w, back);
    }

    [Fact]
    public void LegacyHeaderFlagsAnUntiedHeadWithANegativeVocabulary()
    {
        var path = Sub("v0.bin");
        Llama2cCheckpoint.Write(path, RandomWeights(Gqa, 4), 0);
        var bytes = File.ReadAllBytes(path);
        int[] ints = Enumerable.Range(0, 7).Select(i => BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4 * i))).ToArray();
        Assert.Equal([16, 40, 2, 4, 2, -37, 24], ints);
        var v1 = Sub("v1.bin");
        Llama2cCheckpoint.Write(v1, RandomWeights(Tied, 4), 1);
        bytes = File.ReadAllBytes(v1);
        Assert.Equal("24ka", System.Text.Encoding.ASCII.GetString(bytes, 0, 4)); // 0x616b3432 little-endian
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(50, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8 + 5 * 4)));
        Assert.Equal(1, bytes[36]);
        Assert.All(bytes[37..256], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Version2Int8GroupsAreDequantized()
    {
        // A v2 file built here from its definition: header with group size, fp32 norms, then each
        // matrix as int8 values followed by one fp32 scale per group (value = q · scale).
        const int group = 8;
        var header = Gqa with { Version = 2, GroupSize = group };
        var source = RandomWeights(Gqa, 5);
        var path = Sub("v2.bin");
        using (var f = File.Create(path))
        {
            var head = new byte[256];
            BinaryPrimitives.WriteUInt32LittleEndian(head, Llama2cHeader.Magic);
            BinaryPrimitives.WriteInt32LittleEndian(head.AsSpan(4), 2);
            int[] ints = [16, 40, 2, 4, 2, 37, 24];
            for (int i = 0; i < 7; i++) BinaryPrimitives.WriteInt32LittleEndian(head.AsSpan(8 + 4 * i), ints[i]);
            head[36] = 0;
            BinaryPrimitives.WriteInt32LittleEndian(head.AsSpan(37), group);
            f.Write(head);
            foreach (var t in source.AttentionNorm.Concat(source.FfnNorm).Append(source.FinalNorm)) WriteFloats(f, t.Span);
            foreach (var t in source.Matrices())
            {
                var values = t.Span;
                var q = new sbyte[values.Length];
                var scales = new float[values.Length / group];
                for (int g = 0; g < scales.Length; g++)
                {
                    float max = 0;
                    for (int i = 0; i < group; i++) max = Math.Max(max, Math.Abs(values[g * group + i]));
                    scales[g] = max / 127f;
                    for (int i = 0; i < group; i++) q[g * group + i] = (sbyte)Math.Round(values[g * group + i] / scales[g]);
                }
                f.Write((byte[])(Array)q);
                WriteFloats(f, scales);
                // What the reader must produce: the dequantized values.
                for (int i = 0; i < values.Length; i++) values[i] = q[i] * scales[i / group];
            }
        }
        Assert.Equal(Llama2cCheckpoint.ExpectedSize(header), new FileInfo(path).Length);
        var back = Llama2cCheckpoint.Read(path);
        Assert.Equal(header, back.Header);
        AssertSame(source, back);
    }

    private static void WriteFloats(Stream s, ReadOnlySpan<float> values)
    {
        var b = new byte[4];
        foreach (float v in values) { BinaryPrimitives.WriteSingleLittleEndian(b, v); s.Write(b); }
    }

    [Fact]
    public void BadFilesAreNamed()
    {
        var path = Sub("bad.bin");
        Llama2cCheckpoint.Write(path, RandomWeights(Gqa, 6), 1);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);
        var e = Assert.Throws<InvalidDataException>(() => Llama2cCheckpoint.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);

        var badHeads = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(badHeads.AsSpan(8 + 4 * 4), 3); // n_kv_heads 3 does not divide 4
        File.WriteAllBytes(path, badHeads);
        Assert.Contains("n_kv_heads", Assert.Throws<InvalidDataException>(() => Llama2cCheckpoint.Read(path)).Message);

        var badVersion = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(badVersion.AsSpan(4), 7);
        File.WriteAllBytes(path, badVersion);
        Assert.Contains("version 7", Assert.Throws<InvalidDataException>(() => Llama2cCheckpoint.Read(path)).Message);

        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Contains("too short", Assert.Throws<InvalidDataException>(() => Llama2cCheckpoint.Read(path)).Message);
        Assert.Throws<FileNotFoundException>(() => Llama2cCheckpoint.Read(Sub("absent.bin")));
        Assert.Throws<ArgumentException>(() => Llama2cCheckpoint.Write(Sub("v2.bin"), RandomWeights(Gqa, 6), 2));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LoadedModelMatchesADirectInterleavedRopeReference(bool tied)
    {
        var w = RandomWeights(tied ? Tied : Gqa, 7);
        var path = Sub("ref.bin");
        Llama2cCheckpoint.Write(path, w, 0);
        var model = GptLlama2c.Load(path);
        int[] ids = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];
        var expected = Llama2cReference.Forward(w, ids);
        var c = model.Config;
        // Training forward (tape) and the inference engine (KV cache, token by token) both agree with the reference.
        var logits = model.Forward(new Tape(false), ids, 1, ids.Length).Data.Span;
        var generator = new Generator(model);
        double worst = 0, worstDecode = 0;
        for (int t = 0; t < ids.Length; t++)
        {
            var step = t == 0 ? generator.Prefill(ids.AsSpan(0, 1)) : generator.Decode(ids[t]);
            for (int v = 0; v < c.VocabSize; v++)
            {
                worst = Math.Max(worst, Math.Abs(logits[t * c.PaddedVocabSize + v] - expected[t][v]));
                worstDecode = Math.Max(worstDecode, Math.Abs(step[v] - expected[t][v]));
            }
        }
        Assert.True(worst < 1e-4, $"tape forward vs interleaved reference: {worst:G3}");
        Assert.True(worstDecode < 1e-4, $"generator vs interleaved reference: {worstDecode:G3}");

        // Without the permutation the rotary pairs are wrong and the logits differ: the test can fail.
        var unpermuted = GptLlama2c.Load(path);
        var q = unpermuted.Blocks[0].Attention.QkvProjection.Weight.Data;
        w.Wq[0].CopyTo(q.Rows(0, w.Wq[0].Dim(0)));
        var wrong = unpermuted.Forward(new Tape(false), ids, 1, ids.Length).Data.Span;
        double diff = 0;
        for (int t = 1; t < ids.Length; t++)
            for (int v = 0; v < c.VocabSize; v++) diff = Math.Max(diff, Math.Abs(wrong[t * c.PaddedVocabSize + v] - expected[t][v]));
        Assert.True(diff > 1e-2, $"unpermuted q rows should change the logits, max diff {diff:G3}");
    }

    [Fact]
    public void ModelToLlama2cAndBackIsBitExact()
    {
        var config = GptLlama2c.ToConfig(Gqa);
        var model = LlamaHuggingFaceTests.RandomModel(config, 8);
        var path = Sub("rt.bin");
        GptLlama2c.Save(model, path, version: 1);
        var back = GptLlama2c.Load(path);
        Assert.Equal(config, back.Config);
        LlamaHuggingFaceTests.AssertSameWeights(model, back);

        // Permutation and its inverse.
        var rows = Tensor.RandomNormal([2 * 6, 3], 0, 1, 9);
        var halves = new Tensor(12, 3);
        var again = new Tensor(12, 3);
        GptLlama2c.InterleavedToHalves(rows, halves, 6);
        Assert.Equal(rows[2, 0], halves[1, 0]);          // pair 1, first element → i = 1
        Assert.Equal(rows[3, 0], halves[1 + 3, 0]);      // pair 1, second element → i + D/2
        Assert.Equal(rows[6 + 5, 2], halves[6 + 2 + 3, 2]); // second head
        GptLlama2c.HalvesToInterleaved(halves, again, 6);
        Assert.True(rows.Span.SequenceEqual(again.Span));
    }

    [Fact]
    public void ModelsLlama2cCannotHoldAreRefused()
    {
        var qwen = LlamaHuggingFaceTests.Llama with { QkvBias = true };
        var e = Assert.Throws<ArgumentException>(() => GptLlama2c.Save(new Gpt(qwen, 1), Sub("x.bin")));
        Assert.Contains("no biases", e.Message);
        var gpt2 = new GptConfig { VocabSize = 20, BlockSize = 8, Layers = 1, Heads = 2, Width = 8 };
        Assert.Contains("rotary", Assert.Throws<ArgumentException>(() => GptLlama2c.Save(new Gpt(gpt2, 1), Sub("y.bin"))).Message);
        Assert.False(File.Exists(Sub("x.bin")));
    }
}
