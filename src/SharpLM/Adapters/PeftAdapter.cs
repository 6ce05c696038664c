using System.Globalization;
using System.Text;
using System.Text.Json;
using SharpLM.Formats;
using SharpLM.Models;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Adapters;

/// <summary>
/// A LoRA adapter folder in Hugging Face PEFT's format, so adapters move between SharpLM and
/// <c>peft</c>: <c>adapter_config.json</c> (<c>peft_type</c> LORA, <c>r</c>, <c>lora_alpha</c>,
/// <c>target_modules</c>, <c>lora_dropout</c>, <c>bias</c>, <c>task_type</c>, <c>base_model_name_or_path</c>,
/// <c>fan_in_fan_out</c>, <c>modules_to_save</c>) and <c>adapter_model.safetensors</c> with PEFT's tensor
/// names, <c>base_model.model.{module}.lora_A.weight</c> <c>[r, in]</c> and <c>….lora_B.weight</c>
/// <c>[out, r]</c>, plus the modules to save under <c>base_model.model.{parameter}</c>.
/// </summary>
/// <remarks>
/// GPT-2's <c>c_attn</c>/<c>c_proj</c>/<c>c_fc</c> are Conv1D in transformers (weights stored
/// <c>[in, out]</c>); PEFT still keeps A <c>[r, in]</c> and B <c>[out, r]</c> for them and only transposes
/// ΔW = B·A when merging (<c>fan_in_fan_out</c> true). Our weights are <c>[out, in]</c>, so B·A adds
/// to them as is, and the tensors are the same in both. LLaMA's q/k/v adapters are separate modules in
/// the file and row ranges of our fused <c>c_attn</c>.
/// </remarks>
public static class PeftAdapter
{
    /// <summary>File name of the adapter's configuration.</summary>
    public const string ConfigFile = "adapter_config.json";

    /// <summary>File name of the adapter's weights.</summary>
    public const string WeightsFile = "adapter_model.safetensors";

    private const string Prefix = "base_model.model.";

    /// <summary>Writes adapter <paramref name="adapterName"/> (default: the active one) of <paramref name="model"/> into <paramref name="directory"/>; both files are replaced together.</summary>
    public static void Save(Module model, string directory, string? adapterName = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        adapterName ??= Lora.ActiveName(model) ?? throw new InvalidOperationException("PeftAdapter.Save: the model has no active LoRA adapter; name the adapter to save.");
        var (options, targets, modulesToSave) = Lora.ConfigOf(model, adapterName);
        var entries = Tensors(model, adapterName, modulesToSave);
        string config = ConfigText(model, options, targets, modulesToSave);
        FileSetCommit.Write(directory, stage =>
        {
            Safetensors.Write(Path.Combine(stage, WeightsFile), entries, new Dictionary<string, string> { ["format"] = "pt" });
            AtomicFile.WriteAllText(Path.Combine(stage, ConfigFile), config);
        });
    }

    /// <summary>The adapter's tensors under PEFT's file names, in a fixed order.</summary>
    public static List<(string Name, Tensor Tensor)> Tensors(Module model, string adapterName, string[] modulesToSave)
    {
        var list = new List<(string, Tensor)>();
        foreach (var a in Lora.AdaptersOf(model, adapterName))
        {
            list.Add((a.FileName("A"), a.A.Data));
            list.Add((a.FileName("B"), a.B.Data));
        }
        foreach (var (name, p) in model.NamedParameters())
            if (Lora.IsInModules(name, modulesToSave)) list.Add((Prefix + HuggingFaceParameterName(model, name), p.Data));
        return list;
    }

