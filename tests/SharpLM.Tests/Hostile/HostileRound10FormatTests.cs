using System.Text.Json;
using SharpLM.Chat;
using SharpLM.Formats;
using SharpLM.Fuzz;
using SharpLM.Server;
using SharpLM.Tokenizers;
using SharpLM.Training;

namespace SharpLM.Tests.Hostile;

/// <summary>
/// Hostile sizes and shapes against the readers fuzzed from round 10 on: the sharded-checkpoint index,
/// tokenizer_config.json (chat template, do_lower_case), chat completion request bodies and metrics.jsonl.
/// Each fails fast with its documented exception (or, for the metrics log, skips the line).
/// </summary>
public sealed class HostileRound10FormatTests : HostileInput
{
    private string Sparse(string name, long length)
    {
        var path = Path.Combine(Dir, name);
        using var f = File.Create(path);
        f.SetLength(length);   // a sparse file: claims 17 MB, costs nothing
        return path;
    }

    [Fact]
    public void ShardIndexLargerThanTheConfigLimitIsRejectedBeforeReading()
    {
        var path = Sparse(SafetensorsCheckpoint.IndexFile, JsonLimits.MaxSmallFileBytes + 1);
        FailsFast<InvalidDataException>(() => SafetensorsCheckpoint.Open(Dir).Dispose(), path, "file size");
    }

    [Fact]
    public void ShardIndexNamingAFileOutsideTheFolderIsRejected()
    {
        var path = Write(SafetensorsCheckpoint.IndexFile, """{"weight_map": {"wte": "../../etc/passwd"}}""");
        FailsFast<InvalidDataException>(() => SafetensorsCheckpoint.Open(Dir).Dispose(), path, "same folder");
    }

    [Fact]
    public void TokenizerConfigLargerThanTheLimitIsRejectedBeforeReading()
    {
        var path = Sparse("tokenizer_config.json", JsonLimits.MaxSmallFileBytes + 1);
        FailsFast<InvalidDataException>(() => ChatTemplates.ForModel(Dir), path, "file size");
        Write(WordPieceVocabFile.FileName, "[UNK]\nthe\n");
        FailsFast<TokenizerFormatException>(() => WordPieceVocabFile.LoadFolder(Dir), path, "file size");
    }

    [Fact]
    public void TokenizerConfigNestedTenThousandDeepIsRejected()
    {
        var path = Write("tokenizer_config.json", new string('[', 10_000) + new string(']', 10_000));
        FailsFast<InvalidDataException>(() => ChatTemplates.ForModel(Dir), path, "depth");
    }

    [Fact]
    public void ChatRequestWithALoneSurrogateIsA400NamingTheField()
    {
        using var doc = JsonDocument.Parse("""{"model": "m", "messages": [{"role": "user", "content": "hi \ud800"}]}""");
        var e = Assert.Throws<ApiException>(() => ChatCompletionRequest.Parse(doc.RootElement));
        Assert.Equal(400, e.Status);
        Assert.Equal("messages[0].content", e.Param);
    }

    [Fact]
    public void ChatRequestBodiesNestedDeepOrHugeAreRejectedCleanly()
    {
        var harness = Harnesses.Find("chat-request")!;
        // 100,000 levels deep: the endpoint's JSON reader stops at depth 64 (a 400 invalid_json), no stack overflow.
        Assert.Null(harness.Check(System.Text.Encoding.UTF8.GetBytes(new string('[', 100_000)), Dir));
        // 10,000 messages with bad roles: the first one is named.
        var many = "{\"model\": \"m\", \"messages\": [" + string.Join(",", Enumerable.Repeat("{\"role\": \"robot\", \"content\": \"x\"}", 10_000)) + "]}";
        using var doc = JsonDocument.Parse(many);
        var e = Assert.Throws<ApiException>(() => ChatCompletionRequest.Parse(doc.RootElement));
        Assert.Equal("messages[0].role", e.Param);
    }

    [Fact]
    public void MetricsLogSkipsDeepHugeAndBrokenLinesAndKeepsTheRest()
    {
        var path = Write(MetricsLog.FileName, string.Join('\n',
            "{\"step\": 1, \"train_loss\": 2.5, \"elapsed_s\": 1}",
            new string('[', 10_000),
            "{\"step\": 99999999999, \"train_loss\": 1}",
            "{\"step\": \"\\ud800\"}",
            "{\"step\": 2, \"val_\\udc00\": 1, \"train_loss\": 2.25, \"elapsed_s\": 2}",
            "[1, 2]",
            "{\"step\": 3, \"train_loss\": 2.0, \"elapsed_s\": 3}") + "\n");
        var records = new MetricsLog(path).ReadAll();
        Assert.Equal([1, 3], records.Select(r => r.Step));
        Assert.Null(Harnesses.Find("metrics-jsonl")!.Check(File.ReadAllBytes(path), Directory.CreateDirectory(Path.Combine(Dir, "scratch")).FullName));
    }

    [Fact]
    public void ModelFolderDetectionSurvivesARepeatedKeyAndAHugeConfig()
    {
        // BertHuggingFace.IsBertFolder decides which family loads a folder: a repeated key used to throw ArgumentException from JsonNode.
        Write("config.json", """{"model_type": "bert", "model_type": "bert", "hidden_size": 16}""");
        Assert.True(SharpLM.Models.BertHuggingFace.IsBertFolder(Dir));
        Sparse("config.json", JsonLimits.MaxSmallFileBytes + 1);
        SharpLM.Models.BertHuggingFace.IsBertFolder(Dir);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.False(SharpLM.Models.BertHuggingFace.IsBertFolder(Dir));   // not read: the size is checked first
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < LittleMemory);
    }
}
