using SharpLM.Kernels;
using System.Numerics.Tensors;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>Sum of all elements → a scalar <c>[1]</c> (accumulated in double). Backward: <c>dx = dy</c> everywhere.</summary>
    public static Variable Sum(this Tape tape, Variable x) => Total(tape, x, 1.0);

    /// <summary>Mean of all elements → a scalar <c>[1]</c>. Backward: <c>dx = dy / n</c> everywhere.</summary>
    public static Variable Mean(this Tape tape, Variable x) => Total(tape, x, 1.0 / Math.Max(1, x.Data.Length));

    /// <summary>
    /// Sum over one axis, which is removed: <c>[A, N, Z] → [A, Z]</c>. Backward: dy is repeated
    /// along the removed axis. With <paramref name="mean"/>, divides by N (and so does the backward).
    /// </summary>
    public static unsafe Variable SumAxis(this Tape tape, Variable x, int axis, bool mean = false)
    {
        int rank = x.Data.Rank;
        if (axis < 0) axis += rank;
        if (axis < 0 || axis >= rank) throw new ArgumentOutOfRangeException(nameof(axis), $"SumAxis: axis outside rank {rank} of {x.Data}.");
        int outer = 1, inner = 1, n = x.Data.Dim(axis);
        for (int i = 0; i < axis; i++) outer *= x.Data.Dim(i);
        for (int i = axis + 1; i < rank; i++) inner *= x.Data.Dim(i);
        float factor = mean ? 1f / Math.Max(1, n) : 1f;
        int[] shape = [.. x.Data.ShapeArray[..axis], .. x.Data.ShapeArray[(axis + 1)..]];
        var y = tape.NewTensor(shape.Length == 0 ? [1] : shape);
        for (int o = 0; o < outer; o++)
        {
            Reductions.SumColumns(x.Data.Pointer + (long)o * n * inner, n, inner, y.Pointer + (long)o * inner, accumulate: false);
            if (mean) TensorPrimitives.Multiply(y.Span.Slice(o * inner, inner), factor, y.Span.Slice(o * inner, inner));
        }
        return tape.Record(y, r =>
        {
            var dx = x.GradOrZeros(tape).Span;
            var dy = r.Grad!.Span;
            for (int o = 0; o < outer; o++)
                for (int k = 0; k < n; k++)
                {
                    var to = dx.Slice((o * n + k) * inner, inner);
                    TensorPrimitives.MultiplyAdd(dy.Slice(o * inner, inner), factor, to, to);
                }
        }, x);
    }

    private static Variable Total(Tape tape, Variable x, double factor)
    {
        var y = tape.NewTensor([1]);
        y[0] = (float)(Reductions.Sum(x.Data.Span) * factor);
        return tape.Record(y, r =>
        {
            var dx = x.GradOrZeros(tape).Span;
            TensorPrimitives.Add(dx, (float)(r.Grad![0] * factor), dx);
        }, x);
    }
}
