using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Formats;

namespace SharpLM.Models;

/// <summary>
/// Saves and loads an <see cref="EncoderDecoder"/> in Hugging Face's layout: <c>model.safetensors</c>
/// with the tensor names of <c>T5ForConditionalGeneration</c> / <c>BartForConditionalGeneration</c>
/// (our parameter names are already theirs) and a <c>config.json</c> with their keys, so a model
/// trained here opens in transformers and a T5/BART folder from the Hub runs here.
/// Tied copies of the shared embedding (<c>encoder.embed_tokens.weight</c>, <c>lm_head.weight</c>
/// when tied, …) are not written; on load they are accepted in place of <c>shared.weight</c>.
/// </summary>
public static class EncoderDecoderHuggingFace
{
    /// <summary>File name of the weights inside a model folder.</summary>
    public const string WeightsFile = "model.safetensors";

    /// <summary>File name of the architecture description inside a model folder.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>Writes <c>model.safetensors</c> and <c>config.json</c> into <paramref name="directory"/> (each atomically).</summary>
    public static void Save(EncoderDecoder model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        Directory.CreateDirectory(directory);
        Safetensors.Write(Path.Combine(directory, WeightsFile), model.NamedParameters().Select(p => (p.Name, p.Parameter.Data)),
            new Dictionary<string, string> { ["format"] = "pt" });
        AtomicFile.WriteAllText(Path.Combine(directory, ConfigFile), ToJson(model.Config).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>True when <paramref name="directory"/> holds a T5 or BART <c>config.json</c>.</summary>
    public static bool IsEncoderDecoderFolder(string directory)
    {
        var path = Path.Combine(directory, ConfigFile);
        if (!File.Exists(path)) return false;
        try { return JsonNode.Parse(File.ReadAllText(path))?["model_type"]?.GetValue<string>() is "t5" or "bart"; }
        catch (JsonException) { return false; }
    }

    /// <summary>Reads a model folder written by <see cref="Save"/> or by Hugging Face (T5, T5 v1.1, BART).</summary>
    public static EncoderDecoder Load(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"model folder '{directory}' does not exist.");
        var configPath = Path.Combine(directory, ConfigFile);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{directory}: no {ConfigFile}.", configPath);
        var config = FromJson(configPath);
        var weightsPath = Path.Combine(directory, WeightsFile);
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"{directory}: no {WeightsFile}.", weightsPath);
        var model = EncoderDecoder.Uninitialized(config);
        using var file = SafetensorsFile.Open(weightsPath);
        foreach (var (name, parameter) in model.NamedParameters())
        {
            string stored = Aliases(name).FirstOrDefault(file.Contains)
                ?? throw new InvalidDataException($"{weightsPath}: tensor '{name}' is missing (not a {config.Family} checkpoint of this shape?).");
            var info = file.Info(stored);
            if (!info.Shape.SequenceEqual(parameter.Data.ShapeArray))
                throw new InvalidDataException($"{weightsPath}: tensor '{stored}' has shape {Tensors.Tensor.FormatShape(info.Shape)}, {ConfigFile} implies {parameter.Data}.");
            file.ReadInto(stored, parameter.Data.Span);
        }
        return model;
    }

    /// <summary>Names a tensor may be stored under: its own, or (for the shared embedding) one of its tied copies.</summary>
    private static IEnumerable<string> Aliases(string name)
    {
        yield return name;
        if (name is "shared.weight" or "model.shared.weight")
        {
            string root = name.StartsWith("model.", StringComparison.Ordinal) ? "model." : "";
            yield return root + "encoder.embed_tokens.weight";
            yield return root + "decoder.embed_tokens.weight";
            yield return "lm_head.weight";
        }
    }

    /// <summary>The Hugging Face <c>config.json</c> of a config.</summary>
    public static JsonObject ToJson(EncoderDecoderConfig c)
    {
        if (c.Family == EncoderDecoderFamily.T5)
            return new JsonObject
            {
                ["architectures"] = new JsonArray("T5ForConditionalGeneration"),
                ["model_type"] = "t5",
                ["vocab_size"] = c.VocabSize,
                ["d_model"] = c.Width,
                ["d_kv"] = c.HeadWidth,
                ["d_ff"] = c.FeedForwardWidth,
                ["num_layers"] = c.EncoderLayers,
                ["num_decoder_layers"] = c.DecoderLayers,
                ["num_heads"] = c.Heads,
                ["relative_attention_num_buckets"] = c.RelativeBuckets,
                ["relative_attention_max_distance"] = c.RelativeMaxDistance,
                ["dropout_rate"] = c.Dropout,
                ["layer_norm_epsilon"] = c.NormEps,
                ["initializer_factor"] = 1.0,
                ["feed_forward_proj"] = c.FeedForward == FeedForwardKind.GatedGelu ? "gated-gelu" : "relu",
                ["is_encoder_decoder"] = true,
                ["tie_word_embeddings"] = c.TiedEmbeddings,
                ["pad_token_id"] = c.PadTokenId,
                ["eos_token_id"] = c.EosTokenId,
                ["decoder_start_token_id"] = c.DecoderStartTokenId,
            };
        return new JsonObject
        {
            ["architectures"] = new JsonArray("BartForConditionalGeneration"),
            ["model_type"] = "bart",
            ["vocab_size"] = c.VocabSize,
            ["d_model"] = c.Width,
            ["encoder_layers"] = c.EncoderLayers,
            ["decoder_layers"] = c.DecoderLayers,
            ["encoder_attention_heads"] = c.Heads,
            ["decoder_attention_heads"] = c.Heads,
            ["encoder_ffn_dim"] = c.FeedForwardWidth,
            ["decoder_ffn_dim"] = c.FeedForwardWidth,
            ["activation_function"] = "gelu",
            ["max_position_embeddings"] = c.MaxPositions,
            ["scale_embedding"] = c.ScaleEmbedding,
            ["dropout"] = c.Dropout,
            ["attention_dropout"] = 0.0,
            ["activation_dropout"] = 0.0,
            ["init_std"] = 0.02,
            ["normalize_before"] = false,
            ["add_final_layer_norm"] = false,
            ["is_encoder_decoder"] = true,
            ["tie_word_embeddings"] = true,
            ["pad_token_id"] = c.PadTokenId,
            ["bos_token_id"] = 0,
            ["eos_token_id"] = c.EosTokenId,
            ["decoder_start_token_id"] = c.DecoderStartTokenId,
            ["forced_eos_token_id"] = c.EosTokenId,
        };
    }

