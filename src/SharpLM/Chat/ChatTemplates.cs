using System.Text.Json;
using System.Text.RegularExpressions;

namespace SharpLM.Chat;

/// <summary>
/// Finds a chat template: by name, by recognising a model's published Jinja source, or from a
/// model folder (<c>tokenizer_config.json</c>'s <c>chat_template</c>, <c>chat_template.jinja</c>
/// or <c>chat_template.json</c>, with its <c>bos_token</c>/<c>eos_token</c>). SharpLM has no Jinja
/// engine: a template it does not know is not executed; <see cref="ForModel"/> falls back to ChatML.
/// </summary>
public static class ChatTemplates
{
    /// <summary>The names <see cref="Get"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["chatml", "llama2", "llama3", "alpaca"];

    /// <summary>The template called <paramref name="name"/> (case-insensitive), with its default special tokens.</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Names"/>.</exception>
    public static ChatTemplate Get(string name) => Create(name, null, null);

    /// <summary>The template called <paramref name="name"/> with the given special tokens (null keeps the template's default).</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Names"/>.</exception>
    public static ChatTemplate Create(string name, string? bosToken, string? eosToken) => (name ?? "").Trim().ToLowerInvariant() switch
    {
        "chatml" => new ChatMlTemplate(bosToken ?? "", eosToken ?? ChatMlTemplate.EndOfTurn),
        "llama2" or "llama-2" => new Llama2Template(bosToken ?? "<s>", eosToken ?? "</s>"),
        "llama3" or "llama-3" => new Llama3Template(bosToken ?? "<|begin_of_text|>", eosToken ?? Llama3Template.EndOfTurn),
        "alpaca" => new AlpacaTemplate(bosToken ?? "", eosToken ?? "</s>"),
        _ => throw new ArgumentException($"unknown chat template '{name}'; known templates: {string.Join(", ", Names)}", nameof(name)),
    };

    /// <summary>The known template whose Jinja source is <paramref name="jinjaSource"/> (compared with whitespace collapsed), or null.</summary>
    public static ChatTemplate? Recognize(string jinjaSource) => RecognizeName(jinjaSource) is { } n ? Get(n) : null;

    /// <summary>The name of the known template whose Jinja source is <paramref name="jinjaSource"/>, or null.</summary>
    public static string? RecognizeName(string? jinjaSource)
    {
        if (string.IsNullOrWhiteSpace(jinjaSource)) return null;
        string key = Normalize(jinjaSource);
        foreach (var (name, source) in Known)
            if (Normalize(source) == key) return name;
        return null;
    }

    /// <summary>
    /// The template a model folder (or a file inside one) declares: a recognised
    /// <c>chat_template</c> in <c>tokenizer_config.json</c>, else <c>chat_template.jinja</c> /
    /// <c>chat_template.json</c>, using the folder's <c>bos_token</c>/<c>eos_token</c>; ChatML when
    /// the folder declares none or one SharpLM does not know.
    /// </summary>
    public static ChatTemplate ForModel(string modelPath) => ForModelOrNull(modelPath) ?? Get("chatml");

    /// <summary>As <see cref="ForModel"/>, but null when the folder (or GGUF file: its <c>tokenizer.chat_template</c>) declares no recognised template.</summary>
    /// <exception cref="InvalidDataException">tokenizer_config.json or chat_template.json is not valid JSON (the message names the file).</exception>
    public static ChatTemplate? ForModelOrNull(string modelPath)
    {
        if (File.Exists(modelPath) && Models.GptGguf.IsGgufPath(modelPath)) return Models.GgufChatTemplate.ForFile(modelPath); // a GGUF file carries its own tokenizer.chat_template
        string dir = Directory.Exists(modelPath) ? modelPath : Path.GetDirectoryName(Path.GetFullPath(modelPath)) ?? ".";
        string? bos = null, eos = null, source = null;
        string config = Path.Combine(dir, "tokenizer_config.json");
        if (File.Exists(config))
        {
            using var doc = ParseFile(config);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                bos = TokenText(root, "bos_token");
                eos = TokenText(root, "eos_token");
                source = TemplateText(root);
            }
        }
        string jinja = Path.Combine(dir, "chat_template.jinja");
        if (source is null && File.Exists(jinja))
            source = System.Text.Encoding.UTF8.GetString(SharpLM.Formats.JsonLimits.ReadFile(jinja, SharpLM.Formats.JsonLimits.MaxSmallFileBytes, (field, problem) => new InvalidDataException($"{jinja}: {field}: {problem}")));
        string json = Path.Combine(dir, "chat_template.json");
        if (source is null && File.Exists(json))
        {
            using var doc = ParseFile(json);
            if (doc.RootElement.ValueKind == JsonValueKind.Object) source = TemplateText(doc.RootElement);
        }
        return RecognizeName(source) is { } name ? Create(name, bos, eos) : null;
    }

    private static readonly (string Name, string Source)[] Known =
    [
        ("chatml", ChatTemplateSources.ChatMl),
        ("chatml", ChatTemplateSources.ChatMlWithPrelude),
        ("llama2", ChatTemplateSources.Llama2),
        ("llama3", ChatTemplateSources.Llama3),
        ("alpaca", ChatTemplateSources.Alpaca),
    ];

    private static string Normalize(string source) => Regex.Replace(source.Trim(), @"\s+", " ").Replace("{%-", "{%").Replace("-%}", "%}").Replace("{{-", "{{").Replace("-}}", "}}");

    // Through JsonLimits (size cap, depth, valid UTF-8, no lone surrogate), so a hostile file is this reader's InvalidDataException.
    private static JsonDocument ParseFile(string path) =>
        SharpLM.Formats.JsonLimits.ParseFile(path, SharpLM.Formats.JsonLimits.MaxSmallFileBytes, (field, problem) => new InvalidDataException($"{path}: not valid JSON at {field} ({problem})"));

    private static string? TokenText(JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out var v)) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String) return c.GetString();
        return null;
    }

    // chat_template is a string, or a list of {name, template} where "default" is the chat one.
    private static string? TemplateText(JsonElement root)
    {
        if (!root.TryGetProperty("chat_template", out var t)) return null;
        if (t.ValueKind == JsonValueKind.String) return t.GetString();
        if (t.ValueKind != JsonValueKind.Array) return null;
        foreach (var item in t.EnumerateArray())
            if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String && n.GetString() == "default"
                && item.TryGetProperty("template", out var s) && s.ValueKind == JsonValueKind.String)
                return s.GetString();
        return null;
    }
}
