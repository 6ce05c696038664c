using System.Globalization;
using System.Text;
using System.Text.Json;

using static SharpLM.Formats.ConfigJson;

namespace SharpLM.Formats;

/// <summary>
/// The <c>config.json</c> that Hugging Face's GPT-2 (<c>GPT2LMHeadModel</c>) uses to describe
/// a model's shape, with GPT-2's key names (<c>n_embd</c>, <c>n_layer</c>, …), plus a
/// <c>"sharplm"</c> object for the choices GPT-2 cannot express (sinusoidal positions,
/// other norms, no bias, vocabulary padding). Numbers only; the model code maps them.
/// </summary>
public sealed record HuggingFaceGpt2Config
{
    /// <summary><c>model_type</c> written for a model <c>GPT2LMHeadModel</c> cannot run faithfully (RMSNorm, DyT, SwiGLU, grouped-query attention), so transformers' <c>AutoConfig</c> refuses it instead of computing something else.</summary>
    public const string SharpLMModelType = "sharplm_gpt2";

    /// <summary><c>model_type</c>: <c>gpt2</c>, or <see cref="SharpLMModelType"/> for a configuration GPT-2 cannot express.</summary>
    public string ModelType { get; init; } = "gpt2";
    /// <summary><c>vocab_size</c>: number of distinct tokens (V, unpadded).</summary>
    public int VocabSize { get; init; } = 50257;
    /// <summary><c>n_positions</c> (also written as <c>n_ctx</c>): the context length.</summary>
    public int Positions { get; init; } = 1024;
    /// <summary><c>n_embd</c>: the model width C.</summary>
    public int Width { get; init; } = 768;
    /// <summary><c>n_layer</c>: number of transformer blocks L.</summary>
    public int Layers { get; init; } = 12;
    /// <summary><c>n_head</c>: number of attention heads H.</summary>
    public int Heads { get; init; } = 12;
    /// <summary><c>n_inner</c>: MLP hidden width, null meaning 4·C.</summary>
    public int? Inner { get; init; }
    /// <summary><c>activation_function</c>: the MLP nonlinearity (<c>gelu_new</c> is GELU's tanh approximation, <c>gelu</c> the exact GELU).</summary>
    public string ActivationFunction { get; init; } = "gelu_new";
    /// <summary><c>layer_norm_epsilon</c>: the norms' epsilon.</summary>
    public float LayerNormEpsilon { get; init; } = 1e-5f;
    /// <summary><c>initializer_range</c>: standard deviation of the weight initialization.</summary>
    public float InitializerRange { get; init; } = 0.02f;
    /// <summary><c>resid_pdrop</c>: dropout on residual branches.</summary>
    public float ResidPdrop { get; init; } = 0.1f;
    /// <summary><c>embd_pdrop</c>: dropout on the embeddings.</summary>
    public float EmbdPdrop { get; init; } = 0.1f;
    /// <summary><c>attn_pdrop</c>: dropout on attention weights.</summary>
    public float AttnPdrop { get; init; } = 0.1f;
    /// <summary><c>tie_word_embeddings</c>: whether the LM head reuses <c>wte</c>.</summary>
    public bool TieWordEmbeddings { get; init; } = true;
    /// <summary><c>bos_token_id</c>, or null when unknown.</summary>
    public int? BosTokenId { get; init; }
    /// <summary><c>eos_token_id</c>, or null when unknown.</summary>
    public int? EosTokenId { get; init; }
    /// <summary><c>sharplm.positions</c>: <c>learned</c> (GPT-2's <c>wpe</c>) or <c>sinusoidal</c>.</summary>
    public string PositionKind { get; init; } = "learned";
    /// <summary><c>sharplm.norm</c>: <c>layernorm</c>, <c>rmsnorm</c> or <c>dyt</c>.</summary>
    public string NormKind { get; init; } = "layernorm";
    /// <summary><c>sharplm.bias</c>: whether linear layers and norms have biases.</summary>
    public bool Bias { get; init; } = true;
    /// <summary><c>sharplm.kv_heads</c>: key/value heads for grouped-query attention (null: as many as query heads).</summary>
    public int? KvHeads { get; init; }
    /// <summary><c>sharplm.qkv_bias</c>: a bias on the query/key/value projection even without other biases.</summary>
    public bool QkvBias { get; init; }
    /// <summary><c>sharplm.transformers</c>: why transformers cannot run this model faithfully, or null when it can.</summary>
    public string? TransformersNote { get; init; }
    /// <summary><c>sharplm.vocab_multiple</c>: the in-memory vocabulary padding multiple (the file always holds V rows).</summary>
    public int VocabMultiple { get; init; } = 64;

