using SharpLM.Formats;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// Saves and loads a rotary-position <see cref="Gpt"/> (LLaMA as a configuration) in Hugging
/// Face's <c>LlamaForCausalLM</c> layout — <c>model.embed_tokens.weight</c>,
/// <c>model.layers.N.self_attn.{q,k,v,o}_proj</c>, <c>model.layers.N.mlp.{gate,up,down}_proj</c>,
/// <c>input_layernorm</c>, <c>post_attention_layernorm</c>, <c>model.norm</c>, <c>lm_head</c>
/// (absent when tied) — or <c>Qwen2ForCausalLM</c>'s when q/k/v have biases, with a
/// <c>config.json</c> of <c>LlamaConfig</c>'s keys. Reached through <see cref="GptHuggingFace.Save"/>/<see cref="GptHuggingFace.Load"/>.
/// </summary>
/// <remarks>
/// Our fused <c>c_attn</c> rows (q, then k, then v) are split into the three projections on save
/// and concatenated on load. Our rotary pairing is Hugging Face's rotate-half (dim i with
/// i + D/2), so q/k rows need no permutation here (llama2.c's interleaved files do:
/// <see cref="GptLlama2c"/>). Linear weights are <c>[out, in]</c> in both. Configurations the
/// LLaMA classes cannot express (LayerNorm/DyT, an ungated MLP, biases everywhere) get
/// model_type <c>sharplm_llama</c>; their extra tensors follow the same naming
/// (<c>….bias</c>, <c>….alpha</c>).
/// </remarks>
public static class LlamaHuggingFace
{
    /// <summary>Writes <c>model.safetensors</c> and <c>config.json</c> into <paramref name="directory"/> (each atomically).</summary>
    public static void Save(Gpt model, string directory, int? eosTokenId = null)
    {
        var config = model.Config;
        if (config.Positions != PositionEncoding.Rotary)
            throw new ArgumentException("LLaMA's Hugging Face layout holds rotary-position models; learned or sinusoidal positions use GPT-2's (GptHuggingFace.Save).", nameof(model));
        Directory.CreateDirectory(directory);
        var entries = new List<SafetensorsEntry>();
        int q = config.Heads * config.HeadSize, kv = config.KvWidth;
        foreach (var (name, parameter) in model.NamedParameters())
        {
            var data = parameter.Data;
            if (TryQkv(name, out int layer, out string kind))
            {
                string prefix = $"model.layers.{layer}.self_attn.";
                (int start, int rows)[] parts = [(0, q), (q, kv), (q + kv, kv)];
                string[] names = ["q_proj", "k_proj", "v_proj"];
                for (int i = 0; i < 3; i++)
                {
                    var (start, rows) = parts[i];
                    var slice = data.Rows(start, rows);
                    entries.Add(new SafetensorsEntry($"{prefix}{names[i]}.{kind}", slice.ShapeArray, () => slice));
                }
            }
            else if (name is "wte.weight" or "lm_head.weight")
            {
                int v = config.VocabSize;
                entries.Add(new SafetensorsEntry(FileName(name), [v, data.Dim(1)], () => data.Rows(0, v)));
            }
            else
                entries.Add(new SafetensorsEntry(FileName(name), data.ShapeArray, () => data));
        }
        Safetensors.Write(Path.Combine(directory, GptHuggingFace.WeightsFile), entries, new Dictionary<string, string> { ["format"] = "pt" });
        ToHuggingFace(config, eosTokenId).Write(Path.Combine(directory, GptHuggingFace.ConfigFile));
    }

    /// <summary>Reads a LLaMA-architecture folder (single or sharded safetensors; F32, F16 or BF16 tensors become float32).</summary>
    public static Gpt Load(string directory)
    {
        string configPath = Path.Combine(directory, GptHuggingFace.ConfigFile);
        var config = FromHuggingFace(HuggingFaceLlamaConfig.Read(configPath), configPath);
        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        GptHuggingFace.CheckWeightsCanHold(config, configPath, checkpoint);
        var model = Gpt.Uninitialized(config);
        LoadWeights(model, checkpoint);
        return model;
    }

