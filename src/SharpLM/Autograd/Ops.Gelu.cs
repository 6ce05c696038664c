using SharpLM.Kernels;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// GELU activation (GPT-2's tanh approximation), elementwise, any shape: the feed-forward
    /// block's nonlinearity. Backward: <c>dx = dy·gelu'(x)</c> (see <see cref="Activations.GeluBackward"/>).
    /// </summary>
    public static unsafe Variable Gelu(this Tape tape, Variable x)
    {
        var y = tape.NewTensor(x.Data.ShapeArray);
        Activations.GeluForward(x.Data.Pointer, y.Pointer, y.Length);
        return tape.Record(y, r =>
        {
            var dx = x.GradBuffer(tape, out bool acc);
            Activations.GeluBackward(x.Data.Pointer, r.Grad!.Pointer, dx.Pointer, dx.Length, acc);
        }, x);
    }
}
