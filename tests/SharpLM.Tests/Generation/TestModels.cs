using SharpLM.Models;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Tests.Generation;

/// <summary>Small models for generation tests, with every parameter randomized (biases, γ and β too, so a forgotten term shows).</summary>
internal static class TestModels
{
    public static GptConfig Tiny(int vocab = 61, int block = 24) => new()
    {
        VocabSize = vocab, BlockSize = block, Layers = 2, Heads = 4, Width = 32, VocabMultiple = 16,
    };

    /// <summary>A tiny LLaMA-style model (rotary, RMSNorm, SwiGLU with hidden 48, no biases, untied head).</summary>
    public static GptConfig TinyLlama(int vocab = 61, int block = 24) => Tiny(vocab, block).AsLlama() with { MlpHidden = 48, RopeTheta = 100f };

    public static Gpt Random(GptConfig config, ulong seed)
    {
        var model = new Gpt(config, seed);
        var rng = new Rng(seed + 1);
        foreach (var (name, p) in model.NamedParameters())
        {
            var s = p.Data.Span;
            if (name.EndsWith("alpha")) s[0] = 0.7f;
            else if (name.Contains("ln") && name.EndsWith("weight")) { rng.FillNormal(s, 1f, 0.2f); }
            else rng.FillNormal(s, 0f, name.EndsWith("bias") ? 0.1f : 0.3f);
        }
        // Padding rows beyond the real vocabulary get garbage: the generator must ignore them.
        var wte = model.OutputWeight.Data.Span;
        for (int i = config.VocabSize * config.Width; i < wte.Length; i++) wte[i] = 100f;
        return model;
    }
}
