using System.Text.Json;
using SharpLM.Chat;
using SharpLM.Formats;
using SharpLM.Server;
using SharpLM.Tokenizers;
using SharpLM.Training;
using SharpLM.Training.Data;

namespace SharpLM.Fuzz;

/// <summary>
/// Every parser the fuzzer knows, one line each: name, file name(s), documented exception, and the
/// call that parses. To fuzz a new parser, add a line here and a seed folder under seeds/NAME/.
/// </summary>
public static class Harnesses
{
    /// <summary>The two shard files beside a fuzzed <c>model.safetensors.index.json</c>.</summary>
    // (declared before All: static fields initialize in order)
    public static readonly string[] ShardNames = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"];

    /// <summary>All harnesses by name.</summary>
    public static readonly IReadOnlyList<Harness> All =
    [
        Harness.One<InvalidDataException>("safetensors-header", "model.safetensors", path => { using var s = File.OpenRead(path); SafetensorsHeader.Read(s, path); }),
        Harness.One<InvalidDataException>("safetensors", "model.safetensors", path => Safetensors.Read(path)).Also<NotSupportedException>(),
        Harness.One<TokenizerFormatException>("tokenizer-json", "tokenizer.json", path => Exercise(TokenizerFiles.Load(path))),
        Harness.Pair<TokenizerFormatException>("gpt2-vocab", "vocab.json", "merges.txt", (vocab, merges) => Exercise(Gpt2VocabFiles.Load(vocab, merges))),
        Harness.One<TokenizerFormatException>("special-tokens", "special_tokens.json", path => Gpt2VocabFiles.ReadSpecialTokens(path)),
        Harness.One<TokenizerFormatException>("tiktoken", "ranks.tiktoken", path => Exercise(TiktokenRankFile.Load(path))),
        Harness.One<InvalidDataException>("llmc-checkpoint", "model.bin", ReadLlmcCheckpoint),
        Harness.One<InvalidDataException>("llmc-tokens", "tokens.bin", path => LlmcTokens.Read(path)),
        Harness.One<InvalidDataException>("gpt2-config", "config.json", path => HuggingFaceGpt2Config.Read(path)),
        Harness.One<InvalidDataException>("trainer-state", TrainerState.FileName, path => TrainerState.Read(path)),
        Harness.One<InvalidDataException>("llama-config", "config.json", path => HuggingFaceLlamaConfig.Read(path)),
        Harness.One<GgufFormatException>("gguf", "model.gguf", ReadGguf),
        Harness.One<InvalidDataException>("llama2c-checkpoint", "model.bin", path => Llama2cCheckpoint.Read(path)).Also<NotSupportedException>(),
        Harness.One<TokenizerFormatException>("llama2c-tokenizer", "tokenizer.bin", path => Exercise(Llama2cTokenizer.Load(path))),
        Harness.One<TokenizerFormatException>("sentencepiece-model", "tokenizer.model", path => Exercise(SentencePieceTokenizer.Load(path))),
        Harness.One<TokenizerFormatException>("wordpiece-vocab", "vocab.txt", path => Exercise(WordPieceVocabFile.Read(path))),
        Harness.One<InvalidDataException>("gettext-mo", "messages.mo", path => GettextMo.Read(path)),
        Harness.One<InvalidDataException>("conll", "train.conll", path => ConllFile.Read(path)),
        Harness.One<InvalidDataException>("labeled-jsonl", "train.jsonl", path => LabeledTextFile.Read(path)),
        Harness.One<InvalidDataException>("bert-config", "config.json", path => SharpLM.Models.BertHuggingFaceConfig.Read(path)),
        Harness.One<InvalidDataException>("t5-config", "config.json", path => SharpLM.Models.EncoderDecoderHuggingFace.FromJson(path)),
        Harness.One<InvalidDataException>("text-pairs", "pairs.tsv", path => TextPairFile.Read(path)),
        Harness.One<InvalidDataException>("text-pairs-jsonl", "pairs.jsonl", path => TextPairFile.Read(path)),
        Harness.One<InvalidDataException>("safetensors-index", SafetensorsCheckpoint.IndexFile, ReadShardedCheckpoint).Also<FileNotFoundException>()
            .WithFixture(ShardNames[0], () => Shard(0)).WithFixture(ShardNames[1], () => Shard(1)),
        Harness.Lenient("metrics-jsonl", MetricsLog.FileName, ReadMetricsLog),
        Harness.One<ApiException>("chat-request", "body.json", path => ParseRequest(path, root => ChatCompletionRequest.Parse(root))).NotAFile(),
        Harness.One<ApiException>("completion-request", "body.json", path => ParseRequest(path, root => CompletionRequest.Parse(root))).NotAFile(),
        Harness.One<InvalidDataException>("tokenizer-config", "tokenizer_config.json", ReadTokenizerConfig).Also<TokenizerFormatException>()
            .WithFixture(WordPieceVocabFile.FileName, () => "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nfox\n##es\n"u8.ToArray()),
        Harness.One<InvalidDataException>("instruction-jsonl", "sft.jsonl", ReadInstructions),
        Harness.One<InvalidDataException>("peft-adapter-config", SharpLM.Adapters.PeftAdapter.ConfigFile, ReadAdapterConfig),
    ];

