using System.Buffers.Binary;
using System.Runtime.InteropServices;
using SharpLM.Tensors;

namespace SharpLM.Formats;

/// <summary>
/// The weights of a llama2.c checkpoint, in llama2.c's own terms (Meta's layout): matrices are
/// <c>[out, in]</c>, and the query/key rows of each head pair dimensions interleaved
/// (2i, 2i+1) for rotary positions. One tensor per layer for each kind.
/// </summary>
public sealed class Llama2cWeights
{
    /// <summary>Allocates zeroed tensors of the shapes <paramref name="header"/> describes.</summary>
    public Llama2cWeights(Llama2cHeader header)
    {
        Header = header;
        int c = header.Dim, f = header.HiddenDim, q = header.Heads * header.HeadSize, kv = header.KvDim, l = header.Layers;
        TokenEmbedding = new Tensor(header.VocabSize, c);
        AttentionNorm = Make(l, () => new Tensor(c));
        Wq = Make(l, () => new Tensor(q, c));
        Wk = Make(l, () => new Tensor(kv, c));
        Wv = Make(l, () => new Tensor(kv, c));
        Wo = Make(l, () => new Tensor(c, q));
        FfnNorm = Make(l, () => new Tensor(c));
        W1 = Make(l, () => new Tensor(f, c));
        W2 = Make(l, () => new Tensor(c, f));
        W3 = Make(l, () => new Tensor(f, c));
        FinalNorm = new Tensor(c);
        Classifier = header.SharedClassifier ? null : new Tensor(header.VocabSize, c);
    }

    /// <summary>The shape (and, once read, the version the file had).</summary>
    public Llama2cHeader Header { get; }
    /// <summary>Token embedding table <c>[V, dim]</c>.</summary>
    public Tensor TokenEmbedding { get; }
    /// <summary>Per layer: RMSNorm scale before attention <c>[dim]</c>.</summary>
    public Tensor[] AttentionNorm { get; }
    /// <summary>Per layer: query projection <c>[H·D, dim]</c> (interleaved rotary pairs).</summary>
    public Tensor[] Wq { get; }
    /// <summary>Per layer: key projection <c>[Hkv·D, dim]</c> (interleaved rotary pairs).</summary>
    public Tensor[] Wk { get; }
    /// <summary>Per layer: value projection <c>[Hkv·D, dim]</c>.</summary>
    public Tensor[] Wv { get; }
    /// <summary>Per layer: attention output projection <c>[dim, H·D]</c>.</summary>
    public Tensor[] Wo { get; }
    /// <summary>Per layer: RMSNorm scale before the feed-forward <c>[dim]</c>.</summary>
    public Tensor[] FfnNorm { get; }
    /// <summary>Per layer: SwiGLU gate projection <c>w1 [hidden, dim]</c>.</summary>
    public Tensor[] W1 { get; }
    /// <summary>Per layer: down projection <c>w2 [dim, hidden]</c>.</summary>
    public Tensor[] W2 { get; }
    /// <summary>Per layer: up projection <c>w3 [hidden, dim]</c>.</summary>
    public Tensor[] W3 { get; }
    /// <summary>Final RMSNorm scale <c>[dim]</c>.</summary>
    public Tensor FinalNorm { get; }
    /// <summary>The untied output head <c>wcls [V, dim]</c>, or null when it is the token embedding.</summary>
    public Tensor? Classifier { get; }

    /// <summary>The matrices in the order llama2.c writes them (v1 and v2): embedding, all wq, all wk, all wv, all wo, all w1, all w2, all w3, then the head if untied.</summary>
    internal IEnumerable<Tensor> Matrices() =>
        new[] { TokenEmbedding }.Concat(Wq).Concat(Wk).Concat(Wv).Concat(Wo).Concat(W1).Concat(W2).Concat(W3)
            .Concat(Classifier is null ? [] : [Classifier]);

    private static Tensor[] Make(int n, Func<Tensor> create) => Enumerable.Range(0, n).Select(_ => create()).ToArray();
}

