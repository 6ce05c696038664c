using System.Globalization;
using System.Text;
using System.Text.Json;

using static SharpLM.Formats.ConfigJson;

namespace SharpLM.Formats;

/// <summary>
/// The <c>config.json</c> of a Hugging Face LLaMA-architecture model (<c>LlamaForCausalLM</c>,
/// and <c>Qwen2ForCausalLM</c>, which adds q/k/v biases), with <c>LlamaConfig</c>'s key names
/// (<c>hidden_size</c>, <c>num_key_value_heads</c>, <c>rope_theta</c>, <c>rope_scaling</c>, …)
/// plus a <c>"sharplm"</c> object for what those classes cannot express. Numbers only; the
/// model code maps them.
/// </summary>
public sealed record HuggingFaceLlamaConfig
{
    /// <summary><c>model_type</c> written for a model transformers' classes cannot run faithfully (so <c>AutoConfig</c> refuses it).</summary>
    public const string SharpLMModelType = "sharplm_llama";

    /// <summary><c>model_type</c>: <c>llama</c>, <c>qwen2</c> (q/k/v biases), <c>mistral</c> (read only) or <see cref="SharpLMModelType"/>.</summary>
    public string ModelType { get; init; } = "llama";
    /// <summary><c>vocab_size</c>: number of distinct tokens V.</summary>
    public int VocabSize { get; init; } = 32000;
    /// <summary><c>hidden_size</c>: the model width C.</summary>
    public int HiddenSize { get; init; } = 4096;
    /// <summary><c>intermediate_size</c>: the feed-forward width F.</summary>
    public int IntermediateSize { get; init; } = 11008;
    /// <summary><c>num_hidden_layers</c>: number of blocks L.</summary>
    public int Layers { get; init; } = 32;
    /// <summary><c>num_attention_heads</c>: query heads H.</summary>
    public int Heads { get; init; } = 32;
    /// <summary><c>num_key_value_heads</c>: key/value heads Hkv (defaults to H when absent).</summary>
    public int? KvHeads { get; init; }
    /// <summary><c>head_dim</c>: per-head size when given explicitly (must equal C/H here).</summary>
    public int? HeadDim { get; init; }
    /// <summary><c>hidden_act</c>: the gate's nonlinearity (<c>silu</c> for SwiGLU).</summary>
    public string HiddenAct { get; init; } = "silu";
    /// <summary><c>max_position_embeddings</c>: the context length.</summary>
    public int MaxPositions { get; init; } = 2048;
    /// <summary><c>rms_norm_eps</c>: the RMSNorm epsilon.</summary>
    public float RmsNormEps { get; init; } = 1e-6f;
    /// <summary><c>rope_theta</c>: base θ of the rotary frequencies.</summary>
    public float RopeTheta { get; init; } = 10000f;
    /// <summary><c>rope_scaling</c>'s <c>rope_type</c> (or legacy <c>type</c>): null for none, <c>linear</c> or <c>llama3</c>.</summary>
    public string? RopeScalingType { get; init; }
    /// <summary><c>rope_scaling.factor</c>.</summary>
    public float RopeScalingFactor { get; init; } = 1f;
    /// <summary><c>rope_scaling.low_freq_factor</c> (llama3).</summary>
    public float RopeLowFreqFactor { get; init; } = 1f;
    /// <summary><c>rope_scaling.high_freq_factor</c> (llama3).</summary>
    public float RopeHighFreqFactor { get; init; } = 4f;
    /// <summary><c>rope_scaling.original_max_position_embeddings</c> (llama3).</summary>
    public int RopeOriginalContext { get; init; } = 8192;
    /// <summary><c>tie_word_embeddings</c>: whether the LM head is the token embedding.</summary>
    public bool TieWordEmbeddings { get; init; }
    /// <summary><c>attention_bias</c>: bias on q, k, v and o (LLaMA's option; Qwen2 has q/k/v biases by design).</summary>
    public bool AttentionBias { get; init; }
    /// <summary><c>mlp_bias</c>: bias on the feed-forward projections.</summary>
    public bool MlpBias { get; init; }
    /// <summary><c>bos_token_id</c>, or null when unknown.</summary>
    public int? BosTokenId { get; init; }
    /// <summary><c>eos_token_id</c> (Llama 3 lists several), empty when unknown.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    /// <summary><c>sharplm.vocab_multiple</c>: the in-memory vocabulary padding multiple.</summary>
    public int VocabMultiple { get; init; } = 64;
    /// <summary><c>sharplm.dropout</c>: training dropout rate.</summary>
    public float Dropout { get; init; }
    /// <summary><c>sharplm.norm</c>: <c>rmsnorm</c> (LLaMA), <c>layernorm</c> or <c>dyt</c>.</summary>
    public string NormKind { get; init; } = "rmsnorm";
    /// <summary><c>sharplm.activation</c>: <c>swiglu</c> (LLaMA), <c>gelu_tanh</c> or <c>gelu</c> (an ungated MLP: no <c>gate_proj</c>).</summary>
    public string Activation { get; init; } = "swiglu";
    /// <summary><c>sharplm.bias</c>: every linear layer and norm has a bias.</summary>
    public bool Bias { get; init; }
    /// <summary><c>sharplm.transformers</c>: why transformers cannot run this model faithfully, or null when it can.</summary>
    public string? TransformersNote { get; init; }

