using SharpLM.Kernels;
using SharpLM.Tensors;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Rotary position embedding (RoPE) on <c>x [B,T,W]</c>: the first <paramref name="rotatedHeads"/>
    /// heads of <paramref name="headSize"/> channels of each row (position t = its index in T) are
    /// rotated pairwise, channel i with i + D/2 (Hugging Face's rotate-half), by the angles in
    /// <paramref name="cos"/>/<paramref name="sin"/> <c>[≥T, D/2]</c>; the remaining channels pass through
    /// (so a fused qkv rotates q and k and keeps v). Backward rotates the gradient back (by −angle).
    /// </summary>
    public static unsafe Variable Rope(this Tape tape, Variable x, int headSize, int rotatedHeads, Tensor cos, Tensor sin)
    {
        if (x.Data.Rank != 3) throw new ArgumentException($"Rope: x must be [B,T,W], got {x.Data}.", nameof(x));
        int b = x.Data.Dim(0), t = x.Data.Dim(1), w = x.Data.Dim(2);
        if (headSize < 2 || headSize % 2 != 0) throw new ArgumentException($"Rope: head size must be even and ≥ 2, got {headSize}.", nameof(headSize));
        if (rotatedHeads < 0 || (long)rotatedHeads * headSize > w)
            throw new ArgumentException($"Rope: {rotatedHeads} heads of {headSize} channels do not fit in rows of {w}.", nameof(rotatedHeads));
        int half = headSize / 2;
        if (cos.Rank != 2 || cos.Dim(1) != half || !cos.SameShape(sin))
            throw new ArgumentException($"Rope: cos {cos} and sin {sin} must both be [positions, {half}].", nameof(cos));
        if (cos.Dim(0) < t) throw new ArgumentException($"Rope: sequence length {t} exceeds the {cos.Dim(0)} positions of the rotary table.", nameof(x));

        var y = tape.NewTensor([b, t, w]);
        float* xp = x.Data.Pointer, yp = y.Pointer, cp = cos.Pointer, sp = sin.Pointer;
        int rotated = rotatedHeads * headSize;
        int rowsPerChunk = Math.Max(1, 16384 / Math.Max(1, w));
        Run(xp, yp, inverse: false);

        return tape.Record(y, r =>
        {
            var dx = x.GradBuffer(tape, out bool acc);
            float* dyp = r.Grad!.Pointer, dxp = dx.Pointer;
            if (!acc) { Run(dyp, dxp, inverse: true); return; }
            var tmp = tape.NewTensor([b, t, w]);
            Run(dyp, tmp.Pointer, inverse: true);
            System.Numerics.Tensors.TensorPrimitives.Add(dx.Span, tmp.Span, dx.Span);
        }, x);

        // Every row of [B·T] rotated (position = row mod T); the channels past the rotated heads copied.
        void Run(float* src, float* dst, bool inverse) => KernelThreads.For(b * t, (s, e) =>
        {
            for (int row = s; row < e; row++)
            {
                float* xr = src + (long)row * w, yr = dst + (long)row * w;
                RopeKernel.Apply(xr, yr, 1, w, rotatedHeads, headSize, cp, sp, row % t, inverse);
                if (rotated < w) new ReadOnlySpan<float>(xr + rotated, w - rotated).CopyTo(new Span<float>(yr + rotated, w - rotated));
            }
        }, rowsPerChunk);
    }
}
