namespace SharpLM.Kernels;

/// <summary>
/// Linear layers on quantized weights: <c>y[t, r] (+)= W[r, :] · x[t, :]</c> for one token
/// (mat-vec, decoding) or several (mat-mat, prefill). Activations are first quantized per block
/// to int8 (<see cref="QuantActivations"/>), then each output is an int8 dot product on the
/// best instruction path; F16/BF16 rows are widened in registers against float32 activations.
/// Output rows are split across <see cref="KernelThreads"/>; with several tokens, a tile of
/// weight rows stays in cache while every token passes over it.
/// </summary>
public static unsafe class QuantMatVec
{
    private const int RowTile = 16;
    private const long MinBytesPerChunk = 32 * 1024;

    /// <summary><c>y = W·x</c> (+ y when <paramref name="accumulate"/>) for one activation row of W.Columns floats.</summary>
    public static void Multiply(QuantMatrix w, float* x, float* y, bool accumulate, QuantActivations scratch) =>
        MultiplyRows(w, x, 1, w.Columns, y, w.Rows, accumulate, scratch);

    /// <summary>
    /// <c>Y[t] = W·X[t]</c> (+ Y[t]) for <paramref name="tokens"/> rows of X (stride <paramref name="ldx"/>) into Y (stride <paramref name="ldy"/>).
    /// </summary>
    public static void MultiplyRows(QuantMatrix w, float* x, int tokens, int ldx, float* y, int ldy, bool accumulate, QuantActivations scratch)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(scratch);
        if (tokens <= 0) return;
        if (ldx < w.Columns) throw new ArgumentOutOfRangeException(nameof(ldx), $"ldx must be ≥ columns {w.Columns}, got {ldx}");
        if (ldy < w.Rows) throw new ArgumentOutOfRangeException(nameof(ldy), $"ldy must be ≥ rows {w.Rows}, got {ldy}");
        if (x == null || y == null) throw new ArgumentNullException(x == null ? nameof(x) : nameof(y));
        if (w.Type == QuantType.F32)
        {
            for (int t = 0; t < tokens; t++)
                Gemv.Multiply(w.Rows, w.Columns, (float*)w.Data, w.Columns, x + (long)t * ldx, y + (long)t * ldy, accumulate);
            return;
        }
        var job = _job ??= new Job();
        job.W = w; job.X = x; job.Y = y; job.Tokens = tokens; job.Ldx = ldx; job.Ldy = ldy; job.Accumulate = accumulate;
        job.Path = QuantKernelPaths.Current;
        job.Activations = scratch;
        if (w.Type is not (QuantType.F16 or QuantType.BF16))
            scratch.Quantize(QuantActivations.LayoutFor(w.Type), x, tokens, w.Columns, ldx);
        int minRows = (int)Math.Max(1, MinBytesPerChunk / Math.Max(1, w.RowBytes * tokens));
        if (KernelWorkerPool.InsideParallel) job.Body(0, w.Rows);
        else KernelThreads.For(w.Rows, job.Body, minRows);
        job.W = null!; job.Activations = null!;
    }

    /// <summary>One output: the dot of weight row <paramref name="row"/> with already-quantized activation row <paramref name="token"/>.</summary>
    internal static float DotRow(QuantKernelPath path, QuantMatrix w, int row, QuantActivations a, int token, float* xFloat)
    {
        byte* r = w.Row(row);
        int n = w.Columns;
        return w.Type switch
        {
            QuantType.Q8_0 => QuantDotQ8_0.Dot(path, r, a.Quants(token), a.Scales(token), n / 32),
            QuantType.Q4_0 => QuantDotQ4_0.Dot(path, r, a.Quants(token), a.Scales(token), a.Sums(token), n / 32),
            QuantType.Q4_K => QuantDotQ4K.Dot(path, r, a.Quants(token), a.Scales(token), a.Sums(token), n / 256),
            QuantType.Q6_K => QuantDotQ6K.Dot(path, r, a.Quants(token), a.Scales(token), a.Sums(token), n / 256),
            QuantType.F16 => HalfMatVec.Dot(path, false, (ushort*)r, xFloat, n),
            QuantType.BF16 => HalfMatVec.Dot(path, true, (ushort*)r, xFloat, n),
            _ => throw new NotSupportedException($"no dot kernel for {QuantTypes.Name(w.Type)}"),
        };
    }

    [ThreadStatic] private static Job? _job;

    private sealed class Job
    {
        public QuantMatrix W = null!;
        public QuantActivations Activations = null!;
        public float* X, Y;
        public int Tokens, Ldx, Ldy;
        public bool Accumulate;
        public QuantKernelPath Path;
        public readonly Action<int, int> Body;

        public Job() => Body = Run;

        private void Run(int start, int end)
        {
            for (int tile = start; tile < end; tile += RowTile)
            {
                int tileEnd = Math.Min(end, tile + RowTile);
                for (int t = 0; t < Tokens; t++)
                {
                    float* x = X + (long)t * Ldx;
                    float* y = Y + (long)t * Ldy;
                    for (int r = tile; r < tileEnd; r++)
                    {
                        float v = DotRow(Path, W, r, Activations, t, x);
                        y[r] = Accumulate ? y[r] + v : v;
                    }
                }
            }
        }
    }
}
