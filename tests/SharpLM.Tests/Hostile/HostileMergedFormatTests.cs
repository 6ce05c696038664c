using System.Buffers.Binary;
using System.Text;
using SharpLM.Formats;
using SharpLM.Tokenizers;

namespace SharpLM.Tests.Hostile;

/// <summary>
/// Hostile size claims against the parsers that landed with the GGUF, LLaMA, SentencePiece and T5
/// work: each must fail with its documented exception, naming the file, having allocated little.
/// </summary>
public sealed class HostileMergedFormatTests : HostileInput
{
    private static byte[] Bytes(Action<BinaryWriter> write)
    {
        using var m = new MemoryStream();
        using (var w = new BinaryWriter(m, Encoding.UTF8, leaveOpen: true)) write(w);
        return m.ToArray();
    }

    private static void GgufHead(BinaryWriter w, ulong tensors, ulong keyValues)
    {
        w.Write(GgufFile.Magic); w.Write(3u); w.Write(tensors); w.Write(keyValues);
    }

    [Fact]
    public void GgufClaimingATrillionTensorsIsRejected()
    {
        var path = Write("tensors.gguf", Bytes(w => GgufHead(w, 1UL << 40, 0)));
        FailsFast<GgufFormatException>(() => GgufFile.Open(path).Dispose(), path, "tensor");
    }

    [Fact]
    public void GgufArrayClaimingHalfAGigabyteInATinyFileIsRejected()
    {
        // One key whose value is an array of 2^26 − 1 uint64 (512 MB) in a 40-byte file.
        var path = Write("array.gguf", Bytes(w =>
        {
            GgufHead(w, 0, 1);
            w.Write(1UL); w.Write((byte)'k');
            w.Write((uint)GgufValueType.Array); w.Write((uint)GgufValueType.UInt64); w.Write((1UL << 26) - 1);
        }));
        FailsFast<GgufFormatException>(() => GgufFile.Open(path).Dispose(), path, "k");
    }

    [Fact]
    public void GgufStringClaiming60MBIsRejected()
    {
        var path = Write("string.gguf", Bytes(w =>
        {
            GgufHead(w, 0, 1);
            w.Write(1UL); w.Write((byte)'k');
            w.Write((uint)GgufValueType.String); w.Write(60UL << 20);
        }));
        FailsFast<GgufFormatException>(() => GgufFile.Open(path).Dispose(), path, "k");
    }

    [Fact]
    public void GettextCatalogClaiming2BillionStringsIsRejected()
    {
        var path = Write("huge.mo", Bytes(w =>
        {
            w.Write(GettextMo.Magic); w.Write(0u); w.Write(int.MaxValue); w.Write(28u); w.Write(28u); w.Write(0u); w.Write(0u);
        }));
        FailsFast<InvalidDataException>(() => GettextMo.Read(path), path, "");
    }

    [Fact]
    public void Llama2cCheckpointClaimingA100GBModelIsRejected()
    {
        // A legacy (v0) header: dim 16384, hidden 65536, 80 layers, 128 heads, vocab 128000, context 8192.
        var path = Write("model.bin", Bytes(w => { foreach (int v in new[] { 16384, 65536, 80, 128, 128, 128000, 8192 }) w.Write(v); w.Write(new byte[64]); }));
        FailsFast<InvalidDataException>(() => Llama2cCheckpoint.Read(path), path, "");
    }

    [Fact]
    public void Llama2cTokenizerTokenClaiming2GBIsRejected()
    {
        var path = Write("tokenizer.bin", Bytes(w => { w.Write(16); w.Write(0f); w.Write(int.MaxValue); w.Write(new byte[8]); }));
        FailsFast<TokenizerFormatException>(() => Llama2cTokenizer.Load(path), path, "token 0");
    }

    [Fact]
    public void SentencePieceModelFieldClaimingATerabyteIsRejected()
    {
        // Field 1 (pieces), length-delimited, with a varint length of 2^40.
        var path = Write("tokenizer.model", [0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 1, 2, 3]);
        FailsFast<TokenizerFormatException>(() => SentencePieceTokenizer.Load(path), path, "");
    }

    [Fact]
    public void LlamaConfigClaimingA100GBModelIsRejectedBeforeTheModelIsAllocated()
    {
        var folder = Directory.CreateDirectory(Path.Combine(Dir, "llama")).FullName;
        new HuggingFaceLlamaConfig { VocabSize = 128000, HiddenSize = 16384, IntermediateSize = 53248, Layers = 126, Heads = 128, KvHeads = 8, MaxPositions = 1024 }
            .Write(Path.Combine(folder, SharpLM.Models.GptHuggingFace.ConfigFile));
        SharpLM.Formats.Safetensors.Write(Path.Combine(folder, SharpLM.Models.GptHuggingFace.WeightsFile), [("model.embed_tokens.weight", SharpLM.Tensors.Tensor.FromArray([1f, 2f], 1, 2))]);
        FailsFast<InvalidDataException>(() => SharpLM.Models.GptHuggingFace.Load(folder), "config.json", "parameters");
    }
}