    /// <summary>Module names of GPT-2 and LLaMA layouts an adapter's <c>target_modules</c> is matched against when it is applied.</summary>
    private static readonly string[] ModuleNames =
        ["transformer.h.0.attn.c_attn", "transformer.h.11.mlp.c_proj", "h.3.mlp.c_fc", "model.layers.0.self_attn.q_proj", "model.layers.31.mlp.down_proj", "lm_head"];

    /// <summary>Reads an SFT data set and renders every conversation with a chat template, as <c>finetune sft</c> does.</summary>
    private static void ReadInstructions(string path)
    {
        var template = ChatTemplates.Get("chatml");
        foreach (var conversation in InstructionFile.Read(path)) template.RenderSpans(conversation.Messages, addGenerationPrompt: false);
    }

    /// <summary>Reads a PEFT <c>adapter_config.json</c> and matches its targets against typical module names (what loading the adapter does next).</summary>
    private static void ReadAdapterConfig(string path)
    {
        var options = SharpLM.Adapters.PeftAdapter.ReadConfig(Path.GetDirectoryName(path)!);
        if (options.IsAllLinear) return;
        // PeftAdapter.Load reports a target pattern too slow to match as its InvalidDataException naming the config.
        try { foreach (var name in ModuleNames) options.Matches(name, options.Targets); }
        catch (ArgumentException e) when (e is not System.Text.RegularExpressions.RegexParseException && e.Message.StartsWith("LoRA target pattern", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"adapter config '{path}': {e.Message}", e);
        }
    }

    /// <summary>Shard <paramref name="i"/> of a tiny two-shard checkpoint: wte and ln.bias in the first, lm_head in the second.</summary>
    public static byte[] Shard(int i)
    {
        var path = Path.Combine(Path.GetTempPath(), $"sharplm-shard-{Environment.ProcessId}-{Guid.NewGuid():N}");
        SharpLM.Tensors.Tensor Of(params int[] shape) => SharpLM.Tensors.Tensor.FromArray(Enumerable.Range(1, shape.Aggregate(1, (a, b) => a * b)).Select(x => x / 8f).ToArray(), shape);
        Safetensors.Write(path, i == 0 ? [("wte", Of(2, 3)), ("ln.bias", Of(1))] : [("lm_head", Of(3, 2))], new Dictionary<string, string> { ["format"] = "pt" });
        var bytes = File.ReadAllBytes(path);
        File.Delete(path);
        return bytes;
    }

    /// <summary>Opens the sharded checkpoint of the input's folder (the index plus its two fixture shards) and reads every tensor.</summary>
    private static void ReadShardedCheckpoint(string index)
    {
        using var checkpoint = SafetensorsCheckpoint.Open(Path.GetDirectoryName(index)!);
        foreach (var info in checkpoint.Tensors) checkpoint.ReadTensor(info.Name);
    }

