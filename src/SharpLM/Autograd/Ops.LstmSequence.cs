using SharpLM.Kernels;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// An LSTM layer over a whole sequence, fused into one tape op. <paramref name="inputPart"/> <c>[B,T,4H]</c>
    /// holds <c>x_t·W_xᵀ + b</c> for the four gates in PyTorch's order (input i, forget f, cell g, output o),
    /// <paramref name="recurrent"/> is <c>W_h [4H,H]</c>; with <c>h_{−1} = c_{−1} = 0</c>, each step computes
    /// <c>z = a_t + h_{t−1}·W_hᵀ</c>, <c>i,f,o = σ(z)</c>, <c>g = tanh(z)</c>, <c>c_t = f·c_{t−1} + i·g</c>,
    /// <c>h_t = o·tanh(c_t)</c> → states h <c>[B,T,H]</c>. Backward (through time): the cell state's gradient
    /// flows back as <c>dc_{t−1} = dc_t·f</c> — an additive path gated by f instead of multiplied by a
    /// weight matrix, which is how the LSTM keeps gradients alive over long distances.
    /// </summary>
    public static unsafe Variable LstmSequence(this Tape tape, Variable inputPart, Variable recurrent)
    {
        if (inputPart.Data.Rank != 3 || inputPart.Data.Dim(2) % 4 != 0)
            throw new ArgumentException($"LstmSequence: inputs must be [B,T,4H], got {inputPart.Data}.", nameof(inputPart));
        int b = inputPart.Data.Dim(0), t = inputPart.Data.Dim(1), g4 = inputPart.Data.Dim(2), h = g4 / 4;
        recurrent.Data.ExpectShape("LstmSequence recurrent weight", g4, h);
        int gRow = t * g4, hRow = t * h;
        var gates = tape.NewTensor([b, t, g4]);            // gate activations i, f, g, o per step
        var cells = tape.NewTensor([b, t, h]);
        var y = tape.NewTensor([b, t, h]);
        float* gs = gates.Pointer, cs = cells.Pointer, ys = y.Pointer, w = recurrent.Data.Pointer;
        inputPart.Data.CopyTo(gates);
        for (int s = 0; s < t; s++)
        {
            float* z = gs + (long)s * g4;
            if (s > 0) Gemm.Multiply(false, true, b, g4, h, ys + (long)(s - 1) * h, hRow, w, h, z, gRow, accumulate: true);
            for (int i = 0; i < b; i++)
            {
                float* zi = z + (long)i * gRow;
                long o = (long)i * hRow + (long)s * h;
                for (int j = 0; j < h; j++)
                {
                    float ig = Sigmoid(zi[j]), fg = Sigmoid(zi[h + j]), gg = MathF.Tanh(zi[2 * h + j]), og = Sigmoid(zi[3 * h + j]);
                    zi[j] = ig; zi[h + j] = fg; zi[2 * h + j] = gg; zi[3 * h + j] = og;
                    float c = ig * gg + (s > 0 ? fg * cs[o - h + j] : 0f);
                    cs[o + j] = c;
                    ys[o + j] = og * MathF.Tanh(c);
                }
            }
        }

        return tape.Record(y, r =>
        {
            float* dy = r.Grad!.Pointer;
            var dz = tape.NewTensor([b, t, g4]);
            var dhNext = tape.NewTensor([b, h], zero: true);
            var dcNext = tape.NewTensor([b, h], zero: true);
            float* dzs = dz.Pointer, dhn = dhNext.Pointer, dcn = dcNext.Pointer;
            for (int s = t - 1; s >= 0; s--)
            {
                for (int i = 0; i < b; i++)
                {
                    float* gi = gs + (long)i * gRow + (long)s * g4;
                    float* di = dzs + (long)i * gRow + (long)s * g4;
                    long o = (long)i * hRow + (long)s * h;
                    float* hn = dhn + (long)i * h, cn = dcn + (long)i * h;
                    for (int j = 0; j < h; j++)
                    {
                        float ig = gi[j], fg = gi[h + j], gg = gi[2 * h + j], og = gi[3 * h + j];
                        float tc = MathF.Tanh(cs[o + j]);
                        float dh = dy[o + j] + hn[j];
                        float dc = dh * og * (1f - tc * tc) + cn[j];
                        float cPrev = s > 0 ? cs[o - h + j] : 0f;
                        di[j] = dc * gg * ig * (1f - ig);
                        di[h + j] = dc * cPrev * fg * (1f - fg);
                        di[2 * h + j] = dc * ig * (1f - gg * gg);
                        di[3 * h + j] = dh * tc * og * (1f - og);
                        cn[j] = dc * fg;
                    }
                }
                if (s > 0) Gemm.Multiply(false, false, b, h, g4, dzs + (long)s * g4, gRow, w, h, dhn, h, accumulate: false);
            }
            AccumulateRecurrentGradients(tape, inputPart, recurrent, dz, ys, b, t, h, g4);
        }, inputPart, recurrent);
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
