using SharpLM.Models;
using SharpLM.Nn;

namespace SharpLM.Adapters;

/// <summary>
/// Freezing: parameters that do not require a gradient get no gradient buffer in backward and, when
/// the optimizer is built from <see cref="Module.TrainableParameters"/>, no AdamW moments. Chosen by
/// <see cref="NamePattern"/>s over the model's parameter names — e.g. train only the last N blocks, the
/// final norm and the head, as LLMs-from-scratch's classifier does (<see cref="TrainOnlyLastBlocks"/>).
/// </summary>
public static class Freezing
{
    /// <summary>Freezes every parameter matching one of <paramref name="patterns"/>; returns how many were frozen. Throws when a pattern matches nothing.</summary>
    public static int Freeze(this Module model, params string[] patterns) => Set(model, patterns, trainable: false);

    /// <summary>Makes every parameter matching one of <paramref name="patterns"/> trainable again; returns how many.</summary>
    public static int Unfreeze(this Module model, params string[] patterns) => Set(model, patterns, trainable: true);

    /// <summary>Freezes everything except the parameters matching <paramref name="patterns"/>, which become trainable; returns how many train.</summary>
    public static int FreezeAllExcept(this Module model, params string[] patterns)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var (_, p) in model.NamedParameters()) { p.RequiresGrad = false; p.Grad = null; }
        return patterns.Length == 0 ? 0 : Set(model, patterns, trainable: true);
    }

    /// <summary>
    /// The patterns that name the last <paramref name="blocks"/> transformer blocks, the final norm and the
    /// head of <paramref name="model"/>: GPT <c>h.N</c>, <c>ln_f</c>, <c>lm_head</c> (a tied head is the token
    /// embedding and stays frozen); BERT <c>bert.encoder.layer.N</c>, the pooler and the task heads; T5/BART the
    /// last decoder layers, the decoder's final norm and <c>lm_head</c>.
    /// </summary>
    public static string[] LastBlocksPatterns(Module model, int blocks)
    {
        ArgumentNullException.ThrowIfNull(model);
        IEnumerable<string> Range(string prefix, int count) =>
            blocks < 0 || blocks > count
                ? throw new ArgumentOutOfRangeException(nameof(blocks), $"the model has {count} blocks; cannot train the last {blocks}.")
                : Enumerable.Range(count - blocks, blocks).Select(l => $"{prefix}{l}");
        return model switch
        {
            Gpt g => [.. Range("h.", g.Config.Layers), "ln_f", .. g.LmHead is null ? Array.Empty<string>() : ["lm_head"]],
            Bert b => [.. Range("bert.encoder.layer.", b.Config.Layers), "bert.pooler", "cls", "classifier"],
            EncoderDecoder e => [.. Range(e.Config.Family == EncoderDecoderFamily.T5 ? "decoder.block." : "model.decoder.layers.", e.Config.DecoderLayers),
                e.Config.Family == EncoderDecoderFamily.T5 ? "decoder.final_layer_norm" : "model.decoder.layernorm_embedding", "lm_head", "final_logits_bias"],
            _ => throw new ArgumentException($"no block layout known for a {model.GetType().Name}; freeze by name patterns instead.", nameof(model)),
        };
    }

    /// <summary>Freezes everything but the last <paramref name="blocks"/> blocks, the final norm and the head; returns how many parameter tensors train.</summary>
    public static int TrainOnlyLastBlocks(this Module model, int blocks)
    {
        var patterns = LastBlocksPatterns(model, blocks);
        // Some heads are absent in a given task (no pooler, no MLM head): only patterns that name something count.
        var present = patterns.Where(p => model.NamedParameters().Any(n => new NamePattern(p).Matches(n.Name))).ToArray();
        return model.FreezeAllExcept(present);
    }

    private static int Set(Module model, string[] patterns, bool trainable)
    {
        ArgumentNullException.ThrowIfNull(model);
        var compiled = patterns.Select(p => new NamePattern(p)).ToArray();
        var all = model.NamedParameters().ToList();
        foreach (var p in compiled)
            if (!all.Any(n => p.Matches(n.Name)))
                throw new ArgumentException($"parameter pattern '{p}' matches no parameter of this {model.GetType().Name} (names look like '{all.FirstOrDefault().Name}').", nameof(patterns));
        int count = 0;
        foreach (var (name, parameter) in all)
        {
            if (!NamePattern.Any(compiled, name)) continue;
            parameter.RequiresGrad = trainable;
            if (!trainable) parameter.Grad = null;
            count++;
        }
        return count;
    }
}
