namespace SharpLM.Models;

/// <summary>
/// T5's bucketed relative positions: the distance <c>key − query</c> is mapped to one of a few
/// buckets — exact for small distances, logarithmically wider up to a maximum distance, and
/// (in the bidirectional encoder) with separate halves for keys before and after the query.
/// The decoder is causal, so only keys at or before the query get distinct buckets.
/// </summary>
public static class EncoderDecoderRelativePositions
{
    /// <summary>
    /// The bucket of one relative position (<c>key − query</c>). Matches Mesh TensorFlow /
    /// Hugging Face's <c>_relative_position_bucket</c>, including its float32 logarithm.
    /// </summary>
    public static int Bucket(int relative, bool bidirectional, int buckets, int maxDistance)
    {
        int result = 0, n;
        if (bidirectional)
        {
            buckets /= 2;
            if (relative > 0) result += buckets;
            n = Math.Abs(relative);
        }
        else n = Math.Max(-relative, 0);
        int maxExact = buckets / 2;
        if (n < maxExact) return result + n;
        float scaled = MathF.Log(n / (float)maxExact) / MathF.Log(maxDistance / (float)maxExact) * (buckets - maxExact);
        return result + Math.Min(maxExact + (int)scaled, buckets - 1);
    }

    /// <summary>
    /// Buckets of every (query, key) pair <c>[Tq,Tk]</c>, row-major: query i sits at position
    /// <paramref name="queryStart"/> + i, key j at position j (a cached decode step has Tq = 1 and
    /// queryStart = the number of earlier tokens).
    /// </summary>
    public static int[] Buckets(int tq, int tk, int queryStart, bool bidirectional, int buckets, int maxDistance)
    {
        var result = new int[tq * tk];
        for (int i = 0; i < tq; i++)
            for (int j = 0; j < tk; j++)
                result[i * tk + j] = Bucket(j - (queryStart + i), bidirectional, buckets, maxDistance);
        return result;
    }
}