    /// <summary>
    /// Reads an adapter folder (ours or PEFT's) and attaches it to <paramref name="model"/> as
    /// <paramref name="adapterName"/>, which becomes active; the base stays frozen. Every targeted module's
    /// A and B must be in the file with the config's shapes, and the file may hold nothing else.
    /// </summary>
    public static LoraSummary Load(Module model, string directory, string adapterName = "default")
    {
        ArgumentNullException.ThrowIfNull(model);
        var options = ReadConfig(directory);
        string path = Path.Combine(directory, WeightsFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"adapter folder '{directory}' has no {WeightsFile} (the adapter's weights).", path);
        using var file = SafetensorsFile.Open(path);
        var summary = Lora.Apply(model, options, new Rng(0x10AA), adapterName);
        try
        {
            var remaining = new HashSet<string>(file.Tensors.Select(t => t.Name), StringComparer.Ordinal);
            var (_, _, modulesToSave) = Lora.ConfigOf(model, adapterName);
            foreach (var a in Lora.AdaptersOf(model, adapterName))
            {
                Read(file, remaining, a.FileName("A"), a.A.Data, $"r {a.Rank} × in {a.Layer.InFeatures}");
                Read(file, remaining, a.FileName("B"), a.B.Data, $"out {a.Rows} × r {a.Rank}");
            }
            foreach (var (name, p) in model.NamedParameters())
                if (Lora.IsInModules(name, modulesToSave)) Read(file, remaining, Prefix + HuggingFaceParameterName(model, name), p.Data, "the model's");
            if (remaining.Count > 0)
                throw new InvalidDataException($"'{path}' has {remaining.Count} tensor(s) this model and {ConfigFile} have no place for: {string.Join(", ", remaining.Order(StringComparer.Ordinal).Take(6))}{(remaining.Count > 6 ? ", …" : "")} (was the adapter trained on another architecture?).");
        }
        catch
        {
            Lora.Remove(model, adapterName); // leave the model as it was
            throw;
        }
        return summary;
    }

