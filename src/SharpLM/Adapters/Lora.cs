using System.Runtime.CompilerServices;
using SharpLM.Models;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Adapters;

/// <summary>What <see cref="Lora.Apply"/> did: which modules got an adapter and how many numbers now train.</summary>
public sealed record LoraSummary(string AdapterName, LoraOptions Options, string[] Modules, long AdapterParameters, long TrainableParameters, long TotalParameters)
{
    /// <summary>Bytes of AdamW state the trainable parameters need (two fp32 moments each); full fine-tuning would need <c>8 · TotalParameters</c>.</summary>
    public long OptimizerStateBytes => TrainableParameters * 2 * sizeof(float);

    /// <summary>PEFT's <c>print_trainable_parameters</c> line, plus the optimizer state.</summary>
    public override string ToString() =>
        $"LoRA '{AdapterName}' ({Options}) on {Modules.Length} modules: trainable params: {TrainableParameters:N0} || all params: {TotalParameters:N0} || " +
        $"trainable%: {100.0 * TrainableParameters / Math.Max(1, TotalParameters):F4} || AdamW state: {OptimizerStateBytes / 1048576.0:F2} MiB";
}

/// <summary>
/// LoRA on any model whose linear layers run through <see cref="Linear.Forward"/> (GPT-2/LLaMA
/// <see cref="Gpt"/>, <see cref="Bert"/>, T5/BART <see cref="EncoderDecoder"/>): attach adapters by
/// Hugging Face module name, freeze the base, switch between several adapters, merge one into the
/// weights and take it out again.
/// </summary>
/// <remarks>
/// Training and evaluation on the tape see the active adapter through <see cref="Linear.Forward"/>. The
/// inference <c>Generator</c> reads a decoder's weight tensors directly, so for generation merge the active
/// adapter into the weights first (<see cref="UseForGeneration"/>), and unmerge (or switch) afterwards.
/// </remarks>
public static class Lora
{
    private sealed class State
    {
        public readonly Dictionary<string, (LoraOptions Options, string[] Targets, string[] ModulesToSave)> Adapters = new(StringComparer.Ordinal);
    }

    private static readonly ConditionalWeakTable<Module, State> States = new();

