using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using SharpLM.Autograd;
using SharpLM.Formats;
using SharpLM.Models;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Tests.Formats;

public sealed class LlamaHuggingFaceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharplm-llamahf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Sub(string name) => Path.Combine(_dir, name);

    internal static Gpt RandomModel(GptConfig config, ulong seed)
    {
        var model = new Gpt(config, seed);
        var rng = new Rng(seed + 1000);
        foreach (var (name, p) in model.NamedParameters())
        {
            rng.FillNormal(p.Data.Span, name.Contains("ln_") ? 1f : 0f, 0.3f);
            if (name is "wte.weight" or "lm_head.weight")
                p.Data.Span[(config.VocabSize * config.Width)..].Clear();
        }
        return model;
    }

    internal static void AssertSameWeights(Gpt expected, Gpt actual)
    {
        var a = expected.NamedParameters().ToList();
        var b = actual.NamedParameters().ToList();
        Assert.Equal(a.Select(p => p.Name), b.Select(p => p.Name));
        for (int i = 0; i < a.Count; i++)
            Assert.True(a[i].Parameter.Data.Span.SequenceEqual(b[i].Parameter.Data.Span), $"{a[i].Name} differs after the round trip");
    }

    internal static readonly GptConfig Llama = new()
    {
        VocabSize = 70, BlockSize = 32, Layers = 2, Heads = 4, KvHeads = 2, Width = 16, MlpHidden = 40,
        Positions = PositionEncoding.Rotary, Norm = NormKind.RmsNorm, Bias = false, Activation = MlpActivation.SwiGlu,
        TiedEmbeddings = false, NormEps = 1e-5f,
    };

    public static TheoryData<string> Variants => new() { "gqa", "tied-mqa", "qwen2", "llama3-scaling", "linear-scaling", "rotary-layernorm-gelu-bias", "unpadded" };

    private static GptConfig Variant(string name) => name switch
    {
        "gqa" => Llama,
        "tied-mqa" => Llama with { TiedEmbeddings = true, KvHeads = 1 },
        "qwen2" => Llama with { QkvBias = true, NormEps = 1e-6f, RopeTheta = 1e6f },
        "llama3-scaling" => Llama with { RopeTheta = 500000f, RopeScaling = new RopeScaling { Kind = RopeScalingKind.Llama3, Factor = 32f, LowFreqFactor = 1f, HighFreqFactor = 4f, OriginalContext = 16 } },
        "linear-scaling" => Llama with { RopeScaling = new RopeScaling { Kind = RopeScalingKind.Linear, Factor = 2.5f } },
        "rotary-layernorm-gelu-bias" => Llama with { Norm = NormKind.LayerNorm, Activation = MlpActivation.Gelu, Bias = true, MlpHidden = 0, Dropout = 0.1f },
        _ => Llama with { VocabMultiple = 1, VocabSize = 13 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void SaveThenLoadIsBitExact(string variant)
    {
        var config = Variant(variant);
        var model = RandomModel(config, seed: 21);
        var dir = Sub(variant);
        GptHuggingFace.Save(model, dir);
        var loaded = GptHuggingFace.Load(dir);
        Assert.Equal(config, loaded.Config);
        AssertSameWeights(model, loaded);
        Assert.Equal(["config.json", "model.safetensors"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());
        // Same weights, same function.
        int[] ids = [3, 1, 4, 1, 5, 9, 2, 6];
        Assert.Equal(model.Forward(new Tape(false), ids, 1, ids.Length).Data.ToArray(), loaded.Forward(new Tape(false), ids, 1, ids.Length).Data.ToArray());
    }

    [Fact]
    public void TensorNamesAndShapesAreLlamaForCausalLMs()
    {
        var dir = Sub("names");
        GptHuggingFace.Save(RandomModel(Llama, 1), dir);
        var expected = new List<(string, int[])> { ("model.embed_tokens.weight", [70, 16]), ("model.norm.weight", [16]), ("lm_head.weight", [70, 16]) };
        for (int l = 0; l < 2; l++)
        {
            string p = $"model.layers.{l}.";
            expected.Add((p + "input_layernorm.weight", [16]));
            expected.Add((p + "post_attention_layernorm.weight", [16]));
            expected.Add((p + "self_attn.q_proj.weight", [16, 16]));
            expected.Add((p + "self_attn.k_proj.weight", [8, 16]));   // 2 kv heads of 4
            expected.Add((p + "self_attn.v_proj.weight", [8, 16]));
            expected.Add((p + "self_attn.o_proj.weight", [16, 16]));
            expected.Add((p + "mlp.gate_proj.weight", [40, 16]));
            expected.Add((p + "mlp.up_proj.weight", [40, 16]));
            expected.Add((p + "mlp.down_proj.weight", [16, 40]));
        }
        using (var file = SafetensorsFile.Open(Path.Combine(dir, "model.safetensors")))
            Assert.Equal(expected.Select(e => (e.Item1, Tensor.FormatShape(e.Item2))).Order(), file.Tensors.Select(t => (t.Name, Tensor.FormatShape(t.Shape))).Order());

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json")));
        var r = json.RootElement;
        Assert.Equal("llama", r.GetProperty("model_type").GetString());
        Assert.Equal("LlamaForCausalLM", r.GetProperty("architectures")[0].GetString());
        Assert.Equal(16, r.GetProperty("hidden_size").GetInt32());
        Assert.Equal(40, r.GetProperty("intermediate_size").GetInt32());
        Assert.Equal(4, r.GetProperty("num_attention_heads").GetInt32());
        Assert.Equal(2, r.GetProperty("num_key_value_heads").GetInt32());
        Assert.Equal(32, r.GetProperty("max_position_embeddings").GetInt32());
        Assert.Equal("silu", r.GetProperty("hidden_act").GetString());
        Assert.Equal(10000.0, r.GetProperty("rope_theta").GetDouble());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("rope_scaling").ValueKind);
        Assert.False(r.GetProperty("tie_word_embeddings").GetBoolean());
        Assert.Equal(1e-5, r.GetProperty("rms_norm_eps").GetDouble(), 12);
    }

    [Fact]
    public void TiedHeadIsAbsentAndQwen2HasQkvBiases()
    {
        var tied = Sub("tied");
        GptHuggingFace.Save(RandomModel(Variant("tied-mqa"), 2), tied);
        using (var file = SafetensorsFile.Open(Path.Combine(tied, "model.safetensors")))
        {
            Assert.False(file.Contains("lm_head.weight"));
            Assert.Equal([4, 16], file.Info("model.layers.0.self_attn.k_proj.weight").Shape);
        }
        var qwen = Sub("qwen");
        var model = RandomModel(Variant("qwen2"), 3);
        GptHuggingFace.Save(model, qwen);
        using (var file = SafetensorsFile.Open(Path.Combine(qwen, "model.safetensors")))
        {
            Assert.Equal([16], file.Info("model.layers.1.self_attn.q_proj.bias").Shape);
            Assert.Equal([8], file.Info("model.layers.1.self_attn.v_proj.bias").Shape);
            Assert.False(file.Contains("model.layers.1.self_attn.o_proj.bias"));
            // q_proj.bias is the first 16 entries of our fused bias, v_proj.bias the last 8.
            var fused = model.Blocks[1].Attention.QkvProjection.Bias!.Data.Span;
            Assert.True(file.ReadTensor("model.layers.1.self_attn.v_proj.bias").Span.SequenceEqual(fused[24..]));
        }
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(qwen, "config.json")));
        Assert.Equal("qwen2", json.RootElement.GetProperty("model_type").GetString());
        Assert.Equal("Qwen2ForCausalLM", json.RootElement.GetProperty("architectures")[0].GetString());
        Assert.Equal(32, json.RootElement.GetProperty("sliding_window").GetInt32());
    }

    [Fact]
    public void RopeScalingIsWrittenInBothHuggingFaceForms()
    {
        var linear = Sub("lin");
        GptHuggingFace.Save(RandomModel(Variant("linear-scaling"), 4), linear);
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(linear, "config.json"))))
        {
            var rs = json.RootElement.GetProperty("rope_scaling");
            // transformers 4.39 accepts exactly {type, factor} with a float factor.
            Assert.Equal(["factor", "type"], rs.EnumerateObject().Select(p => p.Name).Order());
            Assert.Equal("linear", rs.GetProperty("type").GetString());
            Assert.Equal("2.5", rs.GetProperty("factor").GetRawText());
        }
        var llama3 = Sub("l3");
        GptHuggingFace.Save(RandomModel(Variant("llama3-scaling"), 5), llama3);
        string text = File.ReadAllText(Path.Combine(llama3, "config.json"));
        using (var json = JsonDocument.Parse(text))
        {
            var rs = json.RootElement.GetProperty("rope_scaling");
            Assert.Equal("llama3", rs.GetProperty("rope_type").GetString());
            Assert.Equal("32.0", rs.GetProperty("factor").GetRawText());
            Assert.Equal(4.0, rs.GetProperty("high_freq_factor").GetDouble());
            Assert.Equal(16, rs.GetProperty("original_max_position_embeddings").GetInt32());
        }
        // Llama 3's published form (rope_type and several eos ids) reads back.
        File.WriteAllText(Path.Combine(llama3, "config.json"), text.Replace("\"eos_token_id\": null", "\"eos_token_id\": [128001, 128008, 128009]"));
        var cfg = HuggingFaceLlamaConfig.Read(Path.Combine(llama3, "config.json"));
        Assert.Equal([128001, 128008, 128009], cfg.EosTokenIds);
        Assert.Equal(RopeScalingKind.Llama3, GptHuggingFace.Load(llama3).Config.RopeScaling!.Kind);
    }

    [Fact]
    public void ConfigurationsWithoutTransformersEquivalentAreMarked()
    {
        var config = Variant("rotary-layernorm-gelu-bias");
        string? note = GptHuggingFace.TransformersIncompatibility(config);
        Assert.NotNull(note);
        Assert.Contains("LayerNorm", note);
        Assert.Contains("SwiGLU", note);
        var dir = Sub("odd");
        GptHuggingFace.Save(RandomModel(config, 6), dir);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json")));
        // Not "llama": transformers' AutoConfig refuses it instead of running LlamaForCausalLM on the wrong architecture.
        Assert.Equal("sharplm_llama", json.RootElement.GetProperty("model_type").GetString());
        Assert.Equal(note, json.RootElement.GetProperty("sharplm").GetProperty("transformers").GetString());
        Assert.Null(GptHuggingFace.TransformersIncompatibility(Llama));
    }

    [Fact]
    public void ShardedCheckpointLoads()
    {
        var model = RandomModel(Llama, 7);
        var dir = Sub("sharded");
        GptHuggingFace.Save(model, dir);
        var all = Safetensors.Read(Path.Combine(dir, "model.safetensors")).Tensors.ToList();
        File.Delete(Path.Combine(dir, "model.safetensors"));
        var map = new Dictionary<string, string>();
        for (int s = 0; s < 3; s++)
        {
            string shard = $"model-{s + 1:00000}-of-00003.safetensors";
            var part = all.Where((_, i) => i % 3 == s).ToList();
            Safetensors.Write(Path.Combine(dir, shard), part);
            foreach (var (name, _) in part) map[name] = shard;
        }
        WriteIndex(dir, map);
        AssertSameWeights(model, GptHuggingFace.Load(dir));

        // An index naming the wrong shard, and a missing shard, are reported by name.
        var wrong = new Dictionary<string, string>(map) { ["model.norm.weight"] = map["model.norm.weight"] == "model-00001-of-00003.safetensors" ? "model-00002-of-00003.safetensors" : "model-00001-of-00003.safetensors" };
        WriteIndex(dir, wrong);
        Assert.Contains("model.norm.weight", Assert.Throws<InvalidDataException>(() => GptHuggingFace.Load(dir)).Message);
        WriteIndex(dir, new Dictionary<string, string>(map) { ["extra.weight"] = "model-00004-of-00004.safetensors" });
        Assert.Contains("model-00004-of-00004.safetensors", Assert.Throws<FileNotFoundException>(() => GptHuggingFace.Load(dir)).Message);
    }

    private static void WriteIndex(string dir, Dictionary<string, string> map) =>
        File.WriteAllText(Path.Combine(dir, "model.safetensors.index.json"),
            JsonSerializer.Serialize(new Dictionary<string, object> { ["metadata"] = new Dictionary<string, long> { ["total_size"] = 0 }, ["weight_map"] = map },
                new JsonSerializerOptions { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() }));

    [Theory]
    [InlineData("BF16")]
    [InlineData("F16")]
    public void HalfPrecisionTensorsLoadAsFloat32(string dtype)
    {
        var model = RandomModel(Llama, 8);
        var dir = Sub(dtype);
        GptHuggingFace.Save(model, dir);
        var path = Path.Combine(dir, "model.safetensors");
        var tensors = Safetensors.Read(path).Tensors.ToList();
        WriteHalf(path, tensors, dtype);
        var loaded = GptHuggingFace.Load(dir);
        // Each weight equals the float32 value rounded to the half format (round to nearest even).
        var a = model.NamedParameters().ToList();
        var b = loaded.NamedParameters().ToList();
        for (int i = 0; i < a.Count; i++)
        {
            var x = a[i].Parameter.Data.Span;
            var y = b[i].Parameter.Data.Span;
            for (int j = 0; j < x.Length; j++)
                Assert.Equal(Round(x[j], dtype), y[j]);
        }
    }

    private static float Round(float x, string dtype)
    {
        if (dtype == "F16") return (float)(Half)x;
        uint bits = BitConverter.SingleToUInt32Bits(x);
        uint rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000;
        return BitConverter.UInt32BitsToSingle(rounded);
    }

    /// <summary>Writes a safetensors file with every tensor stored in a 16-bit format (what the Hub's F16/BF16 checkpoints hold).</summary>
    private static void WriteHalf(string path, List<(string Name, Tensor Tensor)> tensors, string dtype)
    {
        var header = new StringBuilder("{");
        long offset = 0;
        foreach (var (name, t) in tensors)
        {
            header.Append($"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", t.ShapeArray)}],\"data_offsets\":[{offset},{offset + 2L * t.Length}]}},");
            offset += 2L * t.Length;
        }
        header.Length--;
        header.Append('}');
        while ((header.Length + 8) % 8 != 0) header.Append(' ');
        using var f = File.Create(path);
        var len = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
        f.Write(len);
        f.Write(Encoding.ASCII.GetBytes(header.ToString()));
        var two = new byte[2];
        foreach (var (_, t) in tensors)
            foreach (float x in t.Span)
            {
                ushort bits = dtype == "F16" ? BitConverter.HalfToUInt16Bits((Half)x) : (ushort)(BitConverter.SingleToUInt32Bits(Round(x, "BF16")) >> 16);
                BinaryPrimitives.WriteUInt16LittleEndian(two, bits);
                f.Write(two);
            }
    }

    [Fact]
    public void ConfigThatDisagreesWithTensorsIsNamed()
    {
        var dir = Sub("disagree");
        GptHuggingFace.Save(RandomModel(Llama, 9), dir);
        var configPath = Path.Combine(dir, "config.json");
        string text = File.ReadAllText(configPath);

        File.WriteAllText(configPath, text.Replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 4"));
        var e = Assert.Throws<InvalidDataException>(() => GptHuggingFace.Load(dir));
        Assert.Contains("k_proj.weight", e.Message);
        Assert.Contains("[8,16]", e.Message);
        Assert.Contains("[16,16]", e.Message);

        File.WriteAllText(configPath, text.Replace("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": true"));
        Assert.Contains("tie_word_embeddings", Assert.Throws<InvalidDataException>(() => GptHuggingFace.Load(dir)).Message);

        File.WriteAllText(configPath, text.Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
        e = Assert.Throws<InvalidDataException>(() => GptHuggingFace.Load(dir));
        Assert.Contains("model.layers.2.", e.Message);
        Assert.Contains("lacks", e.Message);

        File.WriteAllText(configPath, text.Replace("\"num_attention_heads\": 4", "\"num_attention_heads\": 3").Replace("\"head_dim\": 4,", ""));
        Assert.Contains("divisible", Assert.Throws<InvalidDataException>(() => GptHuggingFace.Load(dir)).Message);

        File.WriteAllText(configPath, text.Replace("\"hidden_act\": \"silu\"", "\"hidden_act\": \"relu\""));
        Assert.Contains("hidden_act", Assert.Throws<InvalidDataException>(() => GptHuggingFace.Load(dir)).Message);

        File.WriteAllText(configPath, text.Replace("\"rope_scaling\": null", "\"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4.0}"));
        Assert.Contains("yarn", Assert.Throws<InvalidDataException>(() => GptHuggingFace.Load(dir)).Message);
    }

    /// <summary>TinyLlama-1.1B's config.json keys and layout (values shrunk to the test model), as the Hub ships it.</summary>
    private const string HubLlamaConfig = """
        {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "bos_token_id": 1, "eos_token_id": 2,
         "hidden_act": "silu", "hidden_size": 16, "initializer_range": 0.02, "intermediate_size": 40,
         "max_position_embeddings": 32, "model_type": "llama", "num_attention_heads": 4, "num_hidden_layers": 2,
         "num_key_value_heads": 2, "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null, "rope_theta": 10000.0,
         "tie_word_embeddings": false, "torch_dtype": "bfloat16", "transformers_version": "4.35.0", "use_cache": true, "vocab_size": 70}
        """;

    [Fact]
    public void HubStyleFolderLoads()
    {
        var model = RandomModel(Llama, 10);
        var dir = Sub("hub");
        GptHuggingFace.Save(model, dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), HubLlamaConfig);
        // Older exports also carry the rotary inverse-frequency buffers; they are not weights.
        var path = Path.Combine(dir, "model.safetensors");
        var tensors = Safetensors.Read(path).Tensors.ToList();
        tensors.Add(("model.layers.0.self_attn.rotary_emb.inv_freq", new Tensor(2)));
        Safetensors.Write(path, tensors);
        var loaded = GptHuggingFace.Load(dir);
        Assert.Equal(Llama, loaded.Config);
        AssertSameWeights(model, loaded);
        var cfg = HuggingFaceLlamaConfig.Read(Path.Combine(dir, "config.json"));
        Assert.Equal(1, cfg.BosTokenId);
        Assert.Equal([2], cfg.EosTokenIds);
    }
}