    /// <summary>Reads <c>adapter_config.json</c> into options; rejects what SharpLM cannot run, naming the key.</summary>
    public static LoraOptions ReadConfig(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"adapter folder '{directory}' does not exist.");
        string path = Path.Combine(directory, ConfigFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"adapter folder '{directory}' has no {ConfigFile}.", path);
        InvalidDataException Bad(string what) => new($"adapter config '{path}': {what}");
        using var doc = JsonLimits.ParseFile(path, JsonLimits.MaxSmallFileBytes, (field, problem) => Bad($"{field}: {problem}."));
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw Bad("the file is not a JSON object.");
        string? type = Str(root, "peft_type", Bad);
        if (type is not null && type != "LORA") throw Bad($"peft_type '{type}' is not supported (only LORA).");
        int r = root.TryGetProperty("r", out var rv) && rv.ValueKind == JsonValueKind.Number && rv.TryGetInt32(out int ri) ? ri : throw Bad("'r' (the rank) is missing or not a whole number.");
        float alpha = root.TryGetProperty("lora_alpha", out var av) ? av.ValueKind == JsonValueKind.Number ? av.GetSingle() : throw Bad("'lora_alpha' is not a number.") : 8f;
        float dropout = root.TryGetProperty("lora_dropout", out var dv) && dv.ValueKind == JsonValueKind.Number ? dv.GetSingle() : 0f;
        string bias = Str(root, "bias", Bad) ?? "none";
        foreach (var key in new[] { "rank_pattern", "alpha_pattern" })
            if (root.TryGetProperty(key, out var pat) && pat.ValueKind == JsonValueKind.Object && pat.EnumerateObject().Any())
                throw Bad($"'{key}' (per-module ranks or alphas) is not supported.");
        foreach (var key in new[] { "use_dora", "use_rslora" })
            if (root.TryGetProperty(key, out var flag) && flag.ValueKind == JsonValueKind.True) throw Bad($"'{key}' true is not supported.");
        if (root.TryGetProperty("layers_to_transform", out var ltt) && ltt.ValueKind != JsonValueKind.Null) throw Bad("'layers_to_transform' is not supported.");
        string[] targets = [];
        string? pattern = null;
        if (!root.TryGetProperty("target_modules", out var tv) || tv.ValueKind == JsonValueKind.Null) throw Bad("'target_modules' is missing.");
        if (tv.ValueKind == JsonValueKind.String)
        {
            string s = tv.GetString()!;
            if (string.Equals(s, LoraOptions.AllLinear, StringComparison.OrdinalIgnoreCase)) targets = [LoraOptions.AllLinear];
            else pattern = s;
        }
        else if (tv.ValueKind == JsonValueKind.Array)
            targets = tv.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Bad("'target_modules' must list strings.")).ToArray();
        else throw Bad("'target_modules' must be a list of module names or a regular expression.");
        if (targets.Length == 0 && pattern is null) throw Bad("'target_modules' is empty.");
        string[]? save = null;
        if (root.TryGetProperty("modules_to_save", out var mv) && mv.ValueKind == JsonValueKind.Array)
            save = mv.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Bad("'modules_to_save' must list strings.")).ToArray();
        try
        {
            return new LoraOptions
            {
                Rank = r, Alpha = alpha, Dropout = dropout, Bias = bias, Targets = targets, TargetPattern = pattern,
                ModulesToSave = save, BaseModel = Str(root, "base_model_name_or_path", Bad),
            }.Validate();
        }
        catch (ArgumentException e) { throw Bad(e.Message); }
    }

    /// <summary>The Hugging Face name of one of our parameter names (what <c>base_model.model.</c> prefixes in the file).</summary>
    public static string HuggingFaceParameterName(Module model, string name)
    {
        switch (model)
        {
            case Gpt { Config.Positions: PositionEncoding.Rotary }:
                int dot = name.LastIndexOf('.');
                string module = name[..dot], kind = name[(dot + 1)..];
                var sites = LinearSites.Of(model).Where(s => module == ModuleNameOf(model, s)).ToList();
                if (sites.Count == 1) return sites[0].Name + "." + kind;
                throw new ArgumentException($"saving '{name}' of a LLaMA-layout model in an adapter file is not supported (only whole linear modules, and not the fused q/k/v).", nameof(name));
            case Gpt:
                return name.StartsWith("lm_head.", StringComparison.Ordinal) ? name : "transformer." + name;
            default:
                return name;
        }
    }

    private static string ModuleNameOf(Module model, LinearSite site) =>
        model.NamedModules().First(m => ReferenceEquals(m.Module, site.Layer)).Name;

    private static void Read(SafetensorsFile file, HashSet<string> remaining, string name, Tensor destination, string what)
    {
        if (!remaining.Remove(name))
            throw new InvalidDataException($"'{file.Path}' lacks tensor '{name}' that {ConfigFile} targets (does the adapter belong to this model?).");
        var info = file.Info(name);
        if (!info.Shape.AsSpan().SequenceEqual(destination.Shape))
            throw new InvalidDataException($"'{file.Path}': tensor '{name}' has shape {Tensor.FormatShape(info.Shape)}, this model needs {destination} ({what}).");
        file.ReadInto(name, destination.Span);
    }

    private static string ConfigText(Module model, LoraOptions options, string[] targets, string[] modulesToSave)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("peft_type", "LORA");
            w.WriteString("task_type", LinearSites.TaskType(model));
            if (options.BaseModel is null) w.WriteNull("base_model_name_or_path"); else w.WriteString("base_model_name_or_path", options.BaseModel);
            w.WriteNumber("r", options.Rank);
            // PEFT's lora_alpha is an int; a fractional α is written as a float.
            if (options.Alpha == MathF.Round(options.Alpha) && options.Alpha < int.MaxValue) w.WriteNumber("lora_alpha", (int)options.Alpha);
            else ConfigJsonFloat(w, "lora_alpha", options.Alpha);
            ConfigJsonFloat(w, "lora_dropout", options.Dropout);
            if (options.TargetPattern is not null) w.WriteString("target_modules", options.TargetPattern);
            else
            {
                w.WriteStartArray("target_modules");
                foreach (var t in targets) w.WriteStringValue(t);
                w.WriteEndArray();
            }
            w.WriteString("bias", options.Bias);
            // GPT-2's linear modules are transformers' Conv1D, whose weights PEFT merges transposed.
            w.WriteBoolean("fan_in_fan_out", model is Gpt { Config.Positions: not PositionEncoding.Rotary });
            if (modulesToSave.Length == 0) w.WriteNull("modules_to_save");
            else
            {
                w.WriteStartArray("modules_to_save");
                foreach (var m in modulesToSave) w.WriteStringValue(m);
                w.WriteEndArray();
            }
            w.WriteBoolean("inference_mode", true);
            w.WriteBoolean("init_lora_weights", true);
            w.WriteBoolean("use_rslora", false);
            w.WriteBoolean("use_dora", false);
            w.WriteNull("layers_to_transform");
            w.WriteStartObject("rank_pattern"); w.WriteEndObject();
            w.WriteStartObject("alpha_pattern"); w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    // Floats as Python writes them (32.0, 0.05), which is also the shortest text that reads back exactly.
    private static void ConfigJsonFloat(Utf8JsonWriter w, string key, float value) => Formats.ConfigJson.WritePythonFloat(w, key, value);

    private static string? Str(JsonElement root, string key, Func<string, InvalidDataException> bad) =>
        !root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString() : throw bad($"'{key}' must be a string.");
}
