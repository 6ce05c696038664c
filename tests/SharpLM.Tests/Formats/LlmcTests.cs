using System.Buffers.Binary;
using SharpLM.Formats;
using SharpLM.Models;

namespace SharpLM.Tests.Formats;

public sealed class LlmcTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharplm-llmc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Sub(string name) => Path.Combine(_dir, name);

    // A small llm.c config: maxT 8, V 70 (Vp 128 as llm.c pads to 128), L 2, NH 2, C 4.
    private const int MaxT = 8, V = 70, Vp = 128, L = 2, NH = 2, C = 4;

    /// <summary>Element counts of llm.c's 16 tensors in file order, written out from the layout in llmc_files.py's docstring.</summary>
    private static readonly long[] Counts =
    [
        Vp * C, MaxT * C, L * C, L * C, L * 3 * C * C, L * 3 * C, L * C * C, L * C,
        L * C, L * C, L * 4 * C * C, L * 4 * C, L * C * 4 * C, L * C, C, C,
    ];

    /// <summary>A distinct, exactly representable value for element e of tensor k (0 for wte padding rows, as llm.c).</summary>
    private static float Value(int k, long e) => k == 0 && e >= V * C ? 0f : k * 1000 + e * 0.25f + 0.125f;

    /// <summary>The test's own llm.c checkpoint writer (independent of the library's).</summary>
    internal static byte[] LlmcBytes(int version = 3, int magic = 20240326, int heads = NH)
    {
        int size = version == 5 ? 2 : 4;
        var bytes = new byte[1024 + Counts.Sum() * size];
        int[] header = [magic, version, MaxT, V, L, heads, C, Vp];
        for (int i = 0; i < header.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), header[i]);
        long at = 1024;
        for (int k = 0; k < Counts.Length; k++)
            for (long e = 0; e < Counts[k]; e++, at += size)
            {
                float v = Value(k, e);
                if (size == 4) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan((int)at), v);
                else BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan((int)at), (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16));
            }
        return bytes;
    }

    private string WriteFile(string name, byte[] bytes)
    {
        var path = Sub(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Checks every parameter against the value the llm.c layout puts there, through <paramref name="expect"/>.</summary>
    private static void AssertMapping(Gpt model, Func<float, float> expect)
    {
        var p = model.NamedParameters().ToDictionary(x => x.Name, x => x.Parameter.Data);
        void Check(string ours, int k, long start)
        {
            var span = p[ours].Span;
            for (int i = 0; i < span.Length; i++)
                Assert.True(expect(Value(k, start + i)) == span[i], $"{ours}[{i}] is {span[i]}, expected {expect(Value(k, start + i))} (llm.c tensor {k})");
        }
        Check("wte.weight", 0, 0);
        Check("wpe.weight", 1, 0);
        string[] perLayer = ["ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias",
                             "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"];
        for (int l = 0; l < L; l++)
            for (int j = 0; j < perLayer.Length; j++)
                Check($"h.{l}.{perLayer[j]}", 2 + j, l * (Counts[2 + j] / L));
        Check("ln_f.weight", 14, 0);
        Check("ln_f.bias", 15, 0);
    }

    [Fact]
    public void ImportsEveryTensorIntoItsGpt2Place()
    {
        var model = GptLlmc.Load(WriteFile("m.bin", LlmcBytes()));
        var c = model.Config;
        Assert.Equal((V, Vp, MaxT, L, NH, C), (c.VocabSize, c.PaddedVocabSize, c.BlockSize, c.Layers, c.Heads, c.Width));
        Assert.True(c.TiedEmbeddings && c.Bias && c.Norm == SharpLM.Nn.NormKind.LayerNorm && c.Positions == PositionEncoding.Learned);
        Assert.Equal(Counts.Sum(), model.ParameterCount());
        Assert.Equal([3 * C, C], model.Blocks[1].Attention.QkvProjection.Weight.Data.ShapeArray); // [out, in] in both
        AssertMapping(model, v => v);
    }

    [Fact]
    public void ImportsBFloat16Version5()
    {
        var model = GptLlmc.Load(WriteFile("bf16.bin", LlmcBytes(version: 5)));
        AssertMapping(model, v => BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(v) & 0xFFFF0000));
    }

    [Fact]
    public void ExportWritesTheSameBytesLlmcWould()
    {
        var bytes = LlmcBytes();
        var model = GptLlmc.Load(WriteFile("in.bin", bytes));
        var outPath = Sub("out.bin");
        GptLlmc.Save(model, outPath);
        Assert.Equal(bytes, File.ReadAllBytes(outPath));
    }

    [Fact]
    public void ExportRefusesTheExactGelu()
    {
        // llm.c's kernels compute the tanh GELU, so an exact-GELU model would run differently there.
        var model = GptLlmc.Load(WriteFile("gelu.bin", LlmcBytes()));
        var exact = new Gpt(model.Config with { Activation = MlpActivation.Gelu }, seed: 1);
        Assert.Contains("GELU", Assert.Throws<ArgumentException>(() => GptLlmc.Save(exact, Sub("gelu-out.bin"))).Message);
        Assert.False(File.Exists(Sub("gelu-out.bin")));
    }

    [Fact]
    public void Gpt2SizesGiveLlmcsPadding()
    {
        var config = GptLlmc.ConfigFrom(new LlmcHeader(3, 1024, 50257, 12, 12, 768, 50304));
        Assert.Equal(50304, config.PaddedVocabSize);
        Assert.Equal(124_475_904, new LlmcHeader(3, 1024, 50257, 12, 12, 768, 50304).ParameterCount);
        Assert.Equal(300, GptLlmc.ConfigFrom(new LlmcHeader(3, 8, 70, 1, 1, 4, 300)).PaddedVocabSize);
    }

    [Fact]
    public void CorruptCheckpointsAreNamed()
    {
        var bad = Assert.Throws<InvalidDataException>(() => GptLlmc.Load(WriteFile("magic.bin", LlmcBytes(magic: 1234))));
        Assert.Contains("magic.bin", bad.Message);
        Assert.Contains("magic", bad.Message);
        Assert.Contains("version", Assert.Throws<InvalidDataException>(() => GptLlmc.Load(WriteFile("v.bin", LlmcBytes(version: 4)))).Message);
        Assert.Contains("divisible", Assert.Throws<InvalidDataException>(() => GptLlmc.Load(WriteFile("nh.bin", LlmcBytes(heads: 3)))).Message);
        var full = LlmcBytes();
        var e = Assert.Throws<InvalidDataException>(() => GptLlmc.Load(WriteFile("cut.bin", full[..^4])));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("cut.bin", e.Message);
        Assert.Contains("trailing", Assert.Throws<InvalidDataException>(() => GptLlmc.Load(WriteFile("long.bin", [.. full, 0, 0]))).Message);
        Assert.Contains("header", Assert.Throws<InvalidDataException>(() => GptLlmc.Load(WriteFile("tiny.bin", full[..100]))).Message);
        Assert.Throws<FileNotFoundException>(() => GptLlmc.Load(Sub("absent.bin")));
    }

    private static byte[] TokenBytes(int[] ids, int magic = 20240520, int version = 1, int? count = null)
    {
        var bytes = new byte[1024 + 2 * ids.Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, magic);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), version);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), count ?? ids.Length);
        for (int i = 0; i < ids.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(1024 + 2 * i), (ushort)ids[i]);
        return bytes;
    }

    [Fact]
    public void TokenFilesReadAndRoundTrip()
    {
        int[] ids = [50256, 0, 1, 65535, 464, 3290];
        var path = WriteFile("t.bin", TokenBytes(ids));
        Assert.True(LlmcTokens.IsTokenFile(path));
        Assert.Equal(ids, LlmcTokens.Read(path));
        var again = Sub("t2.bin");
        LlmcTokens.Write(again, ids);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
        Assert.Throws<ArgumentException>(() => LlmcTokens.Write(again, [70000]));
        Assert.False(LlmcTokens.IsTokenFile(WriteFile("text.txt", new byte[2000])));
    }

    [Fact]
    public void CorruptTokenFilesAreNamed()
    {
        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => LlmcTokens.Read(WriteFile("m.tok", TokenBytes([1], magic: 7)))).Message);
        Assert.Contains("version", Assert.Throws<InvalidDataException>(() => LlmcTokens.Read(WriteFile("v.tok", TokenBytes([1], version: 2)))).Message);
        var e = Assert.Throws<InvalidDataException>(() => LlmcTokens.Read(WriteFile("c.tok", TokenBytes([1, 2], count: 3))));
        Assert.Contains("c.tok", e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("trailing", Assert.Throws<InvalidDataException>(() => LlmcTokens.Read(WriteFile("x.tok", TokenBytes([1, 2], count: 1)))).Message);
        Assert.Contains("header", Assert.Throws<InvalidDataException>(() => LlmcTokens.Read(WriteFile("h.tok", new byte[10]))).Message);
    }
}
