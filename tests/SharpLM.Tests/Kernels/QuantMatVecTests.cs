using SharpLM.Kernels;

namespace SharpLM.Tests.Kernels;

public unsafe class QuantMatVecTests
{
    public static TheoryData<QuantType, QuantKernelPath> Cases()
    {
        var data = new TheoryData<QuantType, QuantKernelPath>();
        foreach (var type in new[] { QuantType.Q8_0, QuantType.Q4_0, QuantType.Q4_K, QuantType.Q6_K, QuantType.F16, QuantType.BF16 })
            foreach (var path in Enum.GetValues<QuantKernelPath>())
                data.Add(type, path);
        return data;
    }

    private static float[] Random(int n, int seed)
    {
        var rng = new System.Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    // 13 rows (not a multiple of 8 or of the row tile), K = 768 (3 super-blocks), 3 tokens.
    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_dequantize_then_fp32_on_odd_sizes(QuantType type, QuantKernelPath path)
    {
        if (!QuantKernelPaths.IsSupported(path)) return; // this CPU lacks the instructions (reported by Cpu_paths_are_reported)
        const int rows = 13, k = 768, tokens = 3;
        var w = QuantMatrix.FromFloats(type, Random(rows * k, 1), rows, k);
        var reference = w.Dequantize();
        var x = Random(tokens * k, 2);
        var y = new float[tokens * rows];
        var scratch = new QuantActivations();
        using (QuantKernelPaths.Force(path))
            fixed (float* px = x, py = y) QuantMatVec.MultiplyRows(w, px, tokens, k, py, rows, accumulate: false, scratch);
        bool floatActivations = type is QuantType.F16 or QuantType.BF16;
        for (int t = 0; t < tokens; t++)
            for (int r = 0; r < rows; r++)
            {
                double exact = 0, magnitude = 0;
                for (int i = 0; i < k; i++) { exact += reference[r * k + i] * (double)x[t * k + i]; magnitude += Math.Abs(reference[r * k + i] * (double)x[t * k + i]); }
                // int8 activations carry ~0.4% relative error per element (random signs: grows like √k, bounded here by 1% of Σ|w·x|).
                double tolerance = floatActivations ? 1e-5 * magnitude : 0.01 * magnitude;
                Assert.True(Math.Abs(y[t * rows + r] - exact) <= tolerance, $"{type}/{path} t={t} r={r}: {y[t * rows + r]} vs {exact} (±{tolerance})");
            }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_path_computes_the_same_integer_sums_as_scalar(QuantType type, QuantKernelPath path)
    {
        if (!QuantKernelPaths.IsSupported(path)) return;
        const int rows = 7, k = 512;
        var w = QuantMatrix.FromFloats(type, Random(rows * k, 5), rows, k);
        var x = Random(k, 6);
        var scalar = new float[rows];
        var fast = new float[rows];
        var scratch = new QuantActivations();
        fixed (float* px = x, ps = scalar, pf = fast)
        {
            using (QuantKernelPaths.Force(QuantKernelPath.Scalar)) QuantMatVec.Multiply(w, px, ps, false, scratch);
            using (QuantKernelPaths.Force(path)) QuantMatVec.Multiply(w, px, pf, false, scratch);
        }
        for (int r = 0; r < rows; r++) Assert.True(Math.Abs(scalar[r] - fast[r]) <= 1e-4f * (1 + Math.Abs(scalar[r])), $"{type}/{path} row {r}: {fast[r]} vs scalar {scalar[r]}");
    }

    [Theory]
    [InlineData(QuantType.Q8_0, 352)]
    [InlineData(QuantType.Q4_0, 352)]
    [InlineData(QuantType.Q8_0, 224)]
    [InlineData(QuantType.Q4_0, 224)]
    public void Eight_block_steps_with_a_tail_of_fewer_blocks_match_scalar(QuantType type, int k)
    {
        // 11 and 7 blocks: one eight-block step (its scales widened in a vector) plus a tail, or the tail alone.
        const int rows = 5;
        var w = QuantMatrix.FromFloats(type, Random(rows * k, 9), rows, k);
        var x = Random(k, 10);
        var scalar = new float[rows];
        var scratch = new QuantActivations();
        fixed (float* px = x, ps = scalar)
        {
            using (QuantKernelPaths.Force(QuantKernelPath.Scalar)) QuantMatVec.Multiply(w, px, ps, false, scratch);
            foreach (var path in new[] { QuantKernelPath.Avx2, QuantKernelPath.AvxVnni }.Where(QuantKernelPaths.IsSupported))
            {
                var fast = new float[rows];
                fixed (float* pf = fast)
                    using (QuantKernelPaths.Force(path)) QuantMatVec.Multiply(w, px, pf, false, scratch);
                for (int r = 0; r < rows; r++) Assert.True(Math.Abs(scalar[r] - fast[r]) <= 1e-4f * (1 + Math.Abs(scalar[r])), $"{type}/{path} k={k} row {r}: {fast[r]} vs scalar {scalar[r]}");
            }
        }
    }

    [Fact]
    public void Accumulate_adds_to_y_and_threads_do_not_change_the_result()
    {
        const int rows = 301, k = 1024;
        var w = QuantMatrix.FromFloats(QuantType.Q4_K, Random(rows * k, 8), rows, k);
        var x = Random(k, 9);
        var one = new float[rows];
        var many = new float[rows];
        var scratch = new QuantActivations();
        int saved = KernelThreads.Count;
        try
        {
            fixed (float* px = x, p1 = one, pm = many)
            {
                KernelThreads.Count = 1;
                QuantMatVec.Multiply(w, px, p1, false, scratch);
                KernelThreads.Count = 2;
                for (int r = 0; r < rows; r++) pm[r] = 1f;
                QuantMatVec.Multiply(w, px, pm, true, scratch);
            }
        }
        finally { KernelThreads.Count = saved; }
        for (int r = 0; r < rows; r++) Assert.Equal(one[r] + 1f, many[r], 5);
    }

    [Fact]
    public void Cpu_paths_are_reported()
    {
        // The best path is one the CPU supports, and scalar always is.
        Assert.True(QuantKernelPaths.IsSupported(QuantKernelPaths.Best));
        Assert.True(QuantKernelPaths.IsSupported(QuantKernelPath.Scalar));
        if (!QuantKernelPaths.IsSupported(QuantKernelPath.AvxVnni))
            Assert.Throws<PlatformNotSupportedException>(() => QuantKernelPaths.Force(QuantKernelPath.AvxVnni));
    }
}
