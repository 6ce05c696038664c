using SharpLM.Formats;
using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// Saves and loads a <see cref="Bert"/> as Hugging Face's BERT classes store it:
/// <c>model.safetensors</c> with their tensor names and shapes and a <c>config.json</c>
/// (<see cref="BertHuggingFaceConfig"/>). Our parameter names already are Hugging Face's, so
/// saving writes them as they are.
/// </summary>
/// <remarks>
/// The MLM decoder is tied: <c>cls.predictions.decoder.weight</c> is the word embedding and
/// <c>cls.predictions.decoder.bias</c> is <c>cls.predictions.bias</c>, so, as transformers' own
/// safetensors files, we write neither and skip both on load. Loading also accepts what older
/// or smaller files hold: TensorFlow-era <c>LayerNorm.gamma/beta</c> names, the
/// <c>bert.embeddings.position_ids</c> buffer, bare <c>BertModel</c> names (no <c>bert.</c>
/// prefix), and heads of other tasks (a pretraining checkpoint loaded as a masked LM), which are ignored.
/// </remarks>
public static class BertHuggingFace
{
    /// <summary>Writes <c>model.safetensors</c> and <c>config.json</c> into <paramref name="directory"/> (each atomically).</summary>
    public static void Save(Bert model, string directory)
    {
        Directory.CreateDirectory(directory);
        var entries = model.NamedParameters().Select(p => (p.Name, p.Parameter.Data));
        Safetensors.Write(Path.Combine(directory, GptHuggingFace.WeightsFile), entries, new Dictionary<string, string> { ["format"] = "pt" });
        BertHuggingFaceConfig.Write(model, Path.Combine(directory, GptHuggingFace.ConfigFile));
    }

    /// <summary>True when <paramref name="directory"/> holds a BERT model (its config.json says model_type bert).</summary>
    public static bool IsBertFolder(string directory)
    {
        var path = Path.Combine(directory, GptHuggingFace.ConfigFile);
        if (!File.Exists(path)) return false;
        // Through JsonLimits (size cap before reading, depth, Unicode); a repeated key is no crash. A bad file is "not BERT": its reader says what is wrong.
        try
        {
            using var doc = JsonLimits.ParseFile(path, JsonLimits.MaxSmallFileBytes, (_, problem) => new InvalidDataException(problem));
            return doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && doc.RootElement.TryGetProperty("model_type", out var t)
                && t.ValueKind == System.Text.Json.JsonValueKind.String && t.GetString() == "bert";
        }
        catch (InvalidDataException) { return false; }
    }

    /// <summary>
    /// Reads a model folder written by <see cref="Save"/> or by transformers. The task comes from
    /// config.json's <c>architectures</c>; <paramref name="task"/> overrides it (e.g. a
    /// <c>BertModel</c> file, or a pretraining checkpoint read as a masked LM).
    /// </summary>
    public static Bert Load(string directory, BertTask? task = null)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"model folder '{directory}' does not exist.");
        string weightsPath = Path.Combine(directory, GptHuggingFace.WeightsFile);
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"model folder '{directory}' has no {GptHuggingFace.WeightsFile} (the weights).", weightsPath);
        var (config, fileTask, labels) = BertHuggingFaceConfig.Read(Path.Combine(directory, GptHuggingFace.ConfigFile));
        using var file = SafetensorsFile.Open(weightsPath);
        var names = MapFileNames(file);
        var chosen = task ?? fileTask ?? InferTask(names.Keys);
        if (chosen is BertTask.SequenceClassification or BertTask.TokenClassification && labels.Length < 2)
        {
            int rows = names.TryGetValue("classifier.weight", out var stored) ? file.Info(stored).Shape[0] : 0;
            labels = Enumerable.Range(0, rows).Select(i => $"LABEL_{i}").ToArray();
        }
        var model = Bert.Uninitialized(config, chosen, labels);
        LoadWeights(model, file, names);
        return model;
    }

    private static BertTask InferTask(IEnumerable<string> names)
    {
        var set = names.ToHashSet();
        if (set.Contains("cls.seq_relationship.weight")) return BertTask.PreTraining;
        if (set.Contains("cls.predictions.bias")) return BertTask.MaskedLM;
        if (set.Contains("classifier.weight")) return set.Contains("bert.pooler.dense.weight") ? BertTask.SequenceClassification : BertTask.TokenClassification;
        throw new InvalidDataException("the weights carry no head (no cls.* or classifier.*) and config.json names no architecture; pass the task explicitly.");
    }

    private static void LoadWeights(Bert model, SafetensorsFile file, Dictionary<string, string> names)
    {
        var missing = new List<string>();
        foreach (var (name, parameter) in model.NamedParameters())
        {
            if (!names.Remove(name, out var stored)) { missing.Add(name); continue; }
            var info = file.Info(stored);
            if (!info.Shape.AsSpan().SequenceEqual(parameter.Data.Shape))
                throw new InvalidDataException($"'{file.Path}': tensor '{stored}' has shape {Tensor.FormatShape(info.Shape)}, the config needs {parameter.Data}.");
            file.ReadInto(stored, parameter.Data.Span);
        }
        if (missing.Count > 0)
            throw new InvalidDataException($"'{file.Path}' lacks {missing.Count} tensor(s) a {BertHuggingFaceConfig.ArchitectureName(model.Task)} needs: {Preview(missing)}.");
        // Heads of other tasks are not ours to load (transformers ignores them the same way).
        var unexpected = names.Keys.Where(n => !(n.StartsWith("cls.", StringComparison.Ordinal) || n.StartsWith("bert.pooler.", StringComparison.Ordinal) || n.StartsWith("classifier.", StringComparison.Ordinal))).ToList();
        if (unexpected.Count > 0)
            throw new InvalidDataException($"'{file.Path}' has {unexpected.Count} tensor(s) this config has no place for: {Preview(unexpected)} (does config.json match the weights?).");
    }

    /// <summary>Our name for every tensor of the file (tied decoder and buffers left out).</summary>
    private static Dictionary<string, string> MapFileNames(SafetensorsFile file)
    {
        bool bare = !file.Tensors.Any(t => t.Name.StartsWith("bert.", StringComparison.Ordinal));
        var map = new Dictionary<string, string>();
        foreach (var info in file.Tensors)
        {
            string name = info.Name;
            if (name is "cls.predictions.decoder.weight" or "cls.predictions.decoder.bias" || name.EndsWith("position_ids", StringComparison.Ordinal)) continue;
            if (bare && (name.StartsWith("embeddings.", StringComparison.Ordinal) || name.StartsWith("encoder.", StringComparison.Ordinal) || name.StartsWith("pooler.", StringComparison.Ordinal)))
                name = "bert." + name;
            if (name.EndsWith(".gamma", StringComparison.Ordinal)) name = name[..^".gamma".Length] + ".weight";
            else if (name.EndsWith(".beta", StringComparison.Ordinal)) name = name[..^".beta".Length] + ".bias";
            if (!map.TryAdd(name, info.Name))
                throw new InvalidDataException($"'{file.Path}': tensors '{map[name]}' and '{info.Name}' both name '{name}'.");
        }
        return map;
    }

    private static string Preview(IEnumerable<string> names)
    {
        var list = names.ToList();
        return string.Join(", ", list.Take(8)) + (list.Count > 8 ? $", … ({list.Count - 8} more)" : "");
    }
}
