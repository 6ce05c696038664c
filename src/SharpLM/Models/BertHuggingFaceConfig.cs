using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Formats;

namespace SharpLM.Models;

/// <summary>
/// BERT's <c>config.json</c> in Hugging Face's keys (<c>BertConfig</c>): the shape, the
/// architecture class (<c>BertForPreTraining</c>, <c>BertForMaskedLM</c>,
/// <c>BertForSequenceClassification</c>, <c>BertForTokenClassification</c>) and, for
/// classifiers, <c>id2label</c> / <c>label2id</c>. Rejects what our BERT cannot run, naming the key.
/// </summary>
public static class BertHuggingFaceConfig
{
    /// <summary>The Hugging Face class name of a task.</summary>
    public static string ArchitectureName(BertTask task) => task switch
    {
        BertTask.PreTraining => "BertForPreTraining",
        BertTask.MaskedLM => "BertForMaskedLM",
        BertTask.SequenceClassification => "BertForSequenceClassification",
        _ => "BertForTokenClassification",
    };

    /// <summary>The task of a Hugging Face class name, or null when it is not one of the four.</summary>
    public static BertTask? TaskOf(string architecture) => architecture switch
    {
        "BertForPreTraining" => BertTask.PreTraining,
        "BertForMaskedLM" => BertTask.MaskedLM,
        "BertForSequenceClassification" => BertTask.SequenceClassification,
        "BertForTokenClassification" => BertTask.TokenClassification,
        _ => null,
    };

    /// <summary>Writes config.json for <paramref name="model"/>, atomically.</summary>
    public static void Write(Bert model, string path)
    {
        var c = model.Config;
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray(ArchitectureName(model.Task)),
            ["model_type"] = "bert",
            ["vocab_size"] = c.VocabSize,
            ["hidden_size"] = c.Width,
            ["num_hidden_layers"] = c.Layers,
            ["num_attention_heads"] = c.Heads,
            ["intermediate_size"] = c.Intermediate,
            ["hidden_act"] = "gelu",
            ["hidden_dropout_prob"] = c.Dropout,
            // SharpLM's attention has no dropout on its probabilities; saying 0 keeps a continued run in transformers the same model.
            ["attention_probs_dropout_prob"] = 0.0,
            ["max_position_embeddings"] = c.MaxPositions,
            ["type_vocab_size"] = c.TypeVocabSize,
            ["initializer_range"] = 0.02,
            ["layer_norm_eps"] = c.NormEps,
            ["pad_token_id"] = c.PadTokenId,
            ["position_embedding_type"] = "absolute",
            ["torch_dtype"] = "float32",
        };
        if (model.Labels.Count > 0)
        {
            var id2label = new JsonObject();
            var label2id = new JsonObject();
            for (int i = 0; i < model.Labels.Count; i++)
            {
                id2label[i.ToString(CultureInfo.InvariantCulture)] = model.Labels[i];
                label2id[model.Labels[i]] = i;
            }
            json["id2label"] = id2label;
            json["label2id"] = label2id;
        }
        AtomicFile.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>
    /// Reads config.json: the shape, the task (from <c>architectures</c>; null when
    /// absent or <c>BertModel</c>) and the label names by id.
    /// </summary>
    public static (BertConfig Config, BertTask? Task, string[] Labels) Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no BERT config.json.", path);
        JsonObject obj;
        try { obj = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object."); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e); }
        try
        {
            string? type = (string?)obj["model_type"];
            if (type is not null && type != "bert") throw new InvalidDataException($"{path}: model_type '{type}' is not 'bert'.");
            string act = (string?)obj["hidden_act"] ?? "gelu";
            if (act != "gelu") throw new InvalidDataException($"{path}: hidden_act '{act}' is not supported (BERT's exact 'gelu' is).");
            string positions = (string?)obj["position_embedding_type"] ?? "absolute";
            if (positions != "absolute") throw new InvalidDataException($"{path}: position_embedding_type '{positions}' is not supported (only 'absolute').");
            var config = new BertConfig
            {
                VocabSize = Get<int>(obj, "vocab_size", path),
                Width = Get<int>(obj, "hidden_size", path),
                Layers = Get<int>(obj, "num_hidden_layers", path),
                Heads = Get<int>(obj, "num_attention_heads", path),
                Intermediate = Get<int>(obj, "intermediate_size", path),
                MaxPositions = Get<int>(obj, "max_position_embeddings", path),
                TypeVocabSize = obj["type_vocab_size"] is null ? 2 : Get<int>(obj, "type_vocab_size", path),
                Dropout = obj["hidden_dropout_prob"] is null ? 0.1f : Get<float>(obj, "hidden_dropout_prob", path),
                NormEps = obj["layer_norm_eps"] is null ? 1e-12f : Get<float>(obj, "layer_norm_eps", path),
                PadTokenId = obj["pad_token_id"] is null ? 0 : Get<int>(obj, "pad_token_id", path),
            }.Validate();
            BertTask? task = null;
            if (obj["architectures"] is JsonArray { Count: > 0 } archs)
            {
                string arch = (string?)archs[0] ?? "";
                task = TaskOf(arch);
                if (task is null && arch != "BertModel")
                    throw new InvalidDataException($"{path}: architectures[0] '{arch}' is not a BERT class SharpLM runs (BertModel, BertForPreTraining, BertForMaskedLM, BertForSequenceClassification, BertForTokenClassification).");
            }
            return (config, task, ReadLabels(obj, path));
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    private static string[] ReadLabels(JsonObject obj, string path)
    {
        if (obj["id2label"] is not JsonObject id2label) return [];
        var labels = new string[id2label.Count];
        foreach (var (key, value) in id2label)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id >= labels.Length)
                throw new InvalidDataException($"{path}: id2label key '{key}' is not an id in 0..{labels.Length - 1}.");
            labels[id] = (string?)value ?? throw new InvalidDataException($"{path}: id2label['{key}'] is not a string.");
        }
        if (obj["label2id"] is JsonObject label2id)
            foreach (var (name, value) in label2id)
                if (value is null || value.GetValue<int>() is var id && ((uint)id >= (uint)labels.Length || labels[id] != name))
                    throw new InvalidDataException($"{path}: label2id['{name}'] does not match id2label.");
        return labels;
    }

    private static T Get<T>(JsonObject o, string key, string path)
    {
        var node = o[key] ?? throw new InvalidDataException($"{path}: field '{key}' is missing.");
        try { return node.GetValue<T>(); }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: field '{key}' is not a {typeof(T).Name}.", e);
        }
    }
}
