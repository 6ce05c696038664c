using SharpLM.Tensors;

namespace SharpLM.Models;

/// <summary>
/// Fixed sinusoidal position encodings (Vaswani et al. 2017): position p, channel pair i gets
/// <c>sin(p / 10000^(2i/C))</c> and <c>cos(p / 10000^(2i/C))</c>, so every position has a
/// unique pattern and relative offsets are linear functions of it. Nothing is learned.
/// </summary>
public static class SinusoidalPositions
{
    /// <summary>The table <c>[positions, width]</c>: even channels sine, odd channels cosine.</summary>
    public static Tensor Create(int positions, int width)
    {
        var t = new Tensor(positions, width);
        var s = t.Span;
        for (int p = 0; p < positions; p++)
            for (int i = 0; i < width / 2; i++)
            {
                double angle = p / Math.Pow(10000.0, 2.0 * i / width);
                s[p * width + 2 * i] = (float)Math.Sin(angle);
                s[p * width + 2 * i + 1] = (float)Math.Cos(angle);
            }
        return t;
    }
}