    /// <summary>Copies a LLaMA-layout checkpoint's tensors into <paramref name="model"/>, checking every name and shape against its config.</summary>
    public static void LoadWeights(Gpt model, SafetensorsCheckpoint file)
    {
        var config = model.Config;
        var remaining = new HashSet<string>(file.Tensors.Select(t => t.Name));
        // Tied models may still carry a copy of the head; it must then be the embedding itself.
        if (config.TiedEmbeddings && remaining.Remove("lm_head.weight") && remaining.Contains("model.embed_tokens.weight")
            && !file.ReadTensor("lm_head.weight").Span.SequenceEqual(file.ReadTensor("model.embed_tokens.weight").Span))
            throw new InvalidDataException($"'{file.Path}': config.json says tie_word_embeddings true, but lm_head.weight differs from model.embed_tokens.weight (set it false to load the separate head).");
        // Non-weight buffers some exports keep.
        remaining.RemoveWhere(n => n.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal));
        var missing = new List<string>();
        void Read(string stored, Tensor destination, int[] shape)
        {
            if (!remaining.Remove(stored)) { missing.Add(stored); return; }
            var info = file.Info(stored);
            if (!info.Shape.AsSpan().SequenceEqual(shape))
                throw new InvalidDataException($"'{file.Path}': tensor '{stored}' has shape {Tensor.FormatShape(info.Shape)}, config.json needs {Tensor.FormatShape(shape)} " +
                    $"(width {config.Width}, {config.Heads} heads of {config.HeadSize}, {config.KvHeadCount} key/value heads, feed-forward {config.MlpWidth}, vocab {config.VocabSize}).");
            file.ReadInto(stored, destination.Span[..(int)info.ElementCount]);
        }

