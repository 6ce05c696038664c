using SharpLM.Kernels;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Exact GELU activation <c>y = x·Φ(x)</c> (PyTorch's <c>nn.GELU()</c>, nanoGPT's MLP), elementwise,
    /// any shape. Backward: <c>dx = dy·(Φ(x) + x·φ(x))</c> (see <see cref="GeluExact.Backward"/>).
    /// </summary>
    public static unsafe Variable GeluExact(this Tape tape, Variable x)
    {
        var y = tape.NewTensor(x.Data.ShapeArray);
        Kernels.GeluExact.Forward(x.Data.Pointer, y.Pointer, y.Length);
        return tape.Record(y, r =>
        {
            var dx = x.GradBuffer(tape, out bool acc);
            Kernels.GeluExact.Backward(x.Data.Pointer, r.Grad!.Pointer, dx.Pointer, dx.Length, acc);
        }, x);
    }
}
