using System.Buffers.Binary;

namespace SharpLM.Formats;

/// <summary>
/// The shape of a LLaMA model in karpathy/llama2.c's checkpoint format (<c>stories15M.bin</c>):
/// width, feed-forward width, layers, query and key/value heads, vocabulary and context
/// length, whether the output head is the token embedding, and the storage version
/// (0 legacy, 1 float32 with the <c>ak42</c> header, 2 int8 groups).
/// </summary>
/// <param name="Dim">Model width C (<c>dim</c>).</param>
/// <param name="HiddenDim">SwiGLU feed-forward width F (<c>hidden_dim</c>).</param>
/// <param name="Layers">Number of transformer blocks (<c>n_layers</c>).</param>
/// <param name="Heads">Query heads H (<c>n_heads</c>).</param>
/// <param name="KvHeads">Key/value heads Hkv (<c>n_kv_heads</c>), dividing H.</param>
/// <param name="VocabSize">Vocabulary size V (positive; v0 stores it negated for an untied head).</param>
/// <param name="SeqLen">Context length (<c>seq_len</c>).</param>
/// <param name="SharedClassifier">True when the output head reuses the token embedding.</param>
/// <param name="Version">0 (legacy), 1 (float32) or 2 (int8, read only).</param>
/// <param name="GroupSize">Version 2: elements per quantization group (one float32 scale each); 0 otherwise.</param>
public sealed record Llama2cHeader(int Dim, int HiddenDim, int Layers, int Heads, int KvHeads, int VocabSize, int SeqLen,
    bool SharedClassifier, int Version = 1, int GroupSize = 0)
{
    /// <summary>The number (<c>"ak42"</c> read as a little-endian uint32) that starts a version 1 or 2 file.</summary>
    public const uint Magic = 0x616b3432;

    /// <summary>Size of the legacy (v0) header: seven int32 values.</summary>
    public const int LegacyHeaderBytes = 7 * 4;

    /// <summary>Size of the version 1/2 header, zero padded.</summary>
    public const int HeaderBytes = 256;

    /// <summary>Size of one attention head (D = dim / n_heads).</summary>
    public int HeadSize => Dim / Heads;

    /// <summary>Width of the keys (and values) of one token: Hkv·D.</summary>
    public int KvDim => KvHeads * HeadSize;

    /// <summary>Bytes before the first weight.</summary>
    public int DataStart => Version == 0 ? LegacyHeaderBytes : HeaderBytes;

    /// <summary>Throws <see cref="InvalidDataException"/> naming <paramref name="path"/> and the field when the shape cannot be a model.</summary>
    public Llama2cHeader Validate(string path)
    {
        void Positive(int value, string field)
        {
            if (value < 1) throw Bad(path, $"{field} is {value}, expected ≥ 1");
        }
        Positive(Dim, "dim"); Positive(HiddenDim, "hidden_dim"); Positive(Layers, "n_layers"); Positive(Heads, "n_heads");
        Positive(KvHeads, "n_kv_heads"); Positive(VocabSize, "vocab_size"); Positive(SeqLen, "seq_len");
        if (Dim % Heads != 0) throw Bad(path, $"dim {Dim} is not divisible by n_heads {Heads}");
        if (Heads % KvHeads != 0) throw Bad(path, $"n_heads {Heads} is not divisible by n_kv_heads {KvHeads}");
        if (HeadSize % 2 != 0) throw Bad(path, $"head size {HeadSize} (dim / n_heads) is odd; rotary positions need an even head size");
        if (Version is < 0 or > 2) throw Bad(path, $"version {Version} is not 0, 1 or 2");
        if (Version == 2 && GroupSize < 1) throw Bad(path, $"group size {GroupSize} is not ≥ 1");
        return this;
    }

    /// <summary>Reads the header at the start of <paramref name="stream"/>: v1/v2 if it starts with the magic, else the legacy v0 layout.</summary>
    public static Llama2cHeader Read(Stream stream, string path)
    {
        Span<byte> b = stackalloc byte[HeaderBytes];
        int got = ReadUpTo(stream, b);
        if (got >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(b) == Magic)
        {
            if (got < HeaderBytes) throw Bad(path, $"ends inside its {HeaderBytes}-byte header ({got} bytes)");
            int version = BinaryPrimitives.ReadInt32LittleEndian(b[4..]);
            if (version is not (1 or 2))
                throw Bad(path, $"has llama2.c version {version}; this reader knows 1 (float32) and 2 (int8 groups)");
            var ints = ReadInts(b[8..]);
            bool shared = b[36] != 0;
            int group = version == 2 ? BinaryPrimitives.ReadInt32LittleEndian(b[37..]) : 0;
            if (ints[5] < 1) throw Bad(path, $"vocab_size is {ints[5]}, expected ≥ 1 (versions 1 and 2 store the head flag separately)");
            return new Llama2cHeader(ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], ints[6], shared, version, group).Validate(path);
        }
        if (got < LegacyHeaderBytes) throw Bad(path, $"is {got} bytes, too short for a llama2.c header");
        var v0 = ReadInts(b);
        int vocab = v0[5];
        if (vocab == int.MinValue) throw Bad(path, $"vocab_size is {vocab}, which has no positive counterpart (a legacy file flags an untied head by negating it)");
        // Legacy files flag an untied output head by a negative vocabulary size.
        return new Llama2cHeader(v0[0], v0[1], v0[2], v0[3], v0[4], Math.Abs(vocab), v0[6], vocab > 0, 0, 0).Validate(path);
    }

    /// <summary>The header bytes for writing (v0: 28 bytes, v1: 256 bytes).</summary>
    public byte[] ToBytes()
    {
        if (Version == 2) throw new NotSupportedException("llama2.c version 2 (int8) files are read only; write version 0 or 1.");
        var bytes = new byte[DataStart];
        var s = bytes.AsSpan();
        int offset = 0;
        if (Version == 1)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(s, Magic);
            BinaryPrimitives.WriteInt32LittleEndian(s[4..], 1);
            offset = 8;
        }
        int vocab = Version == 0 && !SharedClassifier ? -VocabSize : VocabSize;
        int[] ints = [Dim, HiddenDim, Layers, Heads, KvHeads, vocab, SeqLen];
        for (int i = 0; i < ints.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(s[(offset + 4 * i)..], ints[i]);
        if (Version == 1) bytes[36] = SharedClassifier ? (byte)1 : (byte)0;
        return bytes;
    }

    private static int[] ReadInts(ReadOnlySpan<byte> b)
    {
        var ints = new int[7];
        for (int i = 0; i < 7; i++) ints[i] = BinaryPrimitives.ReadInt32LittleEndian(b[(4 * i)..]);
        return ints;
    }

    private static int ReadUpTo(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    internal static InvalidDataException Bad(string path, string what) => new($"llama2.c checkpoint '{path}' {what}.");
}