    /// <summary>Reads a T5 or BART <c>config.json</c>; unknown or unsupported settings get an error naming the key.</summary>
    public static EncoderDecoderConfig FromJson(string path)
    {
        // Size, depth and Unicode checks first (JsonLimits), so a bad string cannot surface later as an InvalidOperationException.
        var bytes = JsonLimits.ReadFile(path, JsonLimits.MaxSmallFileBytes, (field, problem) => new InvalidDataException($"{path}: {field}: {problem}."));
        using (JsonLimits.Parse(bytes, (field, problem) => new InvalidDataException($"{path}: not valid JSON at {field} ({problem})."))) { }
        var o = JsonNode.Parse(bytes) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object.");
        try { _ = o.Count; } // builds the key table now, so a repeated key fails here and not deep inside
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: a key appears twice ({e.Message}).", e); }
        string type = o["model_type"] is JsonValue t && t.TryGetValue(out string? name) ? name : throw new InvalidDataException($"{path}: 'model_type' is missing or not a string (expected \"t5\" or \"bart\").");
        int Int(string key, int fallback) => o[key] is JsonNode n ? (int)n.GetValue<double>() : fallback;
        float Float(string key, float fallback) => o[key] is JsonNode n ? (float)n.GetValue<double>() : fallback;
        bool Bool(string key, bool fallback) => o[key] is JsonNode n ? n.GetValue<bool>() : fallback;
        try
        {
            if (type == "t5")
            {
                string proj = o["feed_forward_proj"]?.GetValue<string>() ?? "relu";
                var ff = proj switch
                {
                    "relu" => FeedForwardKind.Relu,
                    "gated-gelu" => FeedForwardKind.GatedGelu,
                    _ => throw new InvalidDataException($"{path}: feed_forward_proj '{proj}' is not supported (relu, gated-gelu)."),
                };
                int layers = Int("num_layers", 6);
                return new EncoderDecoderConfig
                {
                    Family = EncoderDecoderFamily.T5, VocabSize = Int("vocab_size", 32128), Width = Int("d_model", 512), HeadSize = Int("d_kv", 64),
                    FeedForwardWidth = Int("d_ff", 2048), EncoderLayers = layers, DecoderLayers = Int("num_decoder_layers", layers), Heads = Int("num_heads", 8),
                    RelativeBuckets = Int("relative_attention_num_buckets", 32), RelativeMaxDistance = Int("relative_attention_max_distance", 128),
                    Dropout = Float("dropout_rate", 0.1f), NormEps = Float("layer_norm_epsilon", 1e-6f), FeedForward = ff,
                    TiedEmbeddings = Bool("tie_word_embeddings", true), PadTokenId = Int("pad_token_id", 0), EosTokenId = Int("eos_token_id", 1),
                    DecoderStartTokenId = Int("decoder_start_token_id", 0),
                }.Validate();
            }
            if (type == "bart")
            {
                string act = o["activation_function"]?.GetValue<string>() ?? "gelu";
                if (act != "gelu") throw new InvalidDataException($"{path}: activation_function '{act}' is not supported (gelu).");
                if (Bool("normalize_before", false) || Bool("add_final_layer_norm", false))
                    throw new InvalidDataException($"{path}: normalize_before / add_final_layer_norm (mBART's pre-norm) are not supported.");
                int heads = Int("encoder_attention_heads", 12), ffn = Int("encoder_ffn_dim", 3072);
                if (Int("decoder_attention_heads", heads) != heads || Int("decoder_ffn_dim", ffn) != ffn)
                    throw new InvalidDataException($"{path}: encoder and decoder must have the same heads and ffn width.");
                return new EncoderDecoderConfig
                {
                    Family = EncoderDecoderFamily.Bart, VocabSize = Int("vocab_size", 50265), Width = Int("d_model", 768), Heads = heads,
                    FeedForwardWidth = ffn, EncoderLayers = Int("encoder_layers", 6), DecoderLayers = Int("decoder_layers", 6),
                    FeedForward = FeedForwardKind.Gelu, MaxPositions = Int("max_position_embeddings", 1024), ScaleEmbedding = Bool("scale_embedding", false),
                    Dropout = Float("dropout", 0.1f), NormEps = 1e-5f, TiedEmbeddings = true,
                    PadTokenId = Int("pad_token_id", 1), EosTokenId = Int("eos_token_id", 2), DecoderStartTokenId = Int("decoder_start_token_id", 2),
                }.Validate();
            }
        }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
        catch (InvalidOperationException e) { throw new InvalidDataException($"{path}: a key has the wrong type ({e.Message}).", e); }
        throw new InvalidDataException($"{path}: model_type '{type}' is not an encoder-decoder this loader knows (t5, bart).");
    }
}
