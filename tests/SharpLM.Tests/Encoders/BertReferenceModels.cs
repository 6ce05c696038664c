using SharpLM.Models;
using SharpLM.Tensors;

namespace SharpLM.Tests.Encoders;

/// <summary>Small BERTs with every parameter random (biases and LayerNorm too), and the batch the Hugging Face fixtures were run on.</summary>
public static class BertReferenceModels
{
    /// <summary>The shape of the parity models: 100 tokens, 2 layers × 32, 4 heads, MLP 48, 16 positions.</summary>
    public static readonly BertConfig Config = new()
    {
        VocabSize = 100, Width = 32, Layers = 2, Heads = 4, Intermediate = 48, MaxPositions = 16, Dropout = 0,
    };

    /// <summary>Labels of the classification fixtures.</summary>
    public static readonly string[] Labels = ["O", "B-TYPE", "I-TYPE", "B-PARAM", "I-PARAM"];

    /// <summary>A model of <paramref name="task"/> whose parameters are drawn from a fixed seed (γ around 1, everything else around 0).</summary>
    public static Bert Build(BertTask task)
    {
        var labels = task == BertTask.SequenceClassification ? Labels[..3] : task == BertTask.TokenClassification ? Labels : null;
        var model = new Bert(Config, task, seed: 7, labels);
        var rng = new Rng(1234);
        foreach (var (name, p) in model.NamedParameters())
        {
            bool gamma = name.EndsWith("LayerNorm.weight", StringComparison.Ordinal);
            rng.FillNormal(p.Data.Span, gamma ? 1f : 0f, gamma ? 0.2f : 0.3f);
        }
        return model;
    }

    /// <summary>Two rows: a sentence pair (segments 0 then 1) and a shorter single sentence padded with id 0.</summary>
    public static BertBatch Batch() => new(
        Ids: [2, 5, 17, 33, 3, 40, 41, 3, 2, 9, 8, 3, 0, 0, 0, 0],
        TypeIds: [0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        Lengths: [8, 4], B: 2, T: 8);
}
