using System.Numerics.Tensors;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Elementwise product <c>a ⊙ b</c> of same-shape tensors (gates, masks).
    /// Backward: <c>da = dy ⊙ b</c>, <c>db = dy ⊙ a</c>.
    /// </summary>
    public static Variable Multiply(this Tape tape, Variable a, Variable b)
    {
        if (!a.Data.SameShape(b.Data))
            throw new ArgumentException($"Multiply: shapes {a.Data} and {b.Data} differ.");
        var y = tape.NewTensor(a.Data.ShapeArray);
        TensorPrimitives.Multiply(a.Data.Span, b.Data.Span, y.Span);
        return tape.Record(y, r =>
        {
            var dy = r.Grad!.Span;
            if (a.RequiresGrad) MultiplyInto(a.GradBuffer(tape, out bool acc).Span, dy, b.Data.Span, acc);
            if (b.RequiresGrad) MultiplyInto(b.GradBuffer(tape, out bool acc).Span, dy, a.Data.Span, acc);
        }, a, b);
    }

    /// <summary>
    /// Multiplies every element by a constant <c>y = s·x</c> (e.g. residual scaling).
    /// Backward: <c>dx = s·dy</c>.
    /// </summary>
    public static Variable Scale(this Tape tape, Variable x, float s)
    {
        var y = tape.NewTensor(x.Data.ShapeArray);
        TensorPrimitives.Multiply(x.Data.Span, s, y.Span);
        return tape.Record(y, r =>
        {
            var dx = x.GradBuffer(tape, out bool acc).Span;
            if (acc) TensorPrimitives.MultiplyAdd(r.Grad!.Span, s, dx, dx);
            else TensorPrimitives.Multiply(r.Grad!.Span, s, dx);
        }, x);
    }

    /// <summary>dst (+)= p ⊙ q.</summary>
    private static void MultiplyInto(Span<float> dst, ReadOnlySpan<float> p, ReadOnlySpan<float> q, bool accumulate)
    {
        if (accumulate) TensorPrimitives.FusedMultiplyAdd(p, q, dst, dst);
        else TensorPrimitives.Multiply(p, q, dst);
    }
}
