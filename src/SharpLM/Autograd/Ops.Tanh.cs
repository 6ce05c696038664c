using System.Numerics.Tensors;
using SharpLM.Kernels;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Hyperbolic tangent <c>y = tanh(x)</c>, elementwise, any shape: squashes into (−1, 1), as
    /// BERT's pooler does to the [CLS] vector. Backward: <c>dx = dy·(1 − y²)</c>.
    /// </summary>
    public static unsafe Variable Tanh(this Tape tape, Variable x)
    {
        var y = tape.NewTensor(x.Data.ShapeArray);
        Activations.Tanh(x.Data.Pointer, y.Pointer, y.Length);
        return tape.Record(y, r =>
        {
            var dx = x.GradBuffer(tape, out bool acc).Span;
            var ys = r.Data.Span;
            var dy = r.Grad!.Span;
            var slope = tape.NewTensor([ys.Length]).Span;
            TensorPrimitives.Multiply(ys, ys, slope);                 // y²
            TensorPrimitives.Subtract(1f, slope, slope);               // 1 − y²
            if (acc) TensorPrimitives.FusedMultiplyAdd(dy, slope, dx, dx);
            else TensorPrimitives.Multiply(dy, slope, dx);
        }, x);
    }
}
