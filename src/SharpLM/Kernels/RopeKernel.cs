using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SharpLM.Kernels;

/// <summary>
/// Rotary position embedding (RoPE) applied to rows of attention heads, rotate-half pairing:
/// within a head of D channels, channel i and channel i + D/2 form a pair rotated by the angle
/// of position p, <c>(a, b) → (a·cos − b·sin, b·cos + a·sin)</c>. The cos/sin tables hold
/// <c>[positions, D/2]</c>. The inverse rotation (sin negated) is the backward pass, because a
/// rotation's transpose is its inverse. In place is allowed (<c>y == x</c>).
/// </summary>
public static unsafe class RopeKernel
{
    /// <summary>
    /// Rotates <paramref name="rows"/> rows (row r at position <paramref name="position0"/> + r, rows
    /// <paramref name="ld"/> floats apart in both x and y): in each, <paramref name="heads"/> consecutive heads of
    /// <paramref name="d"/> channels starting at the row's first float. <paramref name="inverse"/> rotates by −angle.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(float* x, float* y, int rows, long ld, int heads, int d, float* cos, float* sin, int position0, bool inverse)
    {
        int half = d / 2;
        for (int r = 0; r < rows; r++)
        {
            long p = position0 + r;
            float* c = cos + p * half, s = sin + p * half;
            for (int h = 0; h < heads; h++)
                Head(x + r * ld + h * d, y + r * ld + h * d, half, c, s, inverse);
        }
    }

    /// <summary>One head: pairs (i, i + half) of <paramref name="x"/> rotated into <paramref name="y"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Head(float* x, float* y, int half, float* c, float* s, bool inverse)
    {
        float* xa = x, xb = x + half, ya = y, yb = y + half;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= half - 16; i += 16)
            {
                var a = Vector512.Load(xa + i); var b = Vector512.Load(xb + i);
                var cv = Vector512.Load(c + i); var sv = Vector512.Load(s + i);
                if (inverse) sv = -sv;
                (a * cv - b * sv).Store(ya + i);
                (b * cv + a * sv).Store(yb + i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= half - 8; i += 8)
            {
                var a = Vector256.Load(xa + i); var b = Vector256.Load(xb + i);
                var cv = Vector256.Load(c + i); var sv = Vector256.Load(s + i);
                if (inverse) sv = -sv;
                (a * cv - b * sv).Store(ya + i);
                (b * cv + a * sv).Store(yb + i);
            }
        }
        for (; i < half; i++)
        {
            float a = xa[i], b = xb[i], cv = c[i], sv = inverse ? -s[i] : s[i];
            ya[i] = a * cv - b * sv;
            yb[i] = b * cv + a * sv;
        }
    }
}