    /// <summary>The JSON text, in Hugging Face's key names, indented.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("model_type", ModelType);
            w.WriteStartArray("architectures");
            w.WriteStringValue(ModelType == "gpt2" ? "GPT2LMHeadModel" : "SharpLMGpt2LMHeadModel");
            w.WriteEndArray();
            w.WriteNumber("vocab_size", VocabSize);
            w.WriteNumber("n_positions", Positions);
            w.WriteNumber("n_ctx", Positions);
            w.WriteNumber("n_embd", Width);
            w.WriteNumber("n_layer", Layers);
            w.WriteNumber("n_head", Heads);
            if (Inner is { } inner) w.WriteNumber("n_inner", inner); else w.WriteNull("n_inner");
            w.WriteString("activation_function", ActivationFunction);
            WriteFloat(w, "layer_norm_epsilon", LayerNormEpsilon);
            WriteFloat(w, "initializer_range", InitializerRange);
            WriteFloat(w, "resid_pdrop", ResidPdrop);
            WriteFloat(w, "embd_pdrop", EmbdPdrop);
            WriteFloat(w, "attn_pdrop", AttnPdrop);
            w.WriteBoolean("tie_word_embeddings", TieWordEmbeddings);
            if (BosTokenId is { } bos) w.WriteNumber("bos_token_id", bos); else w.WriteNull("bos_token_id");
            if (EosTokenId is { } eos) w.WriteNumber("eos_token_id", eos); else w.WriteNull("eos_token_id");
            w.WriteBoolean("scale_attn_weights", true);
            w.WriteBoolean("use_cache", true);
            w.WriteString("torch_dtype", "float32");
            w.WriteStartObject("sharplm");
            w.WriteString("positions", PositionKind);
            w.WriteString("norm", NormKind);
            w.WriteBoolean("bias", Bias);
            w.WriteNumber("vocab_multiple", VocabMultiple);
            if (KvHeads is { } kv) w.WriteNumber("kv_heads", kv);
            if (QkvBias) w.WriteBoolean("qkv_bias", true);
            if (TransformersNote is not null) w.WriteString("transformers", TransformersNote);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Writes <c>config.json</c> atomically (temporary name, then rename).</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, ToJson());

    /// <summary>Reads a GPT-2 <c>config.json</c> (Hugging Face's or ours); bad input throws <see cref="InvalidDataException"/> naming the file and key (limits: <see cref="JsonLimits"/>).</summary>
    public static HuggingFaceGpt2Config Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"model config '{path}' does not exist.", path);
        return Parse(JsonLimits.ParseFile(path, JsonLimits.MaxSmallFileBytes, (field, problem) => Bad(path, $"is not valid JSON at {field} ({problem})")), path);
    }

    /// <summary>Parses the JSON text of a GPT-2 config; <paramref name="path"/> is used in error messages.</summary>
    public static HuggingFaceGpt2Config Parse(string json, string path) =>
        Parse(JsonLimits.Parse(json, (field, problem) => Bad(path, $"is not valid JSON at {field} ({problem})")), path);

    private static HuggingFaceGpt2Config Parse(JsonDocument document, string path)
    {
        using (var doc = document)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad(path, "is not a JSON object");
            string? modelType = OptString(root, "model_type", path);
            if (modelType is not null && modelType != "gpt2" && modelType != SharpLMModelType)
                throw Bad(path, $"has model_type '{modelType}', expected 'gpt2'");
            var d = new HuggingFaceGpt2Config();
            int positions = OptInt(root, "n_positions", path) ?? OptInt(root, "n_ctx", path) ?? throw Bad(path, "has no 'n_positions' (context length)");
            var config = d with
            {
                ModelType = modelType ?? "gpt2",
                VocabSize = OptInt(root, "vocab_size", path) ?? throw Bad(path, "has no 'vocab_size'"),
                Positions = positions,
                Width = OptInt(root, "n_embd", path) ?? throw Bad(path, "has no 'n_embd' (width)"),
                Layers = OptInt(root, "n_layer", path) ?? throw Bad(path, "has no 'n_layer'"),
                Heads = OptInt(root, "n_head", path) ?? throw Bad(path, "has no 'n_head'"),
                Inner = OptInt(root, "n_inner", path),
                ActivationFunction = OptString(root, "activation_function", path) ?? d.ActivationFunction,
                LayerNormEpsilon = OptFloat(root, "layer_norm_epsilon", path) ?? d.LayerNormEpsilon,
                InitializerRange = OptFloat(root, "initializer_range", path) ?? d.InitializerRange,
                ResidPdrop = OptFloat(root, "resid_pdrop", path) ?? d.ResidPdrop,
                EmbdPdrop = OptFloat(root, "embd_pdrop", path) ?? d.EmbdPdrop,
                AttnPdrop = OptFloat(root, "attn_pdrop", path) ?? d.AttnPdrop,
                TieWordEmbeddings = OptBool(root, "tie_word_embeddings", path) ?? true,
                BosTokenId = OptInt(root, "bos_token_id", path),
                EosTokenId = OptInt(root, "eos_token_id", path),
            };
            if (root.TryGetProperty("sharplm", out var extra) && extra.ValueKind != JsonValueKind.Null)
            {
                if (extra.ValueKind != JsonValueKind.Object) throw Bad(path, "key 'sharplm' must be an object");
                string where = path + " (sharplm)";
                config = config with
                {
                    PositionKind = OptString(extra, "positions", where) ?? d.PositionKind,
                    NormKind = OptString(extra, "norm", where) ?? d.NormKind,
                    Bias = OptBool(extra, "bias", where) ?? d.Bias,
                    VocabMultiple = OptInt(extra, "vocab_multiple", where) ?? d.VocabMultiple,
                    KvHeads = OptInt(extra, "kv_heads", where),
                    QkvBias = OptBool(extra, "qkv_bias", where) ?? false,
                    TransformersNote = OptString(extra, "transformers", where),
                };
            }
            return config;
        }
    }
}
