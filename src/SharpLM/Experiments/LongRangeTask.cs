using SharpLM.Tensors;

namespace SharpLM.Experiments;

/// <summary>
/// The long-range recall task: a key token, then <c>k</c> distractor tokens, then a query token; the model must
/// answer the key. The dependency distance is <c>k + 1</c> steps, the knob of the long-range experiment; chance
/// accuracy is 1 / <see cref="Keys"/>.
/// </summary>
public sealed class LongRangeTask
{
    /// <summary>Number of distinct keys (chance = 1/Keys).</summary>
    public const int Keys = 8;

    /// <summary>Number of distinct distractor tokens.</summary>
    public const int Distractors = 16;

    /// <summary>The query token id.</summary>
    public const int Query = Keys + Distractors;

    /// <summary>Vocabulary size: keys, distractors, query.</summary>
    public const int VocabSize = Query + 1;

    /// <summary>Fills <paramref name="ids"/> <c>[B, k+2]</c> with examples and <paramref name="targets"/> with −1 except the key at each query position.</summary>
    public static void Sample(Rng rng, int batch, int k, int[] ids, int[] targets)
    {
        int t = k + 2;
        for (int b = 0; b < batch; b++)
        {
            int o = b * t, key = rng.NextInt(Keys);
            ids[o] = key;
            for (int j = 1; j <= k; j++) ids[o + j] = Keys + rng.NextInt(Distractors);
            ids[o + t - 1] = Query;
            for (int j = 0; j < t; j++) targets[o + j] = -1;
            targets[o + t - 1] = key;
        }
    }
}
