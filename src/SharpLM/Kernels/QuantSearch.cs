using System.Runtime.CompilerServices;

namespace SharpLM.Kernels;

/// <summary>
/// The scale searches behind ggml's K-quant reference quantizers, re-derived so SharpLM
/// writes the same blocks as llama.cpp: a weighted least-squares fit of scale and minimum for
/// unsigned levels (Q4_K sub-blocks) and of a symmetric scale for signed levels (Q6_K), each
/// trying a few nearby inverse scales and keeping the best.
/// </summary>
internal static class QuantSearch
{
    /// <summary>Below this largest magnitude a group counts as all zero.</summary>
    private const float GroupMaxEpsilon = 1e-15f;

    /// <summary>Round to nearest, ties to even (ggml's magic-number rounding; exact for |x| &lt; 2^22).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int NearestInt(float x) => (int)MathF.Round(x, MidpointRounding.ToEven);

    /// <summary>
    /// Levels 0..<paramref name="levelMax"/> and (scale, min) so that x ≈ scale·level − min, minimizing the
    /// <paramref name="weights"/>-weighted squared error over <paramref name="steps"/>+1 trial inverse scales
    /// (nmax + <paramref name="rangeStart"/> + <paramref name="rangeStep"/>·s)/(max − min). Returns the scale; the
    /// minimum is returned as a positive offset (x ≈ scale·l − offset).
    /// </summary>
    public static float ScaleAndMin(ReadOnlySpan<float> x, ReadOnlySpan<float> weights, int levelMax, Span<byte> levels, Span<byte> trial,
        out float minOffset, float rangeStart, float rangeStep, int steps)
    {
        int n = x.Length;
        float min = x[0], max = x[0], sumW = weights[0], sumX = sumW * x[0];
        for (int i = 1; i < n; i++)
        {
            if (x[i] < min) min = x[i];
            if (x[i] > max) max = x[i];
            float w = weights[i];
            sumW += w;
            sumX += w * x[i];
        }
        if (min > 0) min = 0;
        if (max == min)
        {
            levels.Slice(0, n).Clear();
            minOffset = -min;
            return 0f;
        }
        float iscale = levelMax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++)
        {
            int l = Math.Clamp(NearestInt(iscale * (x[i] - min)), 0, levelMax);
            levels[i] = (byte)l;
            float diff = scale * l + min - x[i];
            bestError += weights[i] * (diff * diff);
        }
        for (int s = 0; s <= steps; s++)
        {
            iscale = (rangeStart + rangeStep * s + levelMax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++)
            {
                int l = Math.Clamp(NearestInt(iscale * (x[i] - min)), 0, levelMax);
                trial[i] = (byte)l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det <= 0) continue;
            float thisScale = (sumW * sumXL - sumX * sumL) / det;
            float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
            if (thisMin > 0)
            {
                thisMin = 0;
                thisScale = sumXL / sumL2;
            }
            float error = 0;
            for (int i = 0; i < n; i++)
            {
                float diff = thisScale * trial[i] + thisMin - x[i];
                error += weights[i] * (diff * diff);
            }
            if (error < bestError)
            {
                trial.Slice(0, n).CopyTo(levels);
                bestError = error;
                scale = thisScale;
                min = thisMin;
            }
        }
        minOffset = -min;
        return scale;
    }

    /// <summary>
    /// Signed levels in [−nmax, nmax) stored offset by nmax, and the scale, for x ≈ scale·(L − nmax):
    /// starts from the element of largest magnitude mapping to −nmax, fits the x²-weighted least-squares
    /// scale, and tries 18 nearby inverse scales, keeping the best fit.
    /// </summary>
    public static float SymmetricScale(ReadOnlySpan<float> x, int nmax, Span<sbyte> levels)
    {
        int n = x.Length;
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++)
        {
            float ax = MathF.Abs(x[i]);
            if (ax > amax) { amax = ax; max = x[i]; }
        }
        if (amax < GroupMaxEpsilon)
        {
            levels.Slice(0, n).Clear();
            return 0f;
        }
        float iscale = -nmax / max;
        float sumLX = 0, sumL2 = 0;
        for (int i = 0; i < n; i++)
        {
            int l = Math.Clamp(NearestInt(iscale * x[i]), -nmax, nmax - 1);
            levels[i] = (sbyte)(l + nmax);
            float w = x[i] * x[i];
            sumLX += w * x[i] * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0.0f;
        float best = scale * sumLX;
        for (int s = -9; s <= 9; s++)
        {
            if (s == 0) continue;
            iscale = -(nmax + 0.1f * s) / max;
            sumLX = sumL2 = 0;
            for (int i = 0; i < n; i++)
            {
                int l = Math.Clamp(NearestInt(iscale * x[i]), -nmax, nmax - 1);
                float w = x[i] * x[i];
                sumLX += w * x[i] * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2)
            {
                for (int i = 0; i < n; i++) levels[i] = (sbyte)(nmax + Math.Clamp(NearestInt(iscale * x[i]), -nmax, nmax - 1));
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }
}
