using System.Buffers.Binary;
using System.Text;
using SharpLM.Formats;
using SharpLM.Kernels;

namespace SharpLM.Tests.Formats;

public sealed class GgufFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sharplm-gguf-" + Guid.NewGuid().ToString("N"));

    public GgufFileTests() => Directory.CreateDirectory(_dir);
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    private static GgufWriter Sample(int alignment = 32)
    {
        var w = new GgufWriter();
        w.Add("general.architecture", GgufValue.String("llama"));
        if (alignment != 32) w.Add("general.alignment", GgufValue.UInt32((uint)alignment));
        w.Add("u8", GgufValue.Scalar(GgufValueType.UInt8, (byte)200));
        w.Add("i8", GgufValue.Scalar(GgufValueType.Int8, (sbyte)-5));
        w.Add("u16", GgufValue.Scalar(GgufValueType.UInt16, (ushort)60000));
        w.Add("i16", GgufValue.Scalar(GgufValueType.Int16, (short)-300));
        w.Add("u32", GgufValue.UInt32(4_000_000_000));
        w.Add("i32", GgufValue.Int32(-7));
        w.Add("f32", GgufValue.Float32(0.25f));
        w.Add("bool", GgufValue.Bool(true));
        w.Add("u64", GgufValue.UInt64(ulong.MaxValue));
        w.Add("i64", GgufValue.Scalar(GgufValueType.Int64, long.MinValue));
        w.Add("f64", GgufValue.Scalar(GgufValueType.Float64, Math.PI));
        w.Add("tokens", GgufValue.Array(GgufValueType.String, new[] { "<s>", "▁hé", "" }));
        w.Add("scores", GgufValue.Array(GgufValueType.Float32, new[] { 0f, -1.5f, 2f }));
        w.Add("types", GgufValue.Array(GgufValueType.Int32, new[] { 3, 1, 6 }));
        w.Add("flags", GgufValue.Array(GgufValueType.Bool, new[] { true, false }));
        w.Add("bytes", GgufValue.Array(GgufValueType.UInt8, new byte[] { 1, 2, 3 }));
        w.Add("longs", GgufValue.Array(GgufValueType.UInt64, new ulong[] { 9, 10 }));
        w.Add("doubles", GgufValue.Array(GgufValueType.Float64, new[] { 1.0, 2.5 }));
        w.Add("shorts", GgufValue.Array(GgufValueType.Int16, new short[] { -1, 2 }));
        foreach (var (name, type, rows, cols) in new[] { ("a.f32", QuantType.F32, 3, 5), ("b.q8_0", QuantType.Q8_0, 3, 64), ("c.q4_k", QuantType.Q4_K, 2, 256), ("d.f16", QuantType.F16, 1, 7) })
            w.AddTensor(name, type, [cols, rows], QuantCodec.Quantize(type, Random(rows * cols, cols)));
        return w;
    }

    [Fact]
    public void Round_trip_keeps_every_value_type_and_tensor_and_copies_bit_exact()
    {
        string path = PathOf("sample.gguf"), copy = PathOf("copy.gguf");
        Sample().Write(path);
        using (var f = GgufFile.Open(path))
        {
            Assert.Equal(3u, f.Version);
            Assert.Equal("llama", f.Require("general.architecture").AsString());
            Assert.Equal((byte)200, f.Require("u8").Value);
            Assert.Equal((sbyte)-5, f.Require("i8").Value);
            Assert.Equal((ushort)60000, f.Require("u16").Value);
            Assert.Equal((short)-300, f.Require("i16").Value);
            Assert.Equal(4_000_000_000u, f.Require("u32").Value);
            Assert.Equal(-7, f.Require("i32").AsInt64());
            Assert.Equal(0.25f, f.Require("f32").AsFloat());
            Assert.True(f.Require("bool").AsBool());
            Assert.Equal(ulong.MaxValue, f.Require("u64").Value);
            Assert.Equal(long.MinValue, f.Require("i64").AsInt64());
            Assert.Equal(Math.PI, f.Require("f64").Value);
            Assert.Equal(new[] { "<s>", "▁hé", "" }, f.Require("tokens").AsArray<string>());
            Assert.Equal(new[] { 0f, -1.5f, 2f }, f.Require("scores").AsArray<float>());
            Assert.Equal(new[] { 3, 1, 6 }, f.Require("types").AsInt32Array());
            Assert.Equal(new[] { true, false }, f.Require("flags").AsArray<bool>());
            Assert.Equal(new[] { -1, 2 }, f.Require("shorts").AsInt32Array());
            Assert.Equal(4, f.Tensors.Count);
            foreach (var t in f.Tensors) Assert.Equal(0, (f.DataOffset + t.Offset) % 32);
            var a = f.ReadTensor("a.f32");
            Assert.Equal(new[] { 3, 5 }, a.ShapeArray);
            Assert.Equal(Random(15, 5), a.Span.ToArray());
            var q = f.Info("c.q4_k");
            Assert.Equal(QuantType.Q4_K, q.Type);
            Assert.Equal(QuantCodec.Quantize(QuantType.Q4_K, Random(512, 256)), f.Bytes(q).ToArray());
            GgufWriter.CopyOf(f).Write(copy);
        }
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(copy));
    }

    [Fact]
    public void General_alignment_is_honoured_for_every_tensor()
    {
        string path = PathOf("aligned.gguf");
        Sample(alignment: 64).Write(path);
        using var f = GgufFile.Open(path);
        Assert.Equal(64, f.Alignment);
        Assert.Equal(0, f.DataOffset % 64);
        foreach (var t in f.Tensors) Assert.Equal(0, t.Offset % 64);
    }

    private string Hostile(string name, byte[] bytes)
    {
        string path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private GgufFormatException Refused(string name, byte[] bytes, string fieldPart)
    {
        string path = Hostile(name, bytes);
        var e = Assert.Throws<GgufFormatException>(() => { using var _ = GgufFile.Open(path); });
        Assert.Contains(path, e.Message);
        Assert.Contains(fieldPart, e.Message);
        return e;
    }

    private static byte[] Header(uint version, ulong tensors, ulong kvs, Action<BinaryWriter>? rest = null)
    {
        var ms = new MemoryStream();
        var bw = new BinaryWriter(ms);
        bw.Write(Encoding.ASCII.GetBytes("GGUF"));
        bw.Write(version);
        bw.Write(tensors);
        bw.Write(kvs);
        rest?.Invoke(bw);
        bw.Flush();
        return ms.ToArray();
    }

    private static void Key(BinaryWriter bw, string key) { var b = Encoding.UTF8.GetBytes(key); bw.Write((ulong)b.Length); bw.Write(b); }

    [Fact]
    public void Bad_magic_and_versions_are_refused()
    {
        var bytes = Header(3, 0, 0);
        bytes[0] = (byte)'X';
        Refused("magic.gguf", bytes, "magic");
        Refused("v1.gguf", Header(1, 0, 0), "v1");
        Refused("v9.gguf", Header(9, 0, 0), "version 9");
        Refused("tiny.gguf", Encoding.ASCII.GetBytes("GGUF"), "header");
    }

    [Fact]
    public void Absurd_counts_fail_before_allocating()
    {
        var e = Refused("tensors.gguf", Header(3, ulong.MaxValue, 0), "tensor_count");
        Assert.Contains("limit", e.Message);
        Refused("kvs.gguf", Header(3, 0, 1000), "metadata_kv_count"); // fits the limit, not the 0 bytes left
        Refused("array.gguf", Header(3, 0, 1, bw => { Key(bw, "tokenizer.ggml.tokens"); bw.Write(9u); bw.Write(8u); bw.Write(50_000_000UL); }), "tokenizer.ggml.tokens");
        Refused("string.gguf", Header(3, 0, 1, bw => { Key(bw, "general.name"); bw.Write(8u); bw.Write(1UL << 40); }), "general.name");
        Refused("longstring.gguf", Header(3, 0, 1, bw => { Key(bw, "general.name"); bw.Write(8u); bw.Write(100UL); bw.Write(new byte[10]); }), "runs past the end");
        Refused("key.gguf", Header(3, 0, 1, bw => { bw.Write(ulong.MaxValue); bw.Write(new byte[16]); }), "metadata key #0");
    }

    [Fact]
    public void Unknown_types_and_bad_alignment_are_refused()
    {
        Refused("valuetype.gguf", Header(3, 0, 1, bw => { Key(bw, "x"); bw.Write(77u); }), "unknown value type");
        Refused("align3.gguf", Header(3, 0, 1, bw => { Key(bw, "general.alignment"); bw.Write(4u); bw.Write(3u); }), "power of two");
        Refused("alignType.gguf", Header(3, 0, 1, bw => { Key(bw, "general.alignment"); bw.Write(5u); bw.Write(32); }), "uint32");
        Refused("bool.gguf", Header(3, 0, 1, bw => { Key(bw, "flag"); bw.Write(7u); bw.Write((byte)2); }), "bool");
        Refused("dup.gguf", Header(3, 0, 2, bw => { Key(bw, "k"); bw.Write(4u); bw.Write(1u); Key(bw, "k"); bw.Write(4u); bw.Write(1u); }), "duplicate");
    }

    private static byte[] OneTensor(uint type, ulong[] dims, ulong offset, int dataBytes)
    {
        var head = Header(3, 1, 0, bw =>
        {
            Key(bw, "w");
            bw.Write((uint)dims.Length);
            foreach (var d in dims) bw.Write(d);
            bw.Write(type);
            bw.Write(offset);
        });
        int padded = (head.Length + 31) / 32 * 32;
        var file = new byte[padded + dataBytes];
        head.CopyTo(file, 0);
        return file;
    }

    [Fact]
    public void Tensor_infos_are_checked_against_the_file()
    {
        // A valid one first, so the failures below are each for their own reason.
        using (var ok = GgufFile.Open(Hostile("ok.gguf", OneTensor(0, [4, 2], 0, 32)))) Assert.Equal(32, ok.Info("w").ByteCount);
        Refused("past.gguf", OneTensor(0, [4, 2], 0, 31), "runs past the end");
        Refused("offset.gguf", OneTensor(0, [4, 2], 1UL << 40, 32), "runs past the end");
        Refused("misaligned.gguf", OneTensor(0, [4, 2], 8, 64), "misaligned");
        Refused("type.gguf", OneTensor(99, [4, 2], 0, 32), "type id 99");
        Refused("block.gguf", OneTensor((uint)QuantType.Q8_0, [48, 1], 0, 64), "multiple of");
        Refused("dims.gguf", OneTensor(0, [1, 1, 1, 1, 1], 0, 32), "dimensions");
        Refused("overflow.gguf", OneTensor(0, [1UL << 40, 1UL << 40], 0, 32), "overflows");
        Refused("truncated.gguf", OneTensor(0, [4, 2], 0, 32)[..40], "truncated");
    }

    [Fact]
    public void Writer_refuses_what_llama_cpp_would_refuse()
    {
        var w = new GgufWriter();
        Assert.Throws<ArgumentException>(() => w.AddTensor(new string('n', 64), QuantType.F32, [1], new byte[4]));
        Assert.Throws<ArgumentException>(() => w.AddTensor("q", QuantType.Q8_0, [48], new byte[51]));
        Assert.Throws<ArgumentException>(() => w.Add("general.alignment", GgufValue.UInt32(48)));
        w.AddTensor("short", QuantType.F32, [2], new byte[4]); // wrong byte count: caught when writing, and nothing is left behind
        string path = PathOf("bad.gguf");
        Assert.Throws<GgufFormatException>(() => w.Write(path));
        Assert.Empty(Directory.GetFiles(_dir));
    }
}