    /// <summary>True for the Qwen2 architecture (q/k/v biases, o_proj and MLP without).</summary>
    public bool IsQwen2 => ModelType == "qwen2";

    /// <summary>The JSON text, in Hugging Face's key names, indented.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartArray("architectures");
            w.WriteStringValue(ModelType switch { "qwen2" => "Qwen2ForCausalLM", "llama" => "LlamaForCausalLM", _ => "SharpLMLlamaForCausalLM" });
            w.WriteEndArray();
            w.WriteString("model_type", ModelType);
            w.WriteNumber("vocab_size", VocabSize);
            w.WriteNumber("hidden_size", HiddenSize);
            w.WriteNumber("intermediate_size", IntermediateSize);
            w.WriteNumber("num_hidden_layers", Layers);
            w.WriteNumber("num_attention_heads", Heads);
            w.WriteNumber("num_key_value_heads", KvHeads ?? Heads);
            w.WriteNumber("head_dim", HeadDim ?? HiddenSize / Heads);
            w.WriteString("hidden_act", HiddenAct);
            w.WriteNumber("max_position_embeddings", MaxPositions);
            WritePythonFloat(w, "rms_norm_eps", RmsNormEps);
            WritePythonFloat(w, "rope_theta", RopeTheta);
            WriteRopeScaling(w);
            w.WriteBoolean("tie_word_embeddings", TieWordEmbeddings);
            if (IsQwen2)
            {
                // Qwen2's eager attention applies sliding_window to its mask even when unused: a window of the whole context is no window.
                w.WriteBoolean("use_sliding_window", false);
                w.WriteNumber("sliding_window", MaxPositions);
                w.WriteNumber("max_window_layers", Layers);
            }
            else
            {
                w.WriteBoolean("attention_bias", AttentionBias);
                w.WriteBoolean("mlp_bias", MlpBias);
            }
            WritePythonFloat(w, "attention_dropout", 0f);
            WritePythonFloat(w, "initializer_range", 0.02f);
            if (BosTokenId is { } bos) w.WriteNumber("bos_token_id", bos); else w.WriteNull("bos_token_id");
            if (EosTokenIds.Count == 1) w.WriteNumber("eos_token_id", EosTokenIds[0]);
            else if (EosTokenIds.Count == 0) w.WriteNull("eos_token_id");
            else { w.WriteStartArray("eos_token_id"); foreach (int e in EosTokenIds) w.WriteNumberValue(e); w.WriteEndArray(); }
            w.WriteNumber("pretraining_tp", 1);
            w.WriteBoolean("use_cache", true);
            w.WriteString("torch_dtype", "float32");
            w.WriteStartObject("sharplm");
            w.WriteNumber("vocab_multiple", VocabMultiple);
            WritePythonFloat(w, "dropout", Dropout);
            w.WriteString("norm", NormKind);
            w.WriteString("activation", Activation);
            w.WriteBoolean("bias", Bias);
            if (TransformersNote is not null) w.WriteString("transformers", TransformersNote);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private void WriteRopeScaling(Utf8JsonWriter w)
    {
        if (RopeScalingType is null) { w.WriteNull("rope_scaling"); return; }
        w.WriteStartObject("rope_scaling");
        if (RopeScalingType == "linear")
        {
            // The legacy two-key form: transformers 4.39 accepts exactly {type, factor}; later versions read "type" as "rope_type".
            w.WriteString("type", "linear");
            WritePythonFloat(w, "factor", RopeScalingFactor);
        }
        else
        {
            w.WriteString("rope_type", RopeScalingType);
            WritePythonFloat(w, "factor", RopeScalingFactor);
            WritePythonFloat(w, "low_freq_factor", RopeLowFreqFactor);
            WritePythonFloat(w, "high_freq_factor", RopeHighFreqFactor);
            w.WriteNumber("original_max_position_embeddings", RopeOriginalContext);
        }
        w.WriteEndObject();
    }

    /// <summary>Writes <c>config.json</c> atomically.</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, ToJson());

    /// <summary>True when <paramref name="modelType"/> names a LLaMA-layout architecture this reader handles.</summary>
    public static bool IsLlamaFamily(string? modelType) => modelType is "llama" or "qwen2" or "mistral" or SharpLMModelType;

