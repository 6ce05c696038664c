using System.Numerics.Tensors;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// ReLU activation <c>y = max(x, 0)</c>, elementwise, any shape: the original transformer's and
    /// T5 v1.0's feed-forward nonlinearity. Backward: <c>dx = dy</c> where x &gt; 0, else 0.
    /// </summary>
    public static Variable Relu(this Tape tape, Variable x)
    {
        var y = tape.NewTensor(x.Data.ShapeArray);
        TensorPrimitives.Max(x.Data.Span, 0f, y.Span);
        return tape.Record(y, r =>
        {
            var dx = x.GradBuffer(tape, out bool acc).Span;
            var dy = r.Grad!.Span;
            var xs = x.Data.Span;
            if (acc) { for (int i = 0; i < dx.Length; i++) if (xs[i] > 0) dx[i] += dy[i]; }
            else for (int i = 0; i < dx.Length; i++) dx[i] = xs[i] > 0 ? dy[i] : 0f;
        }, x);
    }
}
