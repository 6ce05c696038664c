using SharpLM.Kernels;
using SharpLM.Tensors;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// A linear (fully connected) layer <c>y = x·Wᵀ + b</c>: x <c>[..., in]</c>, W <c>[out, in]</c>
    /// (PyTorch's layout), optional b <c>[out]</c> → y <c>[..., out]</c>; leading dims are flattened
    /// to N rows. Backward: <c>dx = dy·W</c>, <c>dW = dyᵀ·x</c>, <c>db = Σ_rows dy</c>.
    /// </summary>
    public static unsafe Variable Linear(this Tape tape, Variable x, Variable weight, Variable? bias = null)
    {
        if (weight.Data.Rank != 2) throw new ArgumentException($"Linear: weight must be [out,in], got {weight.Data}.", nameof(weight));
        int outF = weight.Data.Dim(0), inF = weight.Data.Dim(1);
        if (x.Data.Rank < 1 || x.Data.Dim(-1) != inF)
            throw new ArgumentException($"Linear: input {x.Data} must end in {inF} features to match weight {weight.Data}.", nameof(x));
        if (bias is not null) bias.Data.ExpectShape("Linear bias", outF);
        int n = x.Data.Length / Math.Max(1, inF);
        var shape = x.Data.ShapeArray;
        shape[^1] = outF;
        var y = tape.NewTensor(shape);
        Gemm.Multiply(false, true, n, outF, inF, x.Data.Pointer, inF, weight.Data.Pointer, inF, y.Pointer, outF, accumulate: false);
        if (bias is not null) AddRowVector(y.Pointer, bias.Data.Pointer, n, outF);

        return tape.Record(y, r =>
        {
            float* dy = r.Grad!.Pointer;
            if (x.RequiresGrad)
            {
                var dx = x.GradBuffer(tape, out bool acc);
                Gemm.Multiply(false, false, n, inF, outF, dy, outF, weight.Data.Pointer, inF, dx.Pointer, inF, acc);
            }
            if (weight.RequiresGrad)
            {
                var dw = weight.GradBuffer(tape, out bool acc);
                Gemm.Multiply(true, false, outF, inF, n, dy, outF, x.Data.Pointer, inF, dw.Pointer, inF, acc);
            }
            if (bias is not null && bias.RequiresGrad)
            {
                var db = bias.GradBuffer(tape, out bool acc);
                Reductions.SumColumns(dy, n, outF, db.Pointer, acc);
            }
        }, x, weight, bias!);
    }

    /// <summary>Adds a row vector <c>v[cols]</c> to every row of <c>y[rows,cols]</c> in place (a bias).</summary>
    private static unsafe void AddRowVector(float* y, float* v, int rows, int cols)
    {
        KernelThreads.For(rows, (r0, r1) =>
        {
            var vs = new ReadOnlySpan<float>(v, cols);
            for (int r = r0; r < r1; r++)
            {
                var row = new Span<float>(y + (long)r * cols, cols);
                System.Numerics.Tensors.TensorPrimitives.Add(row, vs, row);
            }
        }, minPerChunk: Math.Max(1, 16384 / Math.Max(1, cols)));
    }
}
