using SharpLM.Tensors;
using System.Numerics.Tensors;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Dropout, a regularizer: during training each element is zeroed with probability
    /// <paramref name="p"/> and the survivors scaled by 1/(1−p) ("inverted" dropout, so nothing
    /// changes at evaluation). The mask comes from <paramref name="rng"/> (seeded). Identity (the
    /// same variable) when <see cref="Tape.Training"/> is false or p = 0. Backward: <c>dx = dy·mask</c>.
    /// </summary>
    public static Variable Dropout(this Tape tape, Variable x, float p, Rng rng)
    {
        if (!(p >= 0f && p < 1f)) throw new ArgumentOutOfRangeException(nameof(p), $"Dropout: probability must be in [0, 1), got {p}.");
        if (!tape.Training || p == 0f) return x;
        var mask = tape.NewTensor(x.Data.ShapeArray);
        FillMask(mask.Span, p, rng);
        var y = tape.NewTensor(x.Data.ShapeArray);
        TensorPrimitives.Multiply(x.Data.Span, mask.Span, y.Span);
        return tape.Record(y, r =>
        {
            var dx = x.GradBuffer(tape, out bool acc);
            if (acc) TensorPrimitives.FusedMultiplyAdd(r.Grad!.Span, mask.Span, dx.Span, dx.Span);
            else TensorPrimitives.Multiply(r.Grad!.Span, mask.Span, dx.Span);
        }, x);
    }

    /// <summary>mask[i] = 0 with probability p, else 1/(1−p); two 32-bit draws per random number.</summary>
    private static void FillMask(Span<float> mask, float p, Rng rng)
    {
        uint threshold = (uint)Math.Min(uint.MaxValue, (double)p * 4294967296.0);
        float keep = 1f / (1f - p);
        int i = 0;
        for (; i + 1 < mask.Length; i += 2)
        {
            ulong bits = rng.NextUInt64();
            mask[i] = (uint)bits < threshold ? 0f : keep;
            mask[i + 1] = (uint)(bits >> 32) < threshold ? 0f : keep;
        }
        if (i < mask.Length) mask[i] = (uint)rng.NextUInt64() < threshold ? 0f : keep;
    }
}
