using SharpLM.Kernels;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Softmax over the last dim: scores <c>[..., N]</c> → probabilities that sum to 1 per row.
    /// Backward: <c>dx = y ⊙ (dy − Σ_j y_j·dy_j)</c>.
    /// </summary>
    public static unsafe Variable Softmax(this Tape tape, Variable x)
    {
        int n = x.Data.Dim(-1), rows = x.Data.Length / Math.Max(1, n);
        var y = tape.NewTensor(x.Data.ShapeArray);
        Kernels.Softmax.Rows(x.Data.Pointer, y.Pointer, rows, n);
        return tape.Record(y, r =>
        {
            var dx = x.GradBuffer(tape, out bool acc);
            float* yp = y.Pointer, dyp = r.Grad!.Pointer, dxp = dx.Pointer;
            KernelThreads.For(rows, (r0, r1) =>
            {
                for (int i = r0; i < r1; i++)
                    Kernels.Softmax.BackwardRow(yp + (long)i * n, dyp + (long)i * n, dxp + (long)i * n, n, acc);
            }, minPerChunk: Math.Max(1, 8192 / Math.Max(1, n)));
        }, x);
    }
}
