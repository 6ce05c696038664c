using SharpLM.Kernels;
using System.Numerics.Tensors;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Dynamic Tanh (DyT), a normalization-free replacement for LayerNorm:
    /// <c>y = γ·tanh(α·x) + β</c> with x <c>[..., C]</c>, a learnable scalar α <c>[1]</c>, γ and β <c>[C]</c>.
    /// Backward (t = tanh(αx), u = dy·γ·(1−t²)): <c>dx = α·u</c>, <c>dα = Σ u·x</c>, <c>dγ = Σ dy·t</c>, <c>dβ = Σ dy</c>.
    /// </summary>
    public static unsafe Variable DyT(this Tape tape, Variable x, Variable alpha, Variable gamma, Variable beta)
    {
        int c = x.Data.Dim(-1), rows = x.Data.Length / Math.Max(1, c);
        alpha.Data.ExpectShape("DyT alpha", 1);
        gamma.Data.ExpectShape("DyT gamma", c);
        beta.Data.ExpectShape("DyT beta", c);
        float a = alpha.Data[0];
        var t = tape.NewTensor(x.Data.ShapeArray);
        TensorPrimitives.Multiply(x.Data.Span, a, t.Span);
        Activations.Tanh(t.Pointer, t.Pointer, t.Length);
        var y = tape.NewTensor(x.Data.ShapeArray);
        var g = gamma.Data.Span; var b = beta.Data.Span;
        for (int r = 0; r < rows; r++)
            TensorPrimitives.FusedMultiplyAdd(t.Span.Slice(r * c, c), g, b, y.Span.Slice(r * c, c));

        return tape.Record(y, res =>
        {
            var dy = res.Grad!;
            var tmp = tape.NewTensor(x.Data.ShapeArray);
            if (gamma.RequiresGrad)
            {
                TensorPrimitives.Multiply(dy.Span, t.Span, tmp.Span);
                var dg = gamma.GradBuffer(tape, out bool acc);
                Reductions.SumColumns(tmp.Pointer, rows, c, dg.Pointer, acc);
            }
            if (beta.RequiresGrad)
            {
                var db = beta.GradBuffer(tape, out bool acc);
                Reductions.SumColumns(dy.Pointer, rows, c, db.Pointer, acc);
            }
            if (!x.RequiresGrad && !alpha.RequiresGrad) return;
            var u = tmp.Span;                                   // u = dy·γ·(1 − t²)
            TensorPrimitives.Multiply(t.Span, t.Span, u);
            TensorPrimitives.Subtract(1f, u, u);
            for (int r = 0; r < rows; r++)
            {
                var ur = u.Slice(r * c, c);
                TensorPrimitives.Multiply(ur, dy.Span.Slice(r * c, c), ur);
                TensorPrimitives.Multiply(ur, gamma.Data.Span, ur);
            }
            if (alpha.RequiresGrad)
            {
                double sum = 0;
                var xs = x.Data.Span;
                for (int r = 0; r < rows; r++) sum += TensorPrimitives.Dot(u.Slice(r * c, c), xs.Slice(r * c, c));
                alpha.GradOrZeros(tape)[0] += (float)sum;
            }
            if (x.RequiresGrad)
            {
                var dx = x.GradBuffer(tape, out bool acc).Span;
                if (acc) TensorPrimitives.MultiplyAdd(u, a, dx, dx);
                else TensorPrimitives.Multiply(u, a, dx);
            }
        }, x, alpha, gamma, beta);
    }
}
