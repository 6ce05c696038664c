using System.Globalization;
using System.Text.RegularExpressions;

namespace SharpLM.Adapters;

/// <summary>
/// How to attach LoRA adapters (PEFT's <c>LoraConfig</c>): rank r, α (the update is scaled by α/r),
/// dropout on the adapter's input, and which linear modules to target by Hugging Face module name —
/// a list of names each matching a module whose name equals it or ends in <c>.name</c>
/// (<c>c_attn</c>; <c>q_proj,v_proj</c>; <c>query,value</c>; <c>attn.c_proj</c>), the shorthand
/// <c>all-linear</c> (every linear module except the output head), or a regular expression that must
/// match the whole module name (<see cref="TargetPattern"/>, PEFT's string form). No targets means
/// PEFT's default for the family (GPT-2 <c>c_attn</c>, LLaMA <c>q_proj,v_proj</c>, BERT
/// <c>query,value</c>, T5 <c>q,v</c>, BART <c>q_proj,v_proj</c>).
/// </summary>
public sealed record LoraOptions
{
    /// <summary>PEFT's shorthand for every linear layer except the output head.</summary>
    public const string AllLinear = "all-linear";

    /// <summary>The rank r of A <c>[r, in]</c> and B <c>[out, r]</c> (PEFT's <c>r</c>, default 8).</summary>
    public int Rank { get; init; } = 8;

    /// <summary>α (PEFT's <c>lora_alpha</c>, default 8): the update B·A is scaled by α/r.</summary>
    public float Alpha { get; init; } = 8f;

    /// <summary>Dropout probability on the adapter's input, during training only (PEFT's <c>lora_dropout</c>).</summary>
    public float Dropout { get; init; }

    /// <summary>Target module names (or the single entry <c>all-linear</c>); empty for the family's default.</summary>
    public string[] Targets { get; init; } = [];

    /// <summary>A regular expression the whole module name must match, instead of <see cref="Targets"/> (PEFT's <c>target_modules</c> given as a string).</summary>
    public string? TargetPattern { get; init; }

    /// <summary>Which biases train: only <c>none</c> is supported (PEFT's default): biases stay frozen.</summary>
    public string Bias { get; init; } = "none";

    /// <summary>Modules trained in full and saved with the adapter (PEFT's <c>modules_to_save</c>); null for the task's default (a classifier head).</summary>
    public string[]? ModulesToSave { get; init; }

    /// <summary>Recorded in <c>adapter_config.json</c> as <c>base_model_name_or_path</c>.</summary>
    public string? BaseModel { get; init; }

    /// <summary>Whether the targets are the <c>all-linear</c> shorthand.</summary>
    public bool IsAllLinear => TargetPattern is null && Targets.Length == 1 && string.Equals(Targets[0], AllLinear, StringComparison.OrdinalIgnoreCase);