    /// <summary>Reads a LLaMA-family <c>config.json</c> (Hugging Face's or ours); errors name the file and key.</summary>
    public static HuggingFaceLlamaConfig Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"model config '{path}' does not exist.", path);
        return Parse(JsonLimits.ParseFile(path, JsonLimits.MaxSmallFileBytes, (field, problem) => Bad(path, $"is not valid JSON at {field} ({problem})")), path);
    }

    /// <summary>Parses the JSON text of a LLaMA-family config; <paramref name="path"/> is used in error messages.</summary>
    public static HuggingFaceLlamaConfig Parse(string json, string path) =>
        Parse(JsonLimits.Parse(json, (field, problem) => Bad(path, $"is not valid JSON at {field} ({problem})")), path);

    private static HuggingFaceLlamaConfig Parse(JsonDocument document, string path)
    {
        using (var doc = document)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad(path, "is not a JSON object");
            string modelType = OptString(root, "model_type", path) ?? "llama";
            if (!IsLlamaFamily(modelType)) throw Bad(path, $"has model_type '{modelType}', expected llama, qwen2 or mistral");
            var d = new HuggingFaceLlamaConfig();
            int heads = OptInt(root, "num_attention_heads", path) ?? throw Bad(path, "has no 'num_attention_heads'");
            var config = d with
            {
                ModelType = modelType,
                VocabSize = OptInt(root, "vocab_size", path) ?? throw Bad(path, "has no 'vocab_size'"),
                HiddenSize = OptInt(root, "hidden_size", path) ?? throw Bad(path, "has no 'hidden_size' (width)"),
                IntermediateSize = OptInt(root, "intermediate_size", path) ?? throw Bad(path, "has no 'intermediate_size' (feed-forward width)"),
                Layers = OptInt(root, "num_hidden_layers", path) ?? throw Bad(path, "has no 'num_hidden_layers'"),
                Heads = heads,
                KvHeads = OptInt(root, "num_key_value_heads", path) ?? heads,
                HeadDim = OptInt(root, "head_dim", path),
                HiddenAct = OptString(root, "hidden_act", path) ?? d.HiddenAct,
                MaxPositions = OptInt(root, "max_position_embeddings", path) ?? d.MaxPositions,
                RmsNormEps = OptFloat(root, "rms_norm_eps", path) ?? d.RmsNormEps,
                RopeTheta = OptFloat(root, "rope_theta", path) ?? d.RopeTheta,
                TieWordEmbeddings = OptBool(root, "tie_word_embeddings", path) ?? false,
                AttentionBias = OptBool(root, "attention_bias", path) ?? false,
                MlpBias = OptBool(root, "mlp_bias", path) ?? false,
                BosTokenId = OptInt(root, "bos_token_id", path),
                EosTokenIds = OptIntList(root, "eos_token_id", path),
            };
            if (root.TryGetProperty("rope_scaling", out var rs) && rs.ValueKind != JsonValueKind.Null)
            {
                if (rs.ValueKind != JsonValueKind.Object) throw Bad(path, "key 'rope_scaling' must be an object or null");
                string where = path + " (rope_scaling)";
                string type = OptString(rs, "rope_type", where) ?? OptString(rs, "type", where) ?? throw Bad(path, "key 'rope_scaling' has no 'rope_type' (or 'type')");
                config = config with
                {
                    RopeScalingType = type == "default" ? null : type,
                    RopeScalingFactor = OptFloat(rs, "factor", where) ?? (type == "default" ? 1f : throw Bad(path, "key 'rope_scaling' has no 'factor'")),
                    RopeLowFreqFactor = OptFloat(rs, "low_freq_factor", where) ?? d.RopeLowFreqFactor,
                    RopeHighFreqFactor = OptFloat(rs, "high_freq_factor", where) ?? d.RopeHighFreqFactor,
                    RopeOriginalContext = OptInt(rs, "original_max_position_embeddings", where) ?? d.RopeOriginalContext,
                };
            }
            if (root.TryGetProperty("sharplm", out var extra) && extra.ValueKind != JsonValueKind.Null)
            {
                if (extra.ValueKind != JsonValueKind.Object) throw Bad(path, "key 'sharplm' must be an object");
                string where = path + " (sharplm)";
                config = config with
                {
                    VocabMultiple = OptInt(extra, "vocab_multiple", where) ?? d.VocabMultiple,
                    Dropout = OptFloat(extra, "dropout", where) ?? d.Dropout,
                    NormKind = OptString(extra, "norm", where) ?? d.NormKind,
                    Activation = OptString(extra, "activation", where) ?? d.Activation,
                    Bias = OptBool(extra, "bias", where) ?? d.Bias,
                    TransformersNote = OptString(extra, "transformers", where),
                };
            }
            return config;
        }
    }
}
