using SharpLM.Kernels;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// An Elman RNN layer over a whole sequence, fused into one tape op:
    /// <c>h_t = tanh(a_t + h_{t−1}·W_hhᵀ)</c>, where <paramref name="inputPart"/> <c>[B,T,H]</c> holds
    /// <c>a_t = x_t·W_xhᵀ + b</c> for every step (one big GEMM done before), <paramref name="recurrent"/> is
    /// <c>W_hh [H,H]</c> and <c>h_{−1} = 0</c> → all states <c>[B,T,H]</c>.
    /// Backward is backpropagation through time: walking t from T−1 down to 0,
    /// <c>dz_t = (dy_t + dh_t)·(1 − h_t²)</c>, <c>dh_{t−1} = dz_t·W_hh</c>; then <c>dW_hh = Σ_t dz_tᵀ·h_{t−1}</c> in one GEMM.
    /// The repeated factor <c>W_hh·diag(1 − h²)</c> is why the gradient of a plain RNN vanishes (or explodes) with distance.
    /// </summary>
    public static unsafe Variable RnnSequence(this Tape tape, Variable inputPart, Variable recurrent)
    {
        if (inputPart.Data.Rank != 3) throw new ArgumentException($"RnnSequence: inputs must be [B,T,H], got {inputPart.Data}.", nameof(inputPart));
        int b = inputPart.Data.Dim(0), t = inputPart.Data.Dim(1), h = inputPart.Data.Dim(2);
        recurrent.Data.ExpectShape("RnnSequence recurrent weight", h, h);
        int row = t * h;                                   // stride between batch rows of one step
        var y = tape.NewTensor([b, t, h]);
        float* a = inputPart.Data.Pointer, ys = y.Pointer, w = recurrent.Data.Pointer;
        inputPart.Data.CopyTo(y);
        for (int s = 0; s < t; s++)
        {
            float* cur = ys + (long)s * h;
            if (s > 0) Gemm.Multiply(false, true, b, h, h, cur - h, row, w, h, cur, row, accumulate: true);
            for (int i = 0; i < b; i++)
            {
                var span = new Span<float>(cur + (long)i * row, h);
                System.Numerics.Tensors.TensorPrimitives.Tanh(span, span);
            }
        }

        return tape.Record(y, r =>
        {
            float* dy = r.Grad!.Pointer;
            var dz = tape.NewTensor([b, t, h]);             // ∂loss/∂(pre-activation) per step
            var dhNext = tape.NewTensor([b, h], zero: true);
            float* dzs = dz.Pointer, dn = dhNext.Pointer;
            for (int s = t - 1; s >= 0; s--)
            {
                for (int i = 0; i < b; i++)
                {
                    long o = (long)i * row + (long)s * h;
                    float* hn = dn + (long)i * h;
                    for (int j = 0; j < h; j++)
                    {
                        float hv = ys[o + j];
                        dzs[o + j] = (dy[o + j] + hn[j]) * (1f - hv * hv);
                    }
                }
                if (s > 0) Gemm.Multiply(false, false, b, h, h, dzs + (long)s * h, row, w, h, dn, h, accumulate: false);
            }
            AccumulateRecurrentGradients(tape, inputPart, recurrent, dz, ys, b, t, h, h);
        }, inputPart, recurrent);
    }

    /// <summary>
    /// The gradients both recurrent layers end with, once backpropagation through time has filled
    /// <paramref name="dz"/> (the loss gradient of each step's pre-activations, <c>[B,T,G]</c> with G = H
    /// for the RNN, 4H for the LSTM's gates): the input projection gets dz itself, and the recurrent
    /// weight <c>[G,H]</c> gets dzᵀ·h_{t−1} summed over every step in one GEMM.
    /// </summary>
    internal static unsafe void AccumulateRecurrentGradients(Tape tape, Variable inputPart, Variable recurrent, Tensors.Tensor dz, float* states, int b, int t, int h, int g)
    {
        if (inputPart.RequiresGrad)
        {
            var da = inputPart.GradBuffer(tape, out bool acc);
            if (acc) System.Numerics.Tensors.TensorPrimitives.Add(da.Span, dz.Span, da.Span); else dz.CopyTo(da);
        }
        if (recurrent.RequiresGrad)
        {
            var dw = recurrent.GradBuffer(tape, out bool acc);
            var previous = PreviousStates(tape, states, b, t, h);
            Gemm.Multiply(true, false, g, h, b * t, dz.Pointer, g, previous.Pointer, h, dw.Pointer, h, acc);
        }
    }

    /// <summary>The states shifted one step later, <c>h_{t−1}</c> at step t with zeros at t = 0: <c>[B,T,H]</c>, for the recurrent weight's gradient.</summary>
    private static unsafe Tensors.Tensor PreviousStates(Tape tape, float* states, int b, int t, int h)
    {
        var previous = tape.NewTensor([b, t, h]);
        var ps = previous.Span;
        for (int i = 0; i < b; i++)
        {
            long o = (long)i * t * h;
            ps.Slice((int)o, h).Clear();
            new ReadOnlySpan<float>(states + o, (t - 1) * h).CopyTo(ps.Slice((int)o + h, (t - 1) * h));
        }
        return previous;
    }
}
