using System.Text.Json;
using SharpLM.Adapters;
using SharpLM.Formats;
using SharpLM.Models;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Tests.Adapters;

public sealed class PeftAdapterTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sharplm-peft-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private (string[] Names, Dictionary<string, int[]> Shapes, JsonElement Config) SaveAndRead(Module model)
    {
        PeftAdapter.Save(model, _dir);
        using var file = SafetensorsFile.Open(Path.Combine(_dir, PeftAdapter.WeightsFile));
        var shapes = file.Tensors.ToDictionary(t => t.Name, t => t.Shape.ToArray());
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, PeftAdapter.ConfigFile))).RootElement.Clone();
        return (shapes.Keys.Order(StringComparer.Ordinal).ToArray(), shapes, config);
    }

    [Fact]
    public void Gpt2TargetsGetPeftNamesWithAAsRankByInAndBAsOutByRank()
    {
        var model = new Gpt(LoraTestModels.Gpt2(), seed: 1);
        Lora.Apply(model, LoraOptions.Parse("r=4,alpha=32,targets=c_attn,dropout=0.05") with { BaseModel = "gpt2" }, new Rng(2));
        var (names, shapes, config) = SaveAndRead(model);
        Assert.Equal([
            "base_model.model.transformer.h.0.attn.c_attn.lora_A.weight", "base_model.model.transformer.h.0.attn.c_attn.lora_B.weight",
            "base_model.model.transformer.h.1.attn.c_attn.lora_A.weight", "base_model.model.transformer.h.1.attn.c_attn.lora_B.weight"], names);
        Assert.Equal([4, 16], shapes["base_model.model.transformer.h.0.attn.c_attn.lora_A.weight"]);
        Assert.Equal([48, 4], shapes["base_model.model.transformer.h.0.attn.c_attn.lora_B.weight"]);
        Assert.Equal("LORA", config.GetProperty("peft_type").GetString());
        Assert.Equal("CAUSAL_LM", config.GetProperty("task_type").GetString());
        Assert.Equal("gpt2", config.GetProperty("base_model_name_or_path").GetString());
        Assert.Equal(4, config.GetProperty("r").GetInt32());
        Assert.Equal(32, config.GetProperty("lora_alpha").GetInt32());
        Assert.Equal(0.05f, config.GetProperty("lora_dropout").GetSingle());
        Assert.Equal(["c_attn"], config.GetProperty("target_modules").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("none", config.GetProperty("bias").GetString());
        Assert.True(config.GetProperty("fan_in_fan_out").GetBoolean()); // GPT-2's Conv1D
    }

    [Fact]
    public void LlamaTargetsSplitTheFusedProjectionIntoQAndVModules()
    {
        var model = new Gpt(LoraTestModels.Llama(), seed: 1);
        Lora.Apply(model, LoraOptions.Parse("r=2,targets=q_proj,v_proj,o_proj,gate_proj"), new Rng(2));
        var (names, shapes, config) = SaveAndRead(model);
        Assert.Contains("base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight", names);
        Assert.Equal([16, 2], shapes["base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"]);
        Assert.Equal([8, 2], shapes["base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight"]); // one key/value head of 8
        Assert.Equal([2, 16], shapes["base_model.model.model.layers.0.self_attn.o_proj.lora_A.weight"]);
        Assert.Equal([24, 2], shapes["base_model.model.model.layers.0.mlp.gate_proj.lora_B.weight"]);
        Assert.DoesNotContain(names, n => n.Contains("k_proj"));
        Assert.Equal(16, names.Length);
        Assert.False(config.GetProperty("fan_in_fan_out").GetBoolean());
    }

    [Fact]
    public void BertTargetsKeepHuggingFaceNamesAndSaveTheClassifier()
    {
        var model = new Bert(LoraTestModels.Bert(), BertTask.SequenceClassification, seed: 1, labels: ["neg", "pos"]);
        Lora.Apply(model, LoraOptions.Parse("r=2,targets=query,value"), new Rng(2));
        var (names, _, config) = SaveAndRead(model);
        Assert.Contains("base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight", names);
        Assert.Contains("base_model.model.bert.encoder.layer.1.attention.self.value.lora_B.weight", names);
        Assert.Contains("base_model.model.classifier.weight", names);
        Assert.Contains("base_model.model.classifier.bias", names);
        Assert.Equal(10, names.Length);
        Assert.Equal("SEQ_CLS", config.GetProperty("task_type").GetString());
        Assert.Equal(["classifier"], config.GetProperty("modules_to_save").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void T5TargetsReachEncoderSelfDecoderSelfAndCrossAttention()
    {
        var model = new EncoderDecoder(LoraTestModels.T5(), 1);
        Lora.Apply(model, LoraOptions.Parse("r=2,targets=q,v"), new Rng(2));
        var (names, _, config) = SaveAndRead(model);
        Assert.Contains("base_model.model.encoder.block.0.layer.0.SelfAttention.q.lora_A.weight", names);
        Assert.Contains("base_model.model.decoder.block.1.layer.0.SelfAttention.v.lora_B.weight", names);
        Assert.Contains("base_model.model.decoder.block.0.layer.1.EncDecAttention.q.lora_A.weight", names);
        Assert.Equal((2 + 2 * 2) * 2 * 2, names.Length); // (encoder self + decoder self and cross) × {q, v} × {A, B}
        Assert.Equal("SEQ_2_SEQ_LM", config.GetProperty("task_type").GetString());
    }

    [Fact]
    public void AllLinearLeavesOutTheHeadAndListsWhatItChose()
    {
        var model = new Gpt(LoraTestModels.Gpt2() with { TiedEmbeddings = false }, seed: 1);
        var summary = Lora.Apply(model, LoraOptions.Parse("r=2,targets=all-linear"), new Rng(2));
        Assert.Equal(8, summary.Modules.Length);
        Assert.DoesNotContain(summary.Modules, m => m.Contains("lm_head"));
        var (_, _, config) = SaveAndRead(model);
        Assert.Equal(["c_attn", "c_fc", "c_proj"], config.GetProperty("target_modules").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void SaveThenLoadIsBitExactAndGivesTheSameLogits()
    {
        var config = LoraTestModels.Gpt2();
        var trained = new Gpt(config, seed: 1);
        Lora.Apply(trained, LoraOptions.Parse("r=3,alpha=5,targets=c_attn,mlp.c_proj"), new Rng(2));
        LoraTestModels.RandomizeB(trained, 3);
        PeftAdapter.Save(trained, _dir);

        var fresh = new Gpt(config, seed: 1); // the same base weights
        var summary = PeftAdapter.Load(fresh, _dir, "loaded");
        Assert.Equal(5f, summary.Options.Alpha);
        var a = Lora.AllAdapters(trained).ToList();
        var b = Lora.AllAdapters(fresh).ToList();
        Assert.Equal(a.Select(x => x.ModuleName), b.Select(x => x.ModuleName));
        for (int i = 0; i < a.Count; i++)
        {
            Assert.True(a[i].A.Data.Span.SequenceEqual(b[i].A.Data.Span));
            Assert.True(a[i].B.Data.Span.SequenceEqual(b[i].B.Data.Span));
        }
        var ids = LoraTestModels.Ids(12, config.VocabSize, 4);
        Assert.Equal(LoraTestModels.Logits(trained, ids, 1, 12), LoraTestModels.Logits(fresh, ids, 1, 12));
        // And a second save writes the same bytes.
        string again = _dir + "-again";
        try
        {
            PeftAdapter.Save(fresh, again);
            Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, PeftAdapter.WeightsFile)), File.ReadAllBytes(Path.Combine(again, PeftAdapter.WeightsFile)));
        }
        finally { Directory.Delete(again, true); }
    }

    [Fact]
    public void LoadingIntoTheWrongModelFailsClearlyAndLeavesItUntouched()
    {
        var small = new Gpt(LoraTestModels.Gpt2(), seed: 1);
        Lora.Apply(small, LoraOptions.Parse("r=2,targets=c_attn"), new Rng(2));
        PeftAdapter.Save(small, _dir);
        var wider = new Gpt(LoraTestModels.Gpt2() with { Width = 32 }, seed: 1);
        var e = Assert.Throws<InvalidDataException>(() => PeftAdapter.Load(wider, _dir));
        Assert.Contains("lora_A.weight' has shape", e.Message);
        Assert.Contains("this model needs", e.Message);
        Assert.Empty(Lora.Names(wider));
        Assert.Empty(Lora.AllAdapters(wider));

        var bert = new Bert(LoraTestModels.Bert(), BertTask.MaskedLM, seed: 1);
        var e2 = Assert.Throws<InvalidDataException>(() => PeftAdapter.Load(bert, _dir));   // a file's problem: names the config
        Assert.Contains(PeftAdapter.ConfigFile, e2.Message);
        Assert.Contains("match no linear module", e2.Message);
        Assert.Contains("query", e2.Message);

        File.WriteAllText(Path.Combine(_dir, PeftAdapter.ConfigFile), """{"peft_type": "IA3", "r": 2, "target_modules": ["c_attn"]}""");
        Assert.Contains("peft_type 'IA3'", Assert.Throws<InvalidDataException>(() => PeftAdapter.Load(small, _dir, "x")).Message);
    }
}