/// <summary>
/// Reads and writes karpathy/llama2.c checkpoints, little-endian: version 0 (the legacy
/// 7-int header; embedding, per-kind layer weights, final norm, the old RoPE tables, then the
/// head if untied — what llama2.c's <c>run</c> reads), version 1 (the 256-byte <c>ak42</c>
/// header; norms first, then the matrices) and, for reading only, version 2 (matrices as int8
/// in groups of <see cref="Llama2cHeader.GroupSize"/> with a float32 scale each, dequantized to
/// float32 here). The file size is checked against the header before any weight is read.
/// </summary>
public static class Llama2cCheckpoint
{
    /// <summary>Reads any of the three versions into float32 weights (v2 dequantized: <c>q · scale</c>).</summary>
    public static Llama2cWeights Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"llama2.c checkpoint '{path}' does not exist.", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var header = Llama2cHeader.Read(stream, path);
        long expected = ExpectedSize(header);
        if (stream.Length != expected)
            throw Llama2cHeader.Bad(path, $"is {stream.Length:N0} bytes but its header (version {header.Version}, dim {header.Dim}, hidden_dim {header.HiddenDim}, " +
                $"{header.Layers} layers, {header.Heads}/{header.KvHeads} heads, vocab {header.VocabSize}, seq_len {header.SeqLen}, " +
                $"{(header.SharedClassifier ? "shared" : "separate")} head) needs {expected:N0}{(stream.Length < expected ? " (truncated?)" : "")}");
        stream.Position = header.DataStart;
        var w = new Llama2cWeights(header);
        switch (header.Version)
        {
            case 0:
                ReadFloats(stream, w.TokenEmbedding);
                foreach (var t in w.AttentionNorm.Concat(w.Wq).Concat(w.Wk).Concat(w.Wv).Concat(w.Wo).Concat(w.FfnNorm).Concat(w.W1).Concat(w.W2).Concat(w.W3))
                    ReadFloats(stream, t);
                ReadFloats(stream, w.FinalNorm);
                stream.Position += 2L * RopeTableFloats(header) * sizeof(float); // the old freq_cis_real / freq_cis_imag tables
                if (w.Classifier is not null) ReadFloats(stream, w.Classifier);
                break;
            case 1:
                foreach (var t in Norms(w)) ReadFloats(stream, t);
                foreach (var t in w.Matrices()) ReadFloats(stream, t);
                break;
            default:
                foreach (var t in Norms(w)) ReadFloats(stream, t);
                foreach (var t in w.Matrices()) ReadQuantized(stream, t, header.GroupSize, path);
                break;
        }
        return w;
    }

    /// <summary>
    /// Writes float32 weights as version 0 (what llama2.c's <c>run</c> reads) or 1, atomically.
    /// Version 0 also carries the unused RoPE tables llama2.c's legacy export wrote (θ = 10,000).
    /// </summary>
    public static void Write(string path, Llama2cWeights weights, int version)
    {
        if (version is not (0 or 1)) throw new ArgumentException($"llama2.c version {version} cannot be written; choose 0 (legacy, read by run.c) or 1 (ak42 header).", nameof(version));
        var header = weights.Header with { Version = version, GroupSize = 0 };
        header.Validate(path);
        AtomicFile.Write(path, stream =>
        {
            stream.Write(header.ToBytes());
            if (version == 0)
            {
                WriteFloats(stream, weights.TokenEmbedding);
                foreach (var t in weights.AttentionNorm.Concat(weights.Wq).Concat(weights.Wk).Concat(weights.Wv).Concat(weights.Wo)
                             .Concat(weights.FfnNorm).Concat(weights.W1).Concat(weights.W2).Concat(weights.W3))
                    WriteFloats(stream, t);
                WriteFloats(stream, weights.FinalNorm);
                WriteRopeTables(stream, header);
                if (weights.Classifier is not null) WriteFloats(stream, weights.Classifier);
            }
            else
            {
                foreach (var t in Norms(weights)) WriteFloats(stream, t);
                foreach (var t in weights.Matrices()) WriteFloats(stream, t);
            }
        });
    }

    /// <summary>The exact byte size a file with this header has.</summary>
    public static long ExpectedSize(Llama2cHeader h)
    {
        long c = h.Dim, f = h.HiddenDim, l = h.Layers, q = (long)h.Heads * h.HeadSize, kv = h.KvDim, v = h.VocabSize;
        long norms = 2 * l * c + c;
        long matrices = v * c + l * (q * c + 2 * kv * c + c * q + 3 * f * c) + (h.SharedClassifier ? 0 : v * c);
        return h.Version switch
        {
            0 => h.DataStart + 4 * (norms + matrices + 2 * RopeTableFloats(h)),
            1 => h.DataStart + 4 * (norms + matrices),
            _ => h.DataStart + 4 * norms + matrices + 4 * (matrices / h.GroupSize),
        };
    }

    private static long RopeTableFloats(Llama2cHeader h) => (long)h.SeqLen * h.HeadSize / 2;

    private static IEnumerable<Tensor> Norms(Llama2cWeights w) => w.AttentionNorm.Concat(w.FfnNorm).Append(w.FinalNorm);

    private static void ReadFloats(Stream stream, Tensor t)
    {
        var bytes = MemoryMarshal.AsBytes(t.Span);
        stream.ReadExactly(bytes);
        if (!BitConverter.IsLittleEndian) FlipFloats(t.Span);
    }

    private static void WriteFloats(Stream stream, Tensor t)
    {
        if (BitConverter.IsLittleEndian) { stream.Write(MemoryMarshal.AsBytes(t.Span)); return; }
        var buffer = new byte[4];
        foreach (float x in t.Span) { BinaryPrimitives.WriteSingleLittleEndian(buffer, x); stream.Write(buffer); }
    }

    private static void FlipFloats(Span<float> values)
    {
        var ints = MemoryMarshal.Cast<float, int>(values);
        for (int i = 0; i < ints.Length; i++) ints[i] = BinaryPrimitives.ReverseEndianness(ints[i]);
    }

    /// <summary>One v2 matrix: all its int8 values, then one float32 scale per group; value = q · scale of its group.</summary>
    private static void ReadQuantized(Stream stream, Tensor t, int groupSize, string path)
    {
        int n = t.Length;
        if (n % groupSize != 0) throw Llama2cHeader.Bad(path, $"has a {Tensor.FormatShape(t.Shape)} matrix whose {n} elements are not a multiple of the group size {groupSize}");
        var q = new byte[n];
        stream.ReadExactly(q);
        var scales = new float[n / groupSize];
        ReadFloatArray(stream, scales);
        var dst = t.Span;
        for (int g = 0; g < scales.Length; g++)
        {
            float s = scales[g];
            int start = g * groupSize;
            for (int i = start; i < start + groupSize; i++) dst[i] = (sbyte)q[i] * s;
        }
    }

    private static void ReadFloatArray(Stream stream, float[] values)
    {
        stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        if (!BitConverter.IsLittleEndian) FlipFloats(values);
    }

    /// <summary>The cos and sin tables <c>[seq_len, D/2]</c> llama2.c's legacy export stored (θ = 10,000; no reader uses them any more).</summary>
    private static void WriteRopeTables(Stream stream, Llama2cHeader h)
    {
        int half = h.HeadSize / 2;
        var cos = new Tensor(h.SeqLen, half);
        var sin = new Tensor(h.SeqLen, half);
        for (int t = 0; t < h.SeqLen; t++)
            for (int i = 0; i < half; i++)
            {
                double angle = t / Math.Pow(10000.0, 2.0 * i / h.HeadSize);
                cos[t, i] = (float)Math.Cos(angle);
                sin[t, i] = (float)Math.Sin(angle);
            }
        WriteFloats(stream, cos);
        WriteFloats(stream, sin);
    }
}
