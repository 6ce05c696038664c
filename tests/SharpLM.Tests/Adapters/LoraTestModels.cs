using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Nn;
using SharpLM.Tensors;

namespace SharpLM.Tests.Adapters;

/// <summary>Tiny models of every family for the LoRA tests, and helpers to read their weights.</summary>
internal static class LoraTestModels
{
    public static GptConfig Gpt2() => new() { VocabSize = 23, BlockSize = 12, Layers = 2, Heads = 2, Width = 16, VocabMultiple = 8 };

    public static GptConfig Llama() => Gpt2().AsLlama() with { KvHeads = 1, MlpHidden = 24, RopeTheta = 100f };

    public static BertConfig Bert() => new() { VocabSize = 20, Width = 8, Layers = 2, Heads = 2, Intermediate = 12, MaxPositions = 8, Dropout = 0 };

    public static EncoderDecoderConfig T5() =>
        EncoderDecoderConfig.Preset("t5-tiny", 23) with { Width = 8, Heads = 2, HeadSize = 3, FeedForwardWidth = 12, EncoderLayers = 2, DecoderLayers = 2, RelativeBuckets = 8, RelativeMaxDistance = 16 };

    public static int[] Ids(int n, int vocab, ulong seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, n).Select(_ => rng.NextInt(vocab)).ToArray();
    }

    /// <summary>A copy of every parameter's values, by name.</summary>
    public static Dictionary<string, float[]> Snapshot(Module model) =>
        model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Data.ToArray());

    /// <summary>Gives every adapter's B random values (B starts at zero, which would make the adapter a no-op).</summary>
    public static void RandomizeB(Module model, ulong seed, float std = 0.2f)
    {
        var rng = new Rng(seed);
        foreach (var a in SharpLM.Adapters.Lora.AllAdapters(model)) rng.FillNormal(a.B.Data.Span, 0, std);
    }

    public static float[] Logits(Gpt model, int[] ids, int b, int t) =>
        model.Forward(new Tape(recordGradients: false) { Training = false }, ids, b, t).Data.ToArray();
}
