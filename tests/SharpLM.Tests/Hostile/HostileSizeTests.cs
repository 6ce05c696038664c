using System.Buffers.Binary;
using System.Text;
using SharpLM.Formats;
using SharpLM.Models;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Tests.Hostile;

/// <summary>
/// One hostile file per parser whose header or counts claim enormous sizes: each must be rejected
/// with the parser's documented exception, naming the file and field, before anything big is
/// allocated (under 1 MB), instead of an OutOfMemoryException or a crash deep inside.
/// </summary>
public sealed class HostileSizeTests : HostileInput
{
    private static byte[] Safetensors(ulong headerLength, string json, int dataBytes = 0)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength);
        header.CopyTo(bytes, 8);
        return bytes;
    }

    [Fact]
    public void SafetensorsHeaderLengthOf100GBIsRejected()
    {
        var path = Write("huge-header.safetensors", Safetensors(100_000_000_000, "{}"));
        FailsFast<InvalidDataException>(() => SharpLM.Formats.Safetensors.Read(path), path, "header length field is 100000000000");
    }

    [Fact]
    public void SafetensorsHeaderLongerThanTheFileIsRejected()
    {
        var path = Write("short.safetensors", Safetensors(90_000_000, "{}"));
        FailsFast<InvalidDataException>(() => SharpLM.Formats.Safetensors.Read(path), path, "truncated");
    }

    [Fact]
    public void SafetensorsTensorClaiming100GBIsRejected()
    {
        const string json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[250000,100000],\"data_offsets\":[0,100000000000]}}";
        var path = Write("huge-tensor.safetensors", Safetensors((ulong)json.Length, json, 16));
        FailsFast<InvalidDataException>(() => SharpLM.Formats.Safetensors.Read(path), path, "tensor 'w'");
        // Just under the per-tensor element limit, but still far past the end of the 16-byte data section.
        const string json2 = "{\"w\":{\"dtype\":\"F32\",\"shape\":[50000,40000],\"data_offsets\":[0,8000000000]}}";
        var path2 = Write("past-end.safetensors", Safetensors((ulong)json2.Length, json2, 16));
        FailsFast<InvalidDataException>(() => SharpLM.Formats.Safetensors.Read(path2), path2, "run past the end of the data section");
    }

    [Fact]
    public void DeeplyNestedSafetensorsHeaderIsRejectedWithoutStackOverflow()
    {
        var json = "{\"a\":" + new string('[', 100_000) + new string(']', 100_000) + "}";
        var path = Write("deep.safetensors", Safetensors((ulong)json.Length, json));
        var e = Assert.Throws<InvalidDataException>(() => SharpLM.Formats.Safetensors.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("depth", e.Message);
    }

    private static byte[] LlmcHeader(int magic, params int[] fields)
    {
        var bytes = new byte[LlmcCheckpoint.HeaderBytes + 64];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, magic);
        for (int i = 0; i < fields.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * (i + 1)), fields[i]);
        return bytes;
    }

    [Fact]
    public void LlmcCheckpointClaimingGpt2XlIsRejectedByItsSize()
    {
        // GPT-2 XL's header (1.6 B parameters, 6 GB) on a 1 KB file.
        var path = Write("xl.bin", LlmcHeader(LlmcCheckpoint.Magic, LlmcCheckpoint.VersionFp32, 1024, 50257, 48, 25, 1600, 50304));
        FailsFast<InvalidDataException>(() => LlmcCheckpoint.Open(path).Dispose(), path, "truncated");
    }

    [Fact]
    public void LlmcCheckpointWithDimensionsThatOverflowIsRejected()
    {
        // C = 2^30 makes 3C and 4C overflow int; the dimension limit stops it before any shape is formed.
        var path = Write("overflow.bin", LlmcHeader(LlmcCheckpoint.Magic, LlmcCheckpoint.VersionFp32, 1, 1, 1, 1, 1 << 30, 1));
        FailsFast<InvalidDataException>(() => LlmcCheckpoint.Open(path).Dispose(), path, "header[6] (C)");
    }

    [Fact]
    public void LlmcTokenFileClaiming2BillionTokensIsRejected()
    {
        var path = Write("tokens.bin", LlmcHeader(LlmcTokens.Magic, LlmcTokens.Version, int.MaxValue));
        FailsFast<InvalidDataException>(() => LlmcTokens.Read(path), path, "2147483647 tokens");
    }

    [Fact]
    public void TokenizerJsonWithAHugeIdIsRejected()
    {
        var path = Write("tokenizer.json", "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[UNK]\":0,\"a\":2000000000}}}");
        FailsFast<TokenizerFormatException>(() => TokenizerFiles.Load(path), path, "model.vocab.\"a\"");
        var added = Write("added.json", "{\"added_tokens\":[{\"id\":2000000000,\"content\":\"<s>\",\"special\":true}],\"model\":{\"type\":\"BPE\",\"vocab\":{},\"merges\":[]}}");
        FailsFast<TokenizerFormatException>(() => TokenizerFiles.Load(added), added, "added_tokens[0].id");
    }

    [Fact]
    public void DeeplyNestedTokenizerJsonIsRejectedWithoutStackOverflow()
    {
        var path = Write("deep.json", "{\"model\":" + new string('[', 200_000) + new string(']', 200_000) + "}");
        FailsFast<TokenizerFormatException>(() => TokenizerFiles.Load(path), path, "depth");
    }

    [Fact]
    public void Gpt2VocabWithAHugeIdIsRejected()
    {
        var vocab = Write("vocab.json", "{\"a\": 2147483000}");
        var merges = Write("merges.txt", "#version: 0.2\n");
        FailsFast<TokenizerFormatException>(() => Gpt2VocabFiles.Load(vocab, merges), vocab, "\"a\"");
        var specials = Write("special_tokens.json", "{\"<|endoftext|>\": 1999999999}");
        FailsFast<TokenizerFormatException>(() => Gpt2VocabFiles.ReadSpecialTokens(specials), specials, "1999999999");
    }

    [Fact]
    public void TiktokenRankOf2BillionIsRejected()
    {
        var path = Write("ranks.tiktoken", "YQ== 0\nYg== 2000000000\n");
        FailsFast<TokenizerFormatException>(() => TiktokenRankFile.Load(path), path, "line 2");
    }

    [Fact]
    public void ConfigClaimingA100GBModelIsRejectedBeforeTheModelIsAllocated()
    {
        var folder = Directory.CreateDirectory(Path.Combine(Dir, "model")).FullName;
        // 48 layers of width 16384 and a 1M vocabulary: about 30 G parameters, 100+ GB of float32.
        var config = new HuggingFaceGpt2Config { VocabSize = 1_000_000, Positions = 1024, Width = 16384, Layers = 48, Heads = 64, VocabMultiple = 1 };
        config.Write(Path.Combine(folder, GptHuggingFace.ConfigFile));
        SharpLM.Formats.Safetensors.Write(Path.Combine(folder, GptHuggingFace.WeightsFile), [("wte.weight", SharpLM.Tensors.Tensor.FromArray([1f, 2f], 1, 2))]);
        FailsFast<InvalidDataException>(() => GptHuggingFace.Load(folder), GptHuggingFace.ConfigFile, "parameters");
    }

    [Fact]
    public void OversizedConfigAndTrainerStateAreRejectedUnread()
    {
        string Sparse(string name)
        {
            var path = Path.Combine(Dir, name);
            using (var f = File.Create(path)) f.SetLength(JsonLimits.MaxSmallFileBytes + 1); // sparse: no disk used
            return path;
        }
        var config = Sparse("config.json");
        FailsFast<InvalidDataException>(() => HuggingFaceGpt2Config.Read(config), config, "limit");
        var state = Sparse(TrainerState.FileName);
        FailsFast<InvalidDataException>(() => TrainerState.Read(state), state, "limit");
        var specials = Sparse("special_tokens.json");
        FailsFast<TokenizerFormatException>(() => Gpt2VocabFiles.ReadSpecialTokens(specials), specials, "limit");
    }

    [Fact]
    public void DeeplyNestedConfigAndTrainerStateAreRejected()
    {
        string deep = "{\"n_embd\":" + new string('[', 10_000) + new string(']', 10_000) + "}";
        var config = Write("config.json", deep);
        FailsFast<InvalidDataException>(() => HuggingFaceGpt2Config.Read(config), config, "depth");
        var state = Write(TrainerState.FileName, deep);
        FailsFast<InvalidDataException>(() => TrainerState.Read(state), state, "depth");
    }

    [Fact]
    public void SparseIdsUnderTheCapStillCannotBuildAHugeTable()
    {
        // Found by AFL: a 128-byte rank file with rank 3,333,333 made a 3.3 M-slot id table (67 MB).
        var path = Write("sparse.tiktoken", "YQ== 0\nYg== 3333333\n");
        FailsFast<TokenizerFormatException>(() => TiktokenRankFile.Load(path), path, "only 2 tokens");
        var json = Write("sparse.json", "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[UNK]\":0,\"a\":4000000}}}");
        FailsFast<TokenizerFormatException>(() => TokenizerFiles.Load(json), json, "only 2 tokens");
    }

    [Fact]
    public void JsonWithAByteOrderMarkStillReads()
    {
        // Windows editors save config.json with a UTF-8 BOM; the limits must not turn that into an error.
        var config = new HuggingFaceGpt2Config { VocabSize = 10, Positions = 8, Width = 4, Layers = 1, Heads = 2 };
        var path = Write("config.json", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(config.ToJson())]);
        Assert.Equal(config, HuggingFaceGpt2Config.Read(path));
    }
}
