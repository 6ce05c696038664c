using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using SharpLM.Kernels;
using SharpLM.Tensors;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// LoRA's low-rank update added to a linear layer's output: <c>y[:, off:off+rows] += s · (drop(x)·Aᵀ)·Bᵀ</c>
    /// with x <c>[..., in]</c>, y <c>[..., out]</c> (the base layer's output on the same rows), A <c>[r, in]</c>,
    /// B <c>[rows, r]</c>, scale s = α/r. <paramref name="dropout"/> &gt; 0 drops elements of x (inverted
    /// dropout, mask from <paramref name="rng"/>) only on the path through A and B, as PEFT does.
    /// </summary>
    /// <remarks>
    /// The update is written into y's buffer, and the result shares it: the base linear op's backward
    /// never reads its own output, so nothing is lost, and the layer costs no second <c>[N, out]</c>
    /// buffer. For the same reason the result's gradient is handed on to y as is (the sum's gradient
    /// with respect to y is the identity). Backward, with <c>h = s·drop(x)·Aᵀ</c> <c>[N, r]</c>:
    /// <c>dB = dyᵀ·h</c>, <c>dh = s·dy·B</c>, <c>dA = dhᵀ·drop(x)</c>, <c>dx += (dh·A)·mask</c>.
    /// </remarks>
    public static unsafe Variable LowRankUpdate(this Tape tape, Variable y, Variable x, Variable a, Variable b,
        float scale, int rowOffset = 0, float dropout = 0f, Rng? rng = null)
    {
        if (a.Data.Rank != 2 || b.Data.Rank != 2 || b.Data.Dim(1) != a.Data.Dim(0))
            throw new ArgumentException($"LowRankUpdate: A must be [r, in] and B [rows, r], got A {a.Data} and B {b.Data}.", nameof(b));
        int r = a.Data.Dim(0), inF = a.Data.Dim(1), rows = b.Data.Dim(0);
        if (x.Data.Rank < 1 || x.Data.Dim(-1) != inF)
            throw new ArgumentException($"LowRankUpdate: input {x.Data} must end in {inF} features to match A {a.Data}.", nameof(x));
        int outF = y.Data.Dim(-1);
        int n = x.Data.Length / Math.Max(1, inF);
        if (y.Data.Length != (long)n * outF)
            throw new ArgumentException($"LowRankUpdate: output {y.Data} must have the input's {n} rows.", nameof(y));
        if (rowOffset < 0 || rowOffset + rows > outF)
            throw new ArgumentOutOfRangeException(nameof(rowOffset), $"LowRankUpdate: rows {rowOffset}..{rowOffset + rows - 1} of B fall outside the layer's {outF} outputs.");
        if (!(dropout >= 0f && dropout < 1f)) throw new ArgumentOutOfRangeException(nameof(dropout), $"LowRankUpdate: dropout must be in [0, 1), got {dropout}.");

        // drop(x): a masked copy only when dropout is on.
        Tensor? mask = null;
        var xd = x.Data;
        if (dropout > 0f && tape.Training)
        {
            if (rng is null) throw new ArgumentNullException(nameof(rng), "LowRankUpdate: dropout needs a random generator.");
            mask = tape.NewTensor(x.Data.ShapeArray);
            FillMask(mask.Span, dropout, rng);
            xd = tape.NewTensor(x.Data.ShapeArray);
            TensorPrimitives.Multiply(x.Data.Span, mask.Span, xd.Span);
        }

        // h = s·drop(x)·Aᵀ [N, r]; y[:, off:] += h·Bᵀ.
        var h = tape.NewTensor([n, r]);
        Gemm.Multiply(false, true, n, r, inF, xd.Pointer, inF, a.Data.Pointer, inF, h.Pointer, r, accumulate: false);
        TensorPrimitives.Multiply(h.Span, scale, h.Span);
        float* yOut = y.Data.Pointer + rowOffset;
        Gemm.Multiply(false, true, n, rows, r, h.Pointer, r, b.Data.Pointer, r, yOut, outF, accumulate: true);

        return tape.Record(y.Data, result =>
        {
            var dyTensor = result.Grad!;
            float* dy = dyTensor.Pointer;
            if (y.RequiresGrad)
            {
                if (y.Grad is null) y.Grad = dyTensor; // hand the buffer on: ∂(y + Δ)/∂y is the identity
                else TensorPrimitives.Add(y.Grad.Span, dyTensor.Span, y.Grad.Span);
            }
            float* dyOut = dy + rowOffset;
            if (b.RequiresGrad)
            {
                var db = b.GradBuffer(tape, out bool acc);
                Gemm.Multiply(true, false, rows, r, n, dyOut, outF, h.Pointer, r, db.Pointer, r, acc);
            }
            if (!a.RequiresGrad && !x.RequiresGrad) return;
            var dh = tape.NewTensor([n, r]);
            Gemm.Multiply(false, false, n, r, rows, dyOut, outF, b.Data.Pointer, r, dh.Pointer, r, accumulate: false);
            TensorPrimitives.Multiply(dh.Span, scale, dh.Span);
            if (a.RequiresGrad)
            {
                var da = a.GradBuffer(tape, out bool acc);
                Gemm.Multiply(true, false, r, inF, n, dh.Pointer, r, xd.Pointer, inF, da.Pointer, inF, acc);
            }
            if (x.RequiresGrad)
            {
                if (mask is null)
                {
                    var dx = x.GradBuffer(tape, out bool acc);
                    Gemm.Multiply(false, false, n, inF, r, dh.Pointer, r, a.Data.Pointer, inF, dx.Pointer, inF, acc);
                }
                else
                {
                    var dxd = tape.NewTensor(x.Data.ShapeArray);
                    Gemm.Multiply(false, false, n, inF, r, dh.Pointer, r, a.Data.Pointer, inF, dxd.Pointer, inF, accumulate: false);
                    var dx = x.GradBuffer(tape, out bool acc);
                    if (acc) TensorPrimitives.FusedMultiplyAdd(dxd.Span, mask.Span, dx.Span, dx.Span);
                    else TensorPrimitives.Multiply(dxd.Span, mask.Span, dx.Span);
                }
            }
        }, y, x, a, b);
    }
}