    /// <summary>Checks the values, naming the first that is wrong; returns this.</summary>
    public LoraOptions Validate()
    {
        if (Rank < 1) throw new ArgumentException($"LoRA rank r must be ≥ 1, got {Rank}.", nameof(Rank));
        if (!(Alpha > 0) || !float.IsFinite(Alpha)) throw new ArgumentException($"LoRA alpha must be a positive number, got {Alpha}.", nameof(Alpha));
        if (!(Dropout >= 0f && Dropout < 1f)) throw new ArgumentException($"LoRA dropout must be in [0, 1), got {Dropout}.", nameof(Dropout));
        if (Bias != "none") throw new ArgumentException($"LoRA bias '{Bias}' is not supported; only 'none' (biases stay frozen, as PEFT's default).", nameof(Bias));
        if (Targets.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("LoRA targets contain an empty module name.", nameof(Targets));
        if (Targets.Length > 1 && Targets.Any(t => string.Equals(t, AllLinear, StringComparison.OrdinalIgnoreCase)))
            throw new ArgumentException($"LoRA targets: '{AllLinear}' stands alone; it cannot be combined with other names.", nameof(Targets));
        if (TargetPattern is not null)
        {
            if (Targets.Length > 0) throw new ArgumentException("LoRA: give either target names or a target pattern, not both.", nameof(TargetPattern));
            try { _ = new Regex(TargetPattern); }
            catch (ArgumentException e) { throw new ArgumentException($"LoRA target pattern '{TargetPattern}' is not a valid regular expression: {e.Message}", nameof(TargetPattern), e); }
        }
        return this;
    }

    /// <summary>
    /// Whether a module named <paramref name="moduleName"/> is a target (PEFT's rule): the pattern matches
    /// the whole name, or a target equals the name or is its dotted tail. Not for <c>all-linear</c>.
    /// </summary>
    public bool Matches(string moduleName, string[] targets)
    {
        if (TargetPattern is not null) return Regex.IsMatch(moduleName, "^(?:" + TargetPattern + ")$");
        foreach (var t in targets)
            if (moduleName == t || moduleName.EndsWith("." + t, StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>Keys <see cref="Parse"/> accepts.</summary>
    public const string SpecHelp = "r=N, alpha=X, dropout=P, targets=NAME[,NAME…] (or all-linear, or re:REGEX), modules_to_save=NAME[,NAME…], bias=none";

    /// <summary>
    /// Reads a command-line spec such as <c>r=16,alpha=32,targets=c_attn,dropout=0.05</c>: comma-separated
    /// <c>key=value</c> pairs; a part without <c>=</c> adds one more name to the list before it
    /// (<c>targets=q_proj,v_proj</c>; <c>+</c> also separates names). Keys: <c>r</c>/<c>rank</c>,
    /// <c>alpha</c>/<c>lora_alpha</c>, <c>dropout</c>/<c>lora_dropout</c>, <c>targets</c>/<c>target_modules</c>
    /// (<c>all-linear</c>, or <c>re:REGEX</c> for a pattern), <c>modules_to_save</c>, <c>bias</c>. Throws
    /// <see cref="FormatException"/> naming the part that is wrong.
    /// </summary>
    public static LoraOptions Parse(string spec)
    {
        if (string.IsNullOrWhiteSpace(spec)) throw new FormatException($"LoRA spec is empty; expected {SpecHelp}, e.g. r=16,alpha=32,targets=c_attn,dropout=0.05.");
        var options = new LoraOptions();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? listKey = null;
        var targets = new List<string>();
        var save = new List<string>();
        bool alphaGiven = false;
        foreach (var rawPart in spec.Split(','))
        {
            string part = rawPart.Trim();
            if (part.Length == 0) throw new FormatException($"LoRA spec '{spec}' has an empty part (two commas in a row, or a trailing comma).");
            int eq = part.IndexOf('=');
            if (eq < 0)
            {
                if (listKey is null) throw new FormatException($"LoRA spec '{spec}': '{part}' is not key=value ({SpecHelp}).");
                AddNames(listKey == "targets" ? targets : save, part, spec);
                continue;
            }
            string key = part[..eq].Trim().ToLowerInvariant(), value = part[(eq + 1)..].Trim();
            key = key switch { "rank" => "r", "lora_alpha" => "alpha", "lora_dropout" => "dropout", "target_modules" or "target" => "targets", _ => key };
            if (!seen.Add(key)) throw new FormatException($"LoRA spec '{spec}': '{key}' is given twice.");
            if (value.Length == 0) throw new FormatException($"LoRA spec '{spec}': '{key}' has no value.");
            listKey = null;
            switch (key)
            {
                case "r":
                    if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int r) || r < 1)
                        throw new FormatException($"LoRA spec '{spec}': r must be a whole number ≥ 1, got '{value}'.");
                    options = options with { Rank = r };
                    break;
                case "alpha":
                    if (!float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float alpha) || !(alpha > 0) || !float.IsFinite(alpha))
                        throw new FormatException($"LoRA spec '{spec}': alpha must be a positive number, got '{value}'.");
                    options = options with { Alpha = alpha };
                    alphaGiven = true;
                    break;
                case "dropout":
                    if (!float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float p) || !(p >= 0 && p < 1))
                        throw new FormatException($"LoRA spec '{spec}': dropout must be a number in [0, 1), got '{value}'.");
                    options = options with { Dropout = p };
                    break;
                case "targets":
                    if (value.StartsWith("re:", StringComparison.Ordinal))
                    {
                        options = options with { TargetPattern = value[3..] };
                        break;
                    }
                    AddNames(targets, value, spec);
                    listKey = "targets";
                    break;
                case "modules_to_save":
                    AddNames(save, value, spec);
                    listKey = "modules_to_save";
                    break;
                case "bias":
                    options = options with { Bias = value };
                    break;
                default:
                    throw new FormatException($"LoRA spec '{spec}': unknown key '{key}'; known keys: {SpecHelp}.");
            }
        }
        // Like PEFT's examples: α defaults to r when not given, so the scale α/r is 1.
        if (!alphaGiven) options = options with { Alpha = options.Rank };
        options = options with { Targets = targets.ToArray(), ModulesToSave = save.Count > 0 ? save.ToArray() : null };
        try { return options.Validate(); }
        catch (ArgumentException e) { throw new FormatException($"LoRA spec '{spec}': {e.Message}", e); }
    }

    private static void AddNames(List<string> list, string value, string spec)
    {
        foreach (var name in value.Split('+'))
        {
            string n = name.Trim();
            if (n.Length == 0) throw new FormatException($"LoRA spec '{spec}': an empty module name in '{value}'.");
            if (n.Any(ch => char.IsWhiteSpace(ch))) throw new FormatException($"LoRA spec '{spec}': module name '{n}' contains a space.");
            list.Add(n);
        }
    }

    /// <summary>The spec <see cref="Parse"/> reads back into these options.</summary>
    public override string ToString()
    {
        string targets = TargetPattern is not null ? "re:" + TargetPattern : Targets.Length == 0 ? "" : string.Join(',', Targets);
        var parts = new List<string> { $"r={Rank}", $"alpha={Alpha.ToString("R", CultureInfo.InvariantCulture)}" };
        if (Dropout > 0) parts.Add($"dropout={Dropout.ToString("R", CultureInfo.InvariantCulture)}");
        if (targets.Length > 0) parts.Add("targets=" + targets);
        if (ModulesToSave is { Length: > 0 }) parts.Add("modules_to_save=" + string.Join(',', ModulesToSave));
        return string.Join(',', parts);
    }
}
