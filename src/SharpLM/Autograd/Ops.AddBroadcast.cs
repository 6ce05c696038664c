using SharpLM.Kernels;
using SharpLM.Tensors;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// <c>a + b</c> where b's shape is a trailing part of a's (leading 1s allowed), repeated over
    /// a's leading dims — e.g. token embeddings <c>[B,T,C]</c> + position embeddings <c>[T,C]</c>.
    /// Backward: <c>da = dy</c>; <c>db = Σ over the repeated leading dims of dy</c>.
    /// </summary>
    public static unsafe Variable AddBroadcast(this Tape tape, Variable a, Variable b)
    {
        var aShape = a.Data.Shape;
        var bShape = b.Data.Shape;
        int lead = 0;
        while (lead < bShape.Length - 1 && bShape[lead] == 1) lead++;
        var core = bShape[lead..];
        bool ok = core.Length <= aShape.Length;
        for (int i = 0; ok && i < core.Length; i++) ok = core[i] == aShape[aShape.Length - core.Length + i];
        if (!ok)
            throw new ArgumentException($"AddBroadcast: b {b.Data} must match the trailing dimensions of a {a.Data}.", nameof(b));
        int inner = b.Data.Length, outer = inner == 0 ? 0 : a.Data.Length / inner;

        var y = tape.NewTensor(a.Data.ShapeArray);
        var bs = b.Data.Span;
        var as_ = a.Data.Span;
        var ys = y.Span;
        for (int o = 0; o < outer; o++)
            System.Numerics.Tensors.TensorPrimitives.Add(as_.Slice(o * inner, inner), bs, ys.Slice(o * inner, inner));

        return tape.Record(y, r =>
        {
            var dy = r.Grad!;
            if (a.RequiresGrad)
            {
                var da = a.GradBuffer(tape, out bool acc);
                if (acc) System.Numerics.Tensors.TensorPrimitives.Add(da.Span, dy.Span, da.Span);
                else dy.Span.CopyTo(da.Span);
            }
            if (b.RequiresGrad)
            {
                var db = b.GradBuffer(tape, out bool acc);
                Reductions.SumColumns(dy.Pointer, outer, inner, db.Pointer, acc);
            }
        }, a, b);
    }
}