        int q = config.Heads * config.HeadSize, kv = config.KvWidth;
        foreach (var (name, parameter) in model.NamedParameters())
        {
            var data = parameter.Data;
            if (TryQkv(name, out int layer, out string kind))
            {
                string prefix = $"model.layers.{layer}.self_attn.";
                int cols = kind == "weight" ? data.Dim(1) : 0;
                (int start, int rows)[] parts = [(0, q), (q, kv), (q + kv, kv)];
                string[] names = ["q_proj", "k_proj", "v_proj"];
                for (int i = 0; i < 3; i++)
                {
                    var slice = data.Rows(parts[i].start, parts[i].rows);
                    Read($"{prefix}{names[i]}.{kind}", slice, kind == "weight" ? [parts[i].rows, cols] : [parts[i].rows]);
                }
            }
            else if (name is "wte.weight" or "lm_head.weight")
                Read(FileName(name), data, [config.VocabSize, data.Dim(1)]);
            else
                Read(FileName(name), data, data.ShapeArray);
        }
        if (missing.Count > 0)
            throw new InvalidDataException($"'{file.Path}' lacks {missing.Count} tensor(s) config.json needs: {GptHuggingFace.Preview(missing)}" +
                (missing.Contains("lm_head.weight") ? " (config.json says tie_word_embeddings false; is the head tied?)" : "") + ".");
        if (remaining.Count > 0)
            throw new InvalidDataException($"'{file.Path}' has {remaining.Count} tensor(s) config.json has no place for: {GptHuggingFace.Preview(remaining.Order(StringComparer.Ordinal))} " +
                "(does config.json match the weights? e.g. biases, layers, or tie_word_embeddings).");
    }

    /// <summary>Why <c>LlamaForCausalLM</c>/<c>Qwen2ForCausalLM</c> cannot run this rotary configuration as we do, or null when they can.</summary>
    public static string? Incompatibility(GptConfig config)
    {
        var gaps = new List<string>();
        if (config.Norm == NormKind.LayerNorm) gaps.Add("LayerNorm (LLaMA has RMSNorm)");
        if (config.Norm == NormKind.DyT) gaps.Add("DyT in place of norms (LLaMA has RMSNorm)");
        if (config.Activation != MlpActivation.SwiGlu) gaps.Add("an ungated GELU feed-forward (LLaMA's is SwiGLU)");
        if (config.Bias) gaps.Add("biases on every layer (LLaMA has none, Qwen2 only on q/k/v)");
        return gaps.Count == 0 ? null : "LlamaForCausalLM cannot run this model: " + string.Join("; ", gaps) + ".";
    }

    /// <summary>The Hugging Face LLaMA (or Qwen2) config for a rotary <paramref name="config"/>.</summary>
    public static HuggingFaceLlamaConfig ToHuggingFace(GptConfig config, int? eosTokenId = null)
    {
        string? note = Incompatibility(config);
        bool llama2Vocab = config.VocabSize == 32000; // Llama 2's SentencePiece ids: <s> = 1, </s> = 2
        var scaling = config.RopeScaling;
        return new HuggingFaceLlamaConfig
        {
            ModelType = note is not null ? HuggingFaceLlamaConfig.SharpLMModelType : config.QkvBias ? "qwen2" : "llama",
            VocabSize = config.VocabSize,
            HiddenSize = config.Width,
            IntermediateSize = config.MlpWidth,
            Layers = config.Layers,
            Heads = config.Heads,
            KvHeads = config.KvHeadCount,
            HeadDim = config.HeadSize,
            HiddenAct = "silu",
            MaxPositions = config.BlockSize,
            RmsNormEps = config.NormEps,
            RopeTheta = config.RopeTheta,
            RopeScalingType = scaling?.Kind switch { RopeScalingKind.Linear => "linear", RopeScalingKind.Llama3 => "llama3", _ => null },
            RopeScalingFactor = scaling?.Factor ?? 1f,
            RopeLowFreqFactor = scaling?.LowFreqFactor ?? 1f,
            RopeHighFreqFactor = scaling?.HighFreqFactor ?? 4f,
            RopeOriginalContext = scaling?.OriginalContext ?? 8192,
            TieWordEmbeddings = config.TiedEmbeddings,
            AttentionBias = false,
            MlpBias = false,
            BosTokenId = llama2Vocab ? 1 : null,
            EosTokenIds = eosTokenId is { } e ? [e] : llama2Vocab ? [2] : [],
            VocabMultiple = config.VocabMultiple,
            Dropout = config.Dropout,
            NormKind = config.Norm switch { NormKind.LayerNorm => "layernorm", NormKind.RmsNorm => "rmsnorm", _ => "dyt" },
            Activation = config.Activation switch { MlpActivation.SwiGlu => "swiglu", MlpActivation.Gelu => "gelu", _ => "gelu_tanh" },
            Bias = config.Bias,
            TransformersNote = note,
        };
    }

    /// <summary>Our config for a Hugging Face LLaMA-family config; rejects what our decoder cannot run, naming the key.</summary>
    public static GptConfig FromHuggingFace(HuggingFaceLlamaConfig hf, string path)
    {
        InvalidDataException Bad(string what) => new($"model config '{path}': {what}");
        if (hf.Heads < 1) throw Bad($"num_attention_heads {hf.Heads} must be ≥ 1.");
        if (hf.HeadDim is { } hd && hd * hf.Heads != hf.HiddenSize)
            throw Bad($"head_dim {hd} × num_attention_heads {hf.Heads} ≠ hidden_size {hf.HiddenSize}; SharpLM needs head size = width / heads.");
        bool sharplm = hf.ModelType == HuggingFaceLlamaConfig.SharpLMModelType;
        if (!sharplm && hf.HiddenAct != "silu")
            throw Bad($"hidden_act '{hf.HiddenAct}' is not supported (LLaMA's SwiGLU gate uses silu).");
        if (hf.AttentionBias) throw Bad("attention_bias true (biases on q, k, v and o) is not supported; Qwen2's q/k/v biases are (model_type qwen2).");
        if (hf.MlpBias) throw Bad("mlp_bias true is not supported.");
        RopeScaling? scaling = hf.RopeScalingType switch
        {
            null => null,
            "linear" => new RopeScaling { Kind = RopeScalingKind.Linear, Factor = hf.RopeScalingFactor },
            "llama3" => new RopeScaling
            {
                Kind = RopeScalingKind.Llama3, Factor = hf.RopeScalingFactor, LowFreqFactor = hf.RopeLowFreqFactor,
                HighFreqFactor = hf.RopeHighFreqFactor, OriginalContext = hf.RopeOriginalContext,
            },
            _ => throw Bad($"rope_scaling type '{hf.RopeScalingType}' is not supported (linear and llama3 are)."),
        };
        var norm = hf.NormKind switch
        {
            "rmsnorm" => NormKind.RmsNorm,
            "layernorm" when sharplm => NormKind.LayerNorm,
            "dyt" when sharplm => NormKind.DyT,
            _ => throw Bad($"sharplm.norm '{hf.NormKind}' is not supported here."),
        };
        var activation = hf.Activation switch
        {
            "swiglu" => MlpActivation.SwiGlu,
            "gelu" when sharplm => MlpActivation.Gelu,
            "gelu_tanh" when sharplm => MlpActivation.GeluTanh,
            _ => throw Bad($"sharplm.activation '{hf.Activation}' is not supported here."),
        };
        int kvHeads = hf.KvHeads ?? hf.Heads;
        var config = new GptConfig
        {
            VocabSize = hf.VocabSize,
            BlockSize = hf.MaxPositions,
            Layers = hf.Layers,
            Heads = hf.Heads,
            KvHeads = kvHeads == hf.Heads ? 0 : kvHeads,
            Width = hf.HiddenSize,
            MlpHidden = hf.IntermediateSize == 4 * hf.HiddenSize ? 0 : hf.IntermediateSize, // 0 is "4·C", as our presets say it
            Dropout = hf.Dropout,
            Bias = sharplm && hf.Bias,
            QkvBias = hf.IsQwen2,
            TiedEmbeddings = hf.TieWordEmbeddings,
            Positions = PositionEncoding.Rotary,
            Norm = norm,
            Activation = activation,
            NormEps = hf.RmsNormEps,
            RopeTheta = hf.RopeTheta,
            RopeScaling = scaling,
            VocabMultiple = hf.VocabMultiple,
        };
        try { return config.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"model config '{path}': {e.Message}", e); }
    }

    /// <summary>True for <c>h.N.attn.c_attn.{weight|bias}</c>, giving N and the kind.</summary>
    private static bool TryQkv(string name, out int layer, out string kind)
    {
        layer = -1; kind = "";
        if (!name.StartsWith("h.", StringComparison.Ordinal)) return false;
        int dot = name.IndexOf('.', 2);
        if (dot < 0 || !int.TryParse(name.AsSpan(2, dot - 2), out layer)) return false;
        var rest = name.AsSpan(dot + 1);
        if (rest.SequenceEqual("attn.c_attn.weight")) { kind = "weight"; return true; }
        if (rest.SequenceEqual("attn.c_attn.bias")) { kind = "bias"; return true; }
        return false;
    }

    /// <summary>Hugging Face's LLaMA name for one of our (GPT-2-style) parameter names other than the fused q/k/v.</summary>
    private static string FileName(string name)
    {
        if (name == "wte.weight") return "model.embed_tokens.weight";
        if (name == "lm_head.weight") return "lm_head.weight";
        if (name.StartsWith("ln_f.", StringComparison.Ordinal)) return "model.norm." + name["ln_f.".Length..];
        int dot = name.IndexOf('.', 2);
        string layer = name[2..dot], rest = name[(dot + 1)..];
        int last = rest.LastIndexOf('.');
        string module = rest[..last], param = rest[(last + 1)..];
        string mapped = module switch
        {
            "ln_1" => "input_layernorm",
            "ln_2" => "post_attention_layernorm",
            "attn.c_proj" => "self_attn.o_proj",
            "mlp.gate" => "mlp.gate_proj",
            "mlp.c_fc" => "mlp.up_proj",
            "mlp.c_proj" => "mlp.down_proj",
            _ => throw new InvalidOperationException($"no Hugging Face LLaMA name for parameter '{name}'."),
        };
        return $"model.layers.{layer}.{mapped}.{param}";
    }
}