    /// <summary>
    /// Attaches a LoRA adapter named <paramref name="adapterName"/> to every linear module of
    /// <paramref name="model"/> the options target (A Kaiming-uniform from <paramref name="rng"/>, B zeros),
    /// makes it the active adapter, and freezes every base weight except the modules to save (a
    /// classifier head). Frozen weights then get no gradient buffers and, built from
    /// <see cref="Module.TrainableParameters"/>, no optimizer moments.
    /// </summary>
    public static LoraSummary Apply(Module model, LoraOptions options, Rng rng, string adapterName = "default")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rng);
        options.Validate();
        if (string.IsNullOrWhiteSpace(adapterName) || adapterName.Contains('.'))
            throw new ArgumentException($"LoRA adapter name '{adapterName}' must be non-empty and contain no '.'.", nameof(adapterName));
        var state = States.GetOrCreateValue(model);
        if (state.Adapters.ContainsKey(adapterName))
            throw new ArgumentException($"the model already has a LoRA adapter named '{adapterName}'; choose another name or remove it first.", nameof(adapterName));

        var sites = LinearSites.Of(model);
        string[] targets = options.Targets.Length > 0 || options.TargetPattern is not null ? options.Targets : DefaultTargets(model);
        var chosen = options.IsAllLinear
            ? sites.Where(s => !s.IsOutputHead).ToList()
            : sites.Where(s => options.Matches(s.Name, targets)).ToList();
        if (chosen.Count == 0)
        {
            string wanted = options.TargetPattern is not null ? $"pattern '{options.TargetPattern}'" : $"'{string.Join(",", targets)}'";
            string available = string.Join(", ", sites.Select(s => s.ShortName).Distinct());
            throw new ArgumentException($"LoRA targets {wanted} match no linear module of this {model.GetType().Name}; its linear modules are: {available} (or use all-linear).", nameof(options));
        }
        if (options.IsAllLinear) targets = chosen.Select(s => s.ShortName).Distinct().Order(StringComparer.Ordinal).ToArray();

        string[] modulesToSave = options.ModulesToSave ?? LinearSites.DefaultModulesToSave(model);
        foreach (var m in modulesToSave)
            if (!model.NamedModules().Any(n => n.Name == m || n.Name.EndsWith("." + m, StringComparison.Ordinal)))
                throw new ArgumentException($"LoRA modules_to_save: this {model.GetType().Name} has no module '{m}'.", nameof(options));

        // Freeze the base: only adapters (and the modules to save) learn.
        foreach (var (name, p) in model.NamedParameters())
        {
            p.RequiresGrad = IsInModules(name, modulesToSave);
            if (!p.RequiresGrad) p.Grad = null; // drop any buffer a previous full fine-tune left
        }

        foreach (var site in chosen) site.Layer.Attach(new LoraAdapter(adapterName, site, options, rng));
        state.Adapters[adapterName] = (options, targets, modulesToSave);
        SetActive(model, adapterName);
        return Summarize(model, adapterName);
    }

    /// <summary>Current figures for adapter <paramref name="adapterName"/>: its modules, its size, and what trains now.</summary>
    public static LoraSummary Summarize(Module model, string adapterName)
    {
        var adapters = AdaptersOf(model, adapterName).ToList();
        if (adapters.Count == 0) throw new ArgumentException($"the model has no LoRA adapter named '{adapterName}' (it has: {string.Join(", ", Names(model))}).", nameof(adapterName));
        var (options, _, _) = States.GetOrCreateValue(model).Adapters[adapterName];
        long adapterSize = adapters.Sum(a => (long)a.A.Data.Length + a.B.Data.Length);
        return new LoraSummary(adapterName, options, adapters.Select(a => a.ModuleName).ToArray(), adapterSize, model.TrainableParameterCount(), model.ParameterCount());
    }

    /// <summary>PEFT's default targets for the family when none are given (its <c>TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING</c>).</summary>
    public static string[] DefaultTargets(Module model) => model switch
    {
        Gpt { Config.Positions: PositionEncoding.Rotary } => ["q_proj", "v_proj"],
        Gpt => ["c_attn"],
        Bert => ["query", "value"],
        EncoderDecoder { Config.Family: EncoderDecoderFamily.T5 } => ["q", "v"],
        EncoderDecoder => ["q_proj", "v_proj"],
        _ => throw new ArgumentException($"no default LoRA targets for a {model.GetType().Name}; name them (targets=…).", nameof(model)),
    };

    /// <summary>Names of the adapters loaded on the model, in the order they were added.</summary>
    public static IReadOnlyList<string> Names(Module model) =>
        States.TryGetValue(model, out var s) ? s.Adapters.Keys.ToList() : [];

    /// <summary>The name of the active adapter, or null when the base model runs alone.</summary>
    public static string? ActiveName(Module model) => AllAdapters(model).FirstOrDefault(a => a.IsActive)?.AdapterName;

    /// <summary>The options adapter <paramref name="adapterName"/> was created with, its resolved target names and its modules to save.</summary>
    public static (LoraOptions Options, string[] Targets, string[] ModulesToSave) ConfigOf(Module model, string adapterName) =>
        States.TryGetValue(model, out var s) && s.Adapters.TryGetValue(adapterName, out var c) ? c
            : throw new ArgumentException($"the model has no LoRA adapter named '{adapterName}'.", nameof(adapterName));

    /// <summary>Every adapter on every linear layer of the model.</summary>
    public static IEnumerable<LoraAdapter> AllAdapters(Module model) =>
        model.NamedModules().Select(m => m.Module).OfType<Linear>().SelectMany(l => l.Adapters);

    /// <summary>The pieces of adapter <paramref name="adapterName"/>, one per targeted module.</summary>
    public static IEnumerable<LoraAdapter> AdaptersOf(Module model, string adapterName) =>
        AllAdapters(model).Where(a => a.AdapterName == adapterName);

    /// <summary>
    /// Makes <paramref name="adapterName"/> the one adapter the forward pass uses (null: none, the
    /// base model alone). Any merged adapter is unmerged first, as PEFT's <c>set_adapter</c> does.
    /// </summary>
    public static void SetActive(Module model, string? adapterName)
    {
        if (adapterName is not null && !Names(model).Contains(adapterName))
            throw new ArgumentException($"the model has no LoRA adapter named '{adapterName}' (it has: {string.Join(", ", Names(model))}).", nameof(adapterName));
        Unmerge(model);
        foreach (var a in AllAdapters(model)) a.IsActive = a.AdapterName == adapterName;
    }

    /// <summary>Adds the active adapter's ΔW into the base weights (no-op without one); the forward pass and the Generator then run the adapted model at base cost.</summary>
    public static void Merge(Module model)
    {
        foreach (var a in AllAdapters(model)) if (a.IsActive) a.Merge();
    }

    /// <summary>Takes every merged adapter out of the base weights again.</summary>
    public static void Unmerge(Module model)
    {
        foreach (var a in AllAdapters(model)) a.Unmerge();
    }

    /// <summary>Switches to <paramref name="adapterName"/> (null: the base model) and merges it, ready for the inference Generator, which reads the weights directly.</summary>
    public static void UseForGeneration(Module model, string? adapterName)
    {
        SetActive(model, adapterName);
        Merge(model);
    }

    /// <summary>Removes adapter <paramref name="adapterName"/> (unmerging it first); the base weights stay frozen.</summary>
    public static void Remove(Module model, string adapterName)
    {
        var adapters = AdaptersOf(model, adapterName).ToList();
        if (adapters.Count == 0) throw new ArgumentException($"the model has no LoRA adapter named '{adapterName}'.", nameof(adapterName));
        foreach (var a in adapters) { a.Unmerge(); a.Layer.Detach(a); }
        States.GetOrCreateValue(model).Adapters.Remove(adapterName);
    }

    /// <summary>Whether parameter <paramref name="parameterName"/> lies in one of <paramref name="modules"/> (a module name, or its dotted tail).</summary>
    internal static bool IsInModules(string parameterName, string[] modules)
    {
        int dot = parameterName.LastIndexOf('.');
        string module = dot < 0 ? "" : parameterName[..dot];
        foreach (var m in modules)
            if (module == m || module.EndsWith("." + m, StringComparison.Ordinal) || module.StartsWith(m + ".", StringComparison.Ordinal) || module.Contains("." + m + ".", StringComparison.Ordinal))
                return true;
        return false;
    }
}
