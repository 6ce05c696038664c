using System.Numerics.Tensors;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Reshape: the same elements seen with a new shape (a view, no copy; one dim may be -1),
    /// e.g. <c>[B,T,C] → [B,T,H,D]</c> to split heads. Backward: dy reshaped back, added to dx.
    /// </summary>
    public static Variable Reshape(this Tape tape, Variable x, params int[] shape)
    {
        var y = x.Data.Reshape(shape);
        return tape.Record(y, r =>
        {
            var dx = x.GradBuffer(tape, out bool acc).Span;
            if (acc) TensorPrimitives.Add(dx, r.Grad!.Span, dx);
            else r.Grad!.Span.CopyTo(dx);
        }, x);
    }

    /// <summary>
    /// Permute: reorders dimensions into a new (copied) tensor — output dim i is input dim
    /// <paramref name="axes"/>[i], e.g. <c>[B,T,H,D] → (0,2,1,3) → [B,H,T,D]</c>.
    /// Backward: dy permuted by the inverse order, added to dx.
    /// </summary>
    public static Variable Permute(this Tape tape, Variable x, params int[] axes)
    {
        int rank = x.Data.Rank;
        if (axes.Length != rank || axes.Distinct().Count() != rank || axes.Any(a => a < 0 || a >= rank))
            throw new ArgumentException($"Permute: axes ({string.Join(",", axes)}) are not a permutation of 0..{rank - 1} for {x.Data}.", nameof(axes));
        var shape = new int[rank];
        for (int i = 0; i < rank; i++) shape[i] = x.Data.Dim(axes[i]);
        var y = tape.NewTensor(shape);
        PermuteInto(x.Data.Span, x.Data.Shape, axes, y.Span, accumulate: false);
        return tape.Record(y, r =>
        {
            var inverse = new int[rank];
            for (int i = 0; i < rank; i++) inverse[axes[i]] = i;
            var dx = x.GradBuffer(tape, out bool acc);
            PermuteInto(r.Grad!.Span, shape, inverse, dx.Span, acc);
        }, x);
    }

    /// <summary>dst (+)= src with dimensions reordered by <paramref name="axes"/>; copies innermost runs when contiguous.</summary>
    private static void PermuteInto(ReadOnlySpan<float> src, ReadOnlySpan<int> srcShape, int[] axes, Span<float> dst, bool accumulate)
    {
        int rank = axes.Length;
        if (src.Length == 0) return;
        var srcStrides = SharpLM.Tensors.Tensor.Strides(srcShape);
        var shape = new int[rank];
        var stride = new int[rank];
        for (int i = 0; i < rank; i++) { shape[i] = srcShape[axes[i]]; stride[i] = srcStrides[axes[i]]; }
        int inner = shape[rank - 1], innerStride = stride[rank - 1];
        var idx = new int[rank];
        for (int o = 0, d = 0; o < src.Length / inner; o++, d += inner)
        {
            int s = 0;
            for (int i = 0; i < rank - 1; i++) s += idx[i] * stride[i];
            var to = dst.Slice(d, inner);
            if (innerStride == 1)
            {
                if (accumulate) TensorPrimitives.Add(to, src.Slice(s, inner), to); else src.Slice(s, inner).CopyTo(to);
            }
            else if (accumulate) for (int j = 0; j < inner; j++) to[j] += src[s + j * innerStride];
            else for (int j = 0; j < inner; j++) to[j] = src[s + j * innerStride];
            for (int i = rank - 2; i >= 0; i--)
            {
                if (++idx[i] < shape[i]) break;
                idx[i] = 0;
            }
        }
    }
}