    /// <summary>Reads a training log and truncates it, as <c>--resume</c> does (unreadable lines are skipped, never thrown).</summary>
    private static void ReadMetricsLog(string path)
    {
        var log = new MetricsLog(path);
        var records = log.ReadAll();
        log.TruncateAfter(records.Count > 0 ? records[records.Count / 2].Step : 0);
        log.ReadAll();
    }

    /// <summary>
    /// A <c>POST /v1/chat/completions</c> or <c>/v1/completions</c> body, read as the endpoints read it: a body
    /// that is not JSON is its 400 <c>invalid_json</c>, the rest is <paramref name="parse"/>'s (the request
    /// record's <c>Parse</c>) 400 naming the field. Any other status, or any other exception (a 500), is a finding.
    /// </summary>
    private static void ParseRequest(string path, Action<JsonElement> parse)
    {
        try
        {
            JsonDocument doc;
            try { doc = JsonDocument.Parse(File.ReadAllBytes(path)); }
            catch (JsonException e) { throw new ApiException(400, $"The request body is not valid JSON: {e.Message}", code: "invalid_json"); }
            using (doc) parse(doc.RootElement);
        }
        catch (ApiException e) when (e.Status != 400)
        {
            throw new FuzzFindingException($"a bad request body gave HTTP {e.Status}, not 400: {e.Message}");
        }
    }

    /// <summary>
    /// A model folder's <c>tokenizer_config.json</c>: the chat template it declares (rendered once) and the
    /// BERT lower-casing flag <see cref="WordPieceVocabFile.LoadFolder"/> reads beside a fixture vocab.txt.
    /// </summary>
    private static void ReadTokenizerConfig(string path)
    {
        string folder = Path.GetDirectoryName(path)!;
        ChatTemplates.ForModel(folder).Render([new ChatMessage(ChatMessage.System, "Be brief."), new ChatMessage(ChatMessage.User, "Hi"), new ChatMessage(ChatMessage.Assistant, "Hello.")], addGenerationPrompt: true);
        Exercise(WordPieceVocabFile.LoadFolder(folder));
    }

    /// <summary>The harness called <paramref name="name"/>, or null.</summary>
    public static Harness? Find(string name) => All.FirstOrDefault(h => h.Name == name);

    /// <summary>Opens an llm.c checkpoint and reads every tensor.</summary>
    private static void ReadLlmcCheckpoint(string path)
    {
        using var checkpoint = LlmcCheckpoint.Open(path);
        foreach (var (name, _) in checkpoint.Header.Layout()) checkpoint.ReadTensor(name);
    }

    /// <summary>Opens a GGUF file and reads every tensor SharpLM can compute with.</summary>
    private static void ReadGguf(string path)
    {
        using var file = GgufFile.Open(path);
        foreach (var info in file.Tensors)
            if (SharpLM.Kernels.QuantTypes.IsComputable(info.Type)) file.ReadTensor(info.Name);
    }

    /// <summary>
    /// A loaded tokenizer must also work: byte-level BPE encodes any text and decodes it back exactly;
    /// the others encode a text made of their own first pieces. Every id must be inside the vocabulary.
    /// </summary>
    private static void Exercise(ITokenizer tokenizer)
    {
        const string sample = "Hello, world! It's 2026 \u2014 h\u00e9llo\n\tna\u00efve \u65e5\u672c\u8a9e <|endoftext|>";
        var ordinary = Enumerable.Range(0, Math.Min(tokenizer.VocabSize, 64)).Where(id => !tokenizer.SpecialTokens.Values.Contains(id)).ToArray();
        string text = tokenizer is BpeTokenizer ? sample : tokenizer.Decode(ordinary);
        var ids = tokenizer.Encode(text);
        foreach (int id in ids)
            if ((uint)id >= (uint)tokenizer.VocabSize) throw new FuzzFindingException($"encode produced id {id} outside the vocabulary of {tokenizer.VocabSize}");
        string back = tokenizer.Decode(ids);
        if (tokenizer is BpeTokenizer && back != sample)
            throw new FuzzFindingException($"byte-level BPE did not round-trip: '{back}'");
    }
}
