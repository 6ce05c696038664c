using SharpLM.Tensors;
using System.Numerics.Tensors;

namespace SharpLM.Autograd;

/// <summary>Differentiable operations; each file adds one op and its backward.</summary>
public static partial class Ops
{
    /// <summary>
    /// Elementwise sum <c>a + b</c> with the same shape — the residual connection
    /// <c>x + sublayer(x)</c>. Backward: the gradient flows unchanged to both inputs.
    /// </summary>
    public static Variable Add(this Tape tape, Variable a, Variable b)
    {
        if (!a.Data.SameShape(b.Data))
            throw new ArgumentException($"Add: shapes {a.Data} and {b.Data} differ (use AddBroadcast for broadcasting).");
        var y = tape.NewTensor(a.Data.ShapeArray);
        TensorPrimitives.Add(a.Data.Span, b.Data.Span, y.Span);
        return tape.Record(y, result =>
        {
            var g = result.Grad!.Span;
            if (a.RequiresGrad) AddInto(a.GradBuffer(tape, out bool acc).Span, g, acc);
            if (b.RequiresGrad) AddInto(b.GradBuffer(tape, out bool acc).Span, g, acc);
        }, a, b);
    }

    /// <summary>dst (+)= g: a copy when dst is a fresh gradient buffer, else a sum.</summary>
    private static void AddInto(Span<float> dst, ReadOnlySpan<float> g, bool accumulate)
    {
        if (accumulate) TensorPrimitives.Add(dst, g, dst);
        else g.CopyTo(dst);
    }
}
