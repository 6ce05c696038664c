using System.Text.Json;
using SharpLM.Formats;
using SharpLM.Models;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Tests.Formats;

public sealed class GptHuggingFaceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharplm-hf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Sub(string name) => Path.Combine(_dir, name);

    /// <summary>A small model whose every parameter is random (so a round trip cannot pass by matching fresh init).</summary>
    private static Gpt RandomModel(GptConfig config, ulong seed)
    {
        var model = new Gpt(config, seed);
        var rng = new Rng(seed + 1000);
        foreach (var (name, p) in model.NamedParameters())
        {
            rng.FillNormal(p.Data.Span, 0.1f, 1f);
            if (name is "wte.weight" or "lm_head.weight")
                p.Data.Span[(config.VocabSize * config.Width)..].Clear();
        }
        return model;
    }

    private static void AssertSameWeights(Gpt expected, Gpt actual)
    {
        var a = expected.NamedParameters().ToList();
        var b = actual.NamedParameters().ToList();
        Assert.Equal(a.Select(p => p.Name), b.Select(p => p.Name));
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Parameter.Data.ShapeArray, b[i].Parameter.Data.ShapeArray);
            Assert.True(a[i].Parameter.Data.Span.SequenceEqual(b[i].Parameter.Data.Span), $"{a[i].Name} differs after the round trip");
        }
    }

    public static TheoryData<string> Variants => new()
    {
        "gpt2-like", "untied-dyt-sinusoidal", "nobias-rmsnorm", "unpadded", "exact-gelu",
        "nobias-layernorm", "nobias-sinusoidal", "qkv-bias-only", "mlp-hidden", "gqa-learned", "swiglu-learned",
    };

    private static GptConfig Variant(string name)
    {
        var baseConfig = new GptConfig { VocabSize = 70, BlockSize = 16, Layers = 2, Heads = 2, Width = 8, NormEps = 1.234567e-5f, Dropout = 0.1f };
        return name switch
        {
            "gpt2-like" => baseConfig,
            "untied-dyt-sinusoidal" => baseConfig with { TiedEmbeddings = false, Norm = NormKind.DyT, Positions = PositionEncoding.Sinusoidal },
            "nobias-rmsnorm" => baseConfig with { Bias = false, Norm = NormKind.RmsNorm, Dropout = 0f },
            "exact-gelu" => baseConfig with { Activation = MlpActivation.Gelu },
            "nobias-layernorm" => baseConfig with { Bias = false },
            "nobias-sinusoidal" => baseConfig with { Bias = false, Positions = PositionEncoding.Sinusoidal, TiedEmbeddings = false },
            "qkv-bias-only" => baseConfig with { Bias = false, QkvBias = true },
            "mlp-hidden" => baseConfig with { MlpHidden = 20 },
            "gqa-learned" => baseConfig with { KvHeads = 1 },
            "swiglu-learned" => baseConfig with { Activation = MlpActivation.SwiGlu, MlpHidden = 12, Bias = false, Norm = NormKind.RmsNorm },
            _ => baseConfig with { VocabMultiple = 1, VocabSize = 13 },
        };
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void SaveThenLoadIsBitExact(string variant)
    {
        var config = Variant(variant);
        var model = RandomModel(config, seed: 11);
        var dir = Sub(variant);
        GptHuggingFace.Save(model, dir);
        var loaded = GptHuggingFace.Load(dir);
        Assert.Equal(config, loaded.Config);
        AssertSameWeights(model, loaded);
        // Nothing but the two files (no temporaries) is left in the folder.
        Assert.Equal(["config.json", "model.safetensors"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void ExtrasKeepClearNamesAndConv1DWeightsAreTransposed()
    {
        var config = Variant("untied-dyt-sinusoidal");
        var model = RandomModel(config, seed: 5);
        var dir = Sub("extras");
        GptHuggingFace.Save(model, dir);
        using var file = SafetensorsFile.Open(Path.Combine(dir, "model.safetensors"));
        Assert.Equal("pt", file.Metadata["format"]);
        // Untied: GPT2LMHeadModel's names, transformer.* plus lm_head.weight.
        Assert.All(file.Tensors, t => Assert.True(t.Name == "lm_head.weight" || t.Name.StartsWith("transformer.", StringComparison.Ordinal), t.Name));
        Assert.False(file.Contains("transformer.wpe.weight"));
        Assert.Equal([1], file.Info("transformer.h.1.ln_2.alpha").Shape);
        Assert.Equal([70, 8], file.Info("lm_head.weight").Shape);
        Assert.Equal([70, 8], file.Info("transformer.wte.weight").Shape);
        var stored = file.ReadTensor("transformer.h.1.mlp.c_fc.weight");       // [in=C, out=4C]
        var ours = model.Blocks[1].Mlp.Up.Weight.Data;                         // [out=4C, in=C]
        Assert.Equal([8, 32], stored.ShapeArray);
        for (int o = 0; o < 32; o++)
            for (int i = 0; i < 8; i++)
                Assert.Equal(ours[o, i], stored[i, o]);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json")));
        var root = json.RootElement;
        Assert.Equal("sinusoidal", root.GetProperty("sharplm").GetProperty("positions").GetString());
        Assert.Equal("dyt", root.GetProperty("sharplm").GetProperty("norm").GetString());
        Assert.False(root.GetProperty("tie_word_embeddings").GetBoolean());
    }

    [Fact]
    public void Gpt2PresetMatchesHuggingFaceGpt2TensorsAndConfig()
    {
        // The 148 weights of Hugging Face's `gpt2` model.safetensors (GPT2Model names). Its file
        // also holds 12 causal-mask buffers h.{i}.attn.bias [1,1,1024,1024]; they are not
        // weights, so we do not write them (and Load skips them).
        var expected = new List<(string, int[])>
        {
            ("wte.weight", [50257, 768]),
            ("wpe.weight", [1024, 768]),
        };
        for (int i = 0; i < 12; i++)
        {
            expected.Add(($"h.{i}.ln_1.weight", [768]));
            expected.Add(($"h.{i}.ln_1.bias", [768]));
            expected.Add(($"h.{i}.attn.c_attn.weight", [768, 2304]));
            expected.Add(($"h.{i}.attn.c_attn.bias", [2304]));
            expected.Add(($"h.{i}.attn.c_proj.weight", [768, 768]));
            expected.Add(($"h.{i}.attn.c_proj.bias", [768]));
            expected.Add(($"h.{i}.ln_2.weight", [768]));
            expected.Add(($"h.{i}.ln_2.bias", [768]));
            expected.Add(($"h.{i}.mlp.c_fc.weight", [768, 3072]));
            expected.Add(($"h.{i}.mlp.c_fc.bias", [3072]));
            expected.Add(($"h.{i}.mlp.c_proj.weight", [3072, 768]));
            expected.Add(($"h.{i}.mlp.c_proj.bias", [768]));
        }
        expected.Add(("ln_f.weight", [768]));
        expected.Add(("ln_f.bias", [768]));
        Assert.Equal(148, expected.Count);

        var model = new Gpt(GptConfig.Preset("gpt2"), seed: 1);
        var dir = Sub("gpt2");
        GptHuggingFace.Save(model, dir);
        using (var file = SafetensorsFile.Open(Path.Combine(dir, "model.safetensors")))
        {
            var actual = file.Tensors.Select(t => (t.Name, Tensor.FormatShape(t.Shape))).OrderBy(t => t.Name, StringComparer.Ordinal);
            Assert.Equal(expected.Select(t => (t.Item1, Tensor.FormatShape(t.Item2))).OrderBy(t => t.Item1, StringComparer.Ordinal), actual);
            Assert.All(file.Tensors, t => Assert.Equal(SafetensorsDType.F32, t.DType));
        }
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json")));
        var r = json.RootElement;
        Assert.Equal("gpt2", r.GetProperty("model_type").GetString());
        Assert.Equal("GPT2LMHeadModel", r.GetProperty("architectures")[0].GetString());
        Assert.Equal(50257, r.GetProperty("vocab_size").GetInt32());
        Assert.Equal(1024, r.GetProperty("n_positions").GetInt32());
        Assert.Equal(1024, r.GetProperty("n_ctx").GetInt32());
        Assert.Equal(768, r.GetProperty("n_embd").GetInt32());
        Assert.Equal(12, r.GetProperty("n_layer").GetInt32());
        Assert.Equal(12, r.GetProperty("n_head").GetInt32());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("n_inner").ValueKind);
        Assert.Equal("gelu_new", r.GetProperty("activation_function").GetString());
        Assert.Equal(1e-5, r.GetProperty("layer_norm_epsilon").GetDouble(), 12);
        Assert.True(r.GetProperty("tie_word_embeddings").GetBoolean());
        Assert.Equal(50256, r.GetProperty("eos_token_id").GetInt32());
        Assert.Equal(50256, r.GetProperty("bos_token_id").GetInt32());
        foreach (var k in new[] { "resid_pdrop", "embd_pdrop", "attn_pdrop" }) Assert.Equal(0.0, r.GetProperty(k).GetDouble());
    }

    /// <summary>Hugging Face's own gpt2 config.json (its keys and values), with no "sharplm" object.</summary>
    private const string HfGpt2StyleConfig = """
        {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
         "bos_token_id": 50256, "embd_pdrop": 0.1, "eos_token_id": 50256, "initializer_range": 0.02,
         "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": 16, "n_embd": 8, "n_head": 2,
         "n_layer": 2, "n_positions": 16, "resid_pdrop": 0.1, "summary_activation": null,
         "summary_first_dropout": 0.1, "summary_proj_to_labels": true, "summary_type": "cls_index",
         "summary_use_proj": true, "task_specific_params": {"text-generation": {"do_sample": true, "max_length": 50}},
         "vocab_size": 70}
        """;

    [Fact]
    public void LoadsHuggingFaceStyleFilesWithMaskBuffersPrefixAndTiedHead()
    {
        var config = Variant("gpt2-like");
        var model = RandomModel(config, seed: 3);
        var dir = Sub("hfstyle");
        GptHuggingFace.Save(model, dir);
        // Re-write the weights as GPT2LMHeadModel would: "transformer." prefix, mask buffers, a copy of the tied head.
        var weights = Path.Combine(dir, "model.safetensors");
        var contents = Safetensors.Read(weights);
        var rewritten = contents.Tensors.Select(t => ("transformer." + t.Name, t.Tensor)).ToList();
        rewritten.Add(("transformer.h.0.attn.bias", Tensor.Full(1f, 1, 1, 16, 16)));
        rewritten.Add(("transformer.h.1.attn.masked_bias", Tensor.Full(-1e4f, 1)));
        rewritten.Add(("lm_head.weight", contents["wte.weight"]));
        Safetensors.Write(weights, rewritten);
        File.WriteAllText(Path.Combine(dir, "config.json"), HfGpt2StyleConfig);

        var loaded = GptHuggingFace.Load(dir);
        Assert.Equal(config with { NormEps = 1e-5f }, loaded.Config);
        AssertSameWeights(model, loaded);
    }

    [Fact]
    public void ActivationMapsToHuggingFaceNamesBothWays()
    {
        // Our exact GELU is transformers' "gelu" (nn.GELU), the tanh form its "gelu_new".
        var dir = Sub("exact");
        GptHuggingFace.Save(RandomModel(Variant("exact-gelu"), seed: 4), dir);
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json"))))
            Assert.Equal("gelu", json.RootElement.GetProperty("activation_function").GetString());
        Assert.Equal(MlpActivation.Gelu, GptHuggingFace.Load(dir).Config.Activation);
        File.WriteAllText(Path.Combine(dir, "config.json"), HfGpt2StyleConfig.Replace("\"gelu_new\"", "\"gelu\""));
        Assert.Equal(MlpActivation.Gelu, GptHuggingFace.Load(dir).Config.Activation);
        foreach (var tanhName in new[] { "gelu_new", "gelu_pytorch_tanh", "gelu_fast" })
        {
            File.WriteAllText(Path.Combine(dir, "config.json"), HfGpt2StyleConfig.Replace("\"gelu_new\"", $"\"{tanhName}\""));
            Assert.Equal(MlpActivation.GeluTanh, GptHuggingFace.Load(dir).Config.Activation);
        }
    }

    private string SavedTiny(string name)
    {
        var dir = Sub(name);
        GptHuggingFace.Save(RandomModel(Variant("gpt2-like"), seed: 9), dir);
        return dir;
    }

    private static void RewriteWeights(string dir, Func<List<(string Name, Tensor Tensor)>, List<(string, Tensor)>> change)
    {
        var path = Path.Combine(dir, "model.safetensors");
        var tensors = Safetensors.Read(path).Tensors.ToList();
        Safetensors.Write(path, change(tensors));
    }

    [Fact]
    public void MissingFilesAreNamed()
    {
        Assert.Contains("does not exist", Assert.Throws<DirectoryNotFoundException>(() => GptHuggingFace.Load(Sub("nowhere"))).Message);
        var dir = SavedTiny("nofiles");
        File.Delete(Path.Combine(dir, "model.safetensors"));
        Assert.Contains("model.safetensors", Assert.Throws<FileNotFoundException>(() => GptHuggingFace.Load(dir)).Message);
        File.Delete(Path.Combine(dir, "config.json"));
        Assert.Contains("config.json", Assert.Throws<FileNotFoundException>(() => GptHuggingFace.Load(dir)).Message);
    }

    [Fact]
    public void MissingTensorIsNamed()
    {
        var dir = SavedTiny("missing");
        RewriteWeights(dir, t => t.Where(x => x.Name != "h.1.mlp.c_fc.bias").Select(x => (x.Name, x.Tensor)).ToList());
        var e = Assert.Throws<InvalidDataException>(() => GptHuggingFace.Load(dir));
        Assert.Contains("h.1.mlp.c_fc.bias", e.Message);
        Assert.Contains("lacks", e.Message);
    }

    [Fact]
    public void ExtraTensorIsNamed()
    {
        var dir = SavedTiny("extra");
        RewriteWeights(dir, t => t.Select(x => (x.Name, x.Tensor)).Append(("h.2.ln_1.weight", new Tensor(8))).ToList());
        var e = Assert.Throws<InvalidDataException>(() => GptHuggingFace.Load(dir));
        Assert.Contains("h.2.ln_1.weight", e.Message);
        Assert.Contains("no place", e.Message);
    }

    [Fact]
    public void WrongShapeIsNamed()
    {
        var dir = SavedTiny("shape");
        // An [out,in] weight where Conv1D's [in,out] belongs.
        RewriteWeights(dir, t => t.Select(x => (x.Name, x.Name == "h.0.attn.c_attn.weight" ? x.Tensor.Transpose() : x.Tensor)).ToList());
        var e = Assert.Throws<InvalidDataException>(() => GptHuggingFace.Load(dir));
        Assert.Contains("h.0.attn.c_attn.weight", e.Message);
        Assert.Contains("[24,8]", e.Message);
        Assert.Contains("[8,24]", e.Message);
    }

    [Fact]
    public void UnsupportedConfigsAreNamed()
    {
        var dir = SavedTiny("cfg");
        var path = Path.Combine(dir, "config.json");
        File.WriteAllText(path, HfGpt2StyleConfig.Replace("\"gelu_new\"", "\"relu\""));
        Assert.Contains("activation_function", Assert.Throws<InvalidDataException>(() => GptHuggingFace.Load(dir)).Message);
        File.WriteAllText(path, HfGpt2StyleConfig.Replace("\"n_head\": 2", "\"n_head\": 3"));
        Assert.Contains("divisible", Assert.Throws<InvalidDataException>(() => GptHuggingFace.Load(dir)).Message);
        File.WriteAllText(path, HfGpt2StyleConfig.Replace("\"model_type\": \"gpt2\"", "\"model_type\": \"bert\""));
        Assert.Contains("model_type", Assert.Throws<InvalidDataException>(() => GptHuggingFace.Load(dir)).Message);
        File.WriteAllText(path, HfGpt2StyleConfig.Replace("\"n_embd\": 8", "\"n_embd\": \"8\""));
        Assert.Contains("n_embd", Assert.Throws<InvalidDataException>(() => GptHuggingFace.Load(dir)).Message);
        File.WriteAllText(path, "{not json");
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => GptHuggingFace.Load(dir)).Message);
    }

    [Fact]
    public void ModelWithoutBiasesWritesZeroBiasesGpt2LMHeadModelNeeds()
    {
        // transformers initializes absent biases at random (reported as missing keys), so a
        // bias-free model must carry zeros for each of them to compute what we compute.
        var config = Variant("nobias-layernorm");
        Assert.Null(GptHuggingFace.TransformersIncompatibility(config));
        var model = RandomModel(config, seed: 12);
        var dir = Sub("zerobias");
        GptHuggingFace.Save(model, dir);
        using (var file = SafetensorsFile.Open(Path.Combine(dir, "model.safetensors")))
        {
            var biases = file.Tensors.Where(t => t.Name.EndsWith(".bias", StringComparison.Ordinal)).ToList();
            Assert.Equal(2 * 6 + 1, biases.Count); // ln_1, c_attn, c_proj, ln_2, c_fc, mlp.c_proj per layer; ln_f
            Assert.Equal([24], file.Info("h.0.attn.c_attn.bias").Shape);
            Assert.Equal([32], file.Info("h.1.mlp.c_fc.bias").Shape);
            Assert.All(biases, b => Assert.True(file.ReadTensor(b.Name).Span.IndexOfAnyExcept(0f) < 0, b.Name));
        }
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json"))))
            Assert.Equal("gpt2", json.RootElement.GetProperty("model_type").GetString());
        AssertSameWeights(model, GptHuggingFace.Load(dir));

        // A file whose "absent" bias is not zero is not the model its config describes.
        RewriteWeights(dir, t => t.Select(x => (x.Name, x.Name == "h.1.ln_2.bias" ? Tensor.Full(0.5f, 8) : x.Tensor)).ToList());
        var e = Assert.Throws<InvalidDataException>(() => GptHuggingFace.Load(dir));
        Assert.Contains("h.1.ln_2.bias", e.Message);
        Assert.Contains("sharplm.bias", e.Message);
    }

    [Fact]
    public void SinusoidalPositionsAreWrittenAsTheFixedWpeTable()
    {
        var config = Variant("nobias-sinusoidal");
        var model = RandomModel(config, seed: 13);
        var dir = Sub("sinus");
        GptHuggingFace.Save(model, dir);
        using (var file = SafetensorsFile.Open(Path.Combine(dir, "model.safetensors")))
            Assert.True(file.ReadTensor("transformer.wpe.weight").Span.SequenceEqual(model.SinusoidalTable!.Span));
        AssertSameWeights(model, GptHuggingFace.Load(dir));
        // Trained positions under a "sinusoidal" config are refused, naming the fix.
        RewriteWeights(dir, t => t.Select(x => (x.Name, x.Name == "transformer.wpe.weight" ? Tensor.Full(0.1f, 16, 8) : x.Tensor)).ToList());
        Assert.Contains("learned", Assert.Throws<InvalidDataException>(() => GptHuggingFace.Load(dir)).Message);
    }

    [Theory]
    [InlineData("nobias-rmsnorm", "RMSNorm")]
    [InlineData("untied-dyt-sinusoidal", "DyT")]
    [InlineData("gqa-learned", "grouped-query")]
    [InlineData("swiglu-learned", "SwiGLU")]
    public void ConfigurationsGpt2CannotExpressAreMarked(string variant, string named)
    {
        var config = Variant(variant);
        string? note = GptHuggingFace.TransformersIncompatibility(config);
        Assert.NotNull(note);
        Assert.Contains(named, note);
        var dir = Sub("marked-" + variant);
        GptHuggingFace.Save(RandomModel(config, seed: 14), dir);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json")));
        // Not "gpt2": transformers' AutoConfig refuses the folder instead of running GPT-2's LayerNorm/GELU on these weights.
        Assert.Equal("sharplm_gpt2", json.RootElement.GetProperty("model_type").GetString());
        Assert.Equal(note, json.RootElement.GetProperty("sharplm").GetProperty("transformers").GetString());
    }
}
