using System.Text.RegularExpressions;
using SharpLM.Models;
using SharpLM.Nn;

namespace SharpLM.Adapters;

/// <summary>
/// One Hugging Face linear module of a model, as PEFT sees it: its module name (e.g.
/// <c>transformer.h.0.attn.c_attn</c>, <c>model.layers.0.self_attn.q_proj</c>,
/// <c>bert.encoder.layer.0.attention.self.query</c>, <c>encoder.block.0.layer.0.SelfAttention.q</c>),
/// the <see cref="Linear"/> that computes it and the rows of that layer's output it owns (all of them,
/// except for LLaMA's q/k/v, which our decoder fuses into one <c>c_attn</c>).
/// <see cref="IsOutputHead"/> marks the layer <c>all-linear</c> leaves out (the LM head, a classifier head).
/// </summary>
public sealed record LinearSite(string Name, Linear Layer, int RowOffset, int Rows, bool IsOutputHead)
{
    /// <summary>The last part of the module name (<c>c_attn</c>, <c>q_proj</c>, <c>query</c>), which target lists usually name.</summary>
    public string ShortName => Name[(Name.LastIndexOf('.') + 1)..];
}

/// <summary>
/// Lists a model's linear modules under their Hugging Face names, family by family: GPT-2
/// (<c>GPT2LMHeadModel</c>: <c>transformer.</c> + our names), LLaMA (<c>LlamaForCausalLM</c>: our fused
/// <c>c_attn</c> becomes <c>q_proj</c>/<c>k_proj</c>/<c>v_proj</c>, <c>c_proj</c> <c>o_proj</c>, the MLP
/// <c>gate_proj</c>/<c>up_proj</c>/<c>down_proj</c>), BERT and T5/BART (our names are already theirs).
/// </summary>
public static partial class LinearSites
{
    /// <summary>Every linear module of <paramref name="model"/>, in a fixed order.</summary>
    public static IReadOnlyList<LinearSite> Of(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var sites = new List<LinearSite>();
        foreach (var (name, module) in model.NamedModules())
        {
            if (module is not Linear linear) continue;
            switch (model)
            {
                case Gpt { Config.Positions: PositionEncoding.Rotary } llama: AddLlama(sites, llama.Config, name, linear); break;
                case Gpt: sites.Add(new(name == "lm_head" ? name : "transformer." + name, linear, 0, linear.OutFeatures, name == "lm_head")); break;
                case Bert: sites.Add(new(name, linear, 0, linear.OutFeatures, name == "classifier")); break;
                default: sites.Add(new(name, linear, 0, linear.OutFeatures, name == "lm_head")); break;
            }
        }
        return sites;
    }

    /// <summary>PEFT's <c>task_type</c> for the model: CAUSAL_LM, SEQ_CLS, TOKEN_CLS, SEQ_2_SEQ_LM or FEATURE_EXTRACTION.</summary>
    public static string TaskType(Module model) => model switch
    {
        Gpt => "CAUSAL_LM",
        Bert { Task: BertTask.SequenceClassification } => "SEQ_CLS",
        Bert { Task: BertTask.TokenClassification } => "TOKEN_CLS",
        EncoderDecoder => "SEQ_2_SEQ_LM",
        _ => "FEATURE_EXTRACTION",
    };

    /// <summary>Modules a task trains in full beside the adapters and saves in the adapter file (PEFT's <c>modules_to_save</c>): a classifier head, which starts untrained.</summary>
    public static string[] DefaultModulesToSave(Module model) =>
        model is Bert { Task: BertTask.SequenceClassification or BertTask.TokenClassification } ? ["classifier"] : [];

    private static void AddLlama(List<LinearSite> sites, GptConfig config, string name, Linear linear)
    {
        if (name == "lm_head") { sites.Add(new(name, linear, 0, linear.OutFeatures, true)); return; }
        var m = BlockLinear().Match(name);
        if (!m.Success) { sites.Add(new(name, linear, 0, linear.OutFeatures, false)); return; }
        string layer = $"model.layers.{m.Groups[1].Value}.";
        switch (m.Groups[2].Value)
        {
            case "attn.c_attn":
                int q = config.Heads * config.HeadSize, kv = config.KvWidth;
                sites.Add(new(layer + "self_attn.q_proj", linear, 0, q, false));
                sites.Add(new(layer + "self_attn.k_proj", linear, q, kv, false));
                sites.Add(new(layer + "self_attn.v_proj", linear, q + kv, kv, false));
                break;
            case "attn.c_proj": sites.Add(new(layer + "self_attn.o_proj", linear, 0, linear.OutFeatures, false)); break;
            case "mlp.c_fc": sites.Add(new(layer + "mlp.up_proj", linear, 0, linear.OutFeatures, false)); break;
            case "mlp.c_proj": sites.Add(new(layer + "mlp.down_proj", linear, 0, linear.OutFeatures, false)); break;
            case "mlp.gate": sites.Add(new(layer + "mlp.gate_proj", linear, 0, linear.OutFeatures, false)); break;
        }
    }

    [GeneratedRegex(@"^h\.(\d+)\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj|mlp\.gate)$")]
    private static partial Regex BlockLinear();
}
