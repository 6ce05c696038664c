using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using SharpLM.Kernels;
using SharpLM.Tensors;

namespace SharpLM.Cli.Commands.Bench;

/// <summary>
/// <c>sharplm bench gemm</c>: GFLOP/s of the matrix kernels on the shapes GPT-2 small training
/// and decoding use (tokens × channels × channels, and the vocabulary projection), for the
/// three transpose variants of training (NN, NT, TN), plus GEMV (one token) in GB/s.
/// </summary>
public static class GemmBench
{
    /// <summary>The (M,N,K) shapes measured: GPT-2 small with B·T = 256 tokens, then one-token decoding.</summary>
    public static readonly (int M, int N, int K)[] Shapes =
    [
        (256, 2304, 768), (256, 768, 3072), (256, 3072, 768), (256, 50304, 768),
        (1, 768, 768), (1, 3072, 768), (1, 50304, 768),
    ];

    /// <summary>The transpose variants: forward y = x·Wᵀ is "nt", dx = dy·W is "nn", dW = dyᵀ·x is "tn".</summary>
    public static readonly string[] Variants = ["nn", "nt", "tn"];

    /// <summary>Creates the <c>gemm</c> sub-command.</summary>
    public static Command Create()
    {
        var threads = new Option<int>("--threads") { Description = "Kernel threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var json = new Option<bool>("--json") { Description = "One JSON object per line instead of a table." };
        var repeat = new Option<int>("--repeat") { Description = "Timed repeats per case; the median is reported.", DefaultValueFactory = _ => 7 };
        var kernel = new Option<string>("--kernel") { Description = "Micro-kernel: best, avx512, avx2 or scalar (to compare them).", DefaultValueFactory = _ => "best" };
        var cpuTime = new Option<bool>("--cpu-time") { Description = "Time by process CPU time ÷ threads instead of wall clock: estimates the idle-machine rate on a busy shared machine." };
        var only = new Option<string?>("--only") { Description = "Only shapes whose \"m,n,k\" contains this text, e.g. 256,2304." };
        var cmd = new Command("gemm", "GFLOP/s of GEMM and GEMV on GPT-2-sized shapes (NN, NT, TN).");
        cmd.Options.Add(threads); cmd.Options.Add(json); cmd.Options.Add(repeat); cmd.Options.Add(kernel); cmd.Options.Add(only); cmd.Options.Add(cpuTime);
        cmd.SetAction(pr =>
        {
            Run(pr.GetValue(threads), pr.GetValue(json), pr.GetValue(repeat), pr.GetValue(kernel)!, pr.GetValue(only), pr.GetValue(cpuTime));
            return 0;
        });
        return cmd;
    }

    private static unsafe void Run(int threads, bool json, int repeat, string kernelName, string? only, bool cpuTime)
    {
        if (threads < 1) throw new CliException($"--threads must be ≥ 1, got {threads}");
        if (repeat < 1) throw new CliException($"--repeat must be ≥ 1, got {repeat}");
        GemmBlocked.Kernel = kernelName switch
        {
            "best" => GemmTileKernel.Best,
            "avx512" => GemmTileKernel.Avx512 ?? throw new CliException("--kernel avx512: this CPU has no AVX-512"),
            "avx2" => GemmTileKernel.Avx2,
            "scalar" => GemmTileKernel.Scalar,
            _ => throw new CliException($"--kernel must be best, avx512, avx2 or scalar, got '{kernelName}'"),
        };
        KernelThreads.Count = threads;
        if (!json)
        {
            Console.WriteLine($"GEMM benchmark: {threads} thread(s), kernel {GemmBlocked.Kernel.Name}, {(cpuTime ? "best CPU-time estimate" : "median wall clock")} of {repeat}");
            Console.WriteLine($"{"variant",-8}{"m",6}{"n",7}{"k",6}{"ms",10}{"GFLOP/s",10}{"GB/s",8}");
        }
        var rng = new Rng(1234);
        foreach (var (m, n, k) in Shapes)
        {
            if (only != null && !$"{m},{n},{k}".Contains(only, StringComparison.Ordinal)) continue;
            long sizeA = (long)m * k, sizeB = (long)k * n, sizeC = (long)m * n;
            float* a = Alloc(sizeA, rng), b = Alloc(sizeB, rng), c = Alloc(sizeC, rng);
            try
            {
                foreach (var v in Variants)
                {
                    bool ta = v[0] == 't', tb = v[1] == 't';
                    int lda = ta ? m : k, ldb = tb ? k : n;
                    Action op = () => Gemm.Multiply(ta, tb, m, n, k, a, lda, b, ldb, c, n, false);
                    double seconds = cpuTime ? CpuSeconds(op, repeat, threads) : MedianSeconds(op, repeat);
                    double gflops = 2.0 * m * n * k / seconds / 1e9;
                    double? gbps = m == 1 ? sizeB * 4.0 / seconds / 1e9 : null;
                    Report(json, v, m, n, k, threads, seconds, gflops, gbps);
                }
            }
            finally
            {
                NativeMemory.AlignedFree(a); NativeMemory.AlignedFree(b); NativeMemory.AlignedFree(c);
            }
        }
    }

    private static void Report(bool json, string variant, int m, int n, int k, int threads, double seconds, double gflops, double? gbps)
    {
        var inv = CultureInfo.InvariantCulture;
        if (json)
        {
            string extra = gbps is { } g ? string.Format(inv, ",\"gb_per_s\":{0:F1}", g) : "";
            Console.WriteLine(string.Format(inv, "{{\"bench\":\"gemm\",\"variant\":\"{0}\",\"m\":{1},\"n\":{2},\"k\":{3},\"threads\":{4},\"gflops\":{5:F1}{6}}}",
                variant, m, n, k, threads, gflops, extra));
        }
        else
        {
            Console.WriteLine(string.Format(inv, "{0,-8}{1,6}{2,7}{3,6}{4,10:F3}{5,10:F1}{6,8}",
                variant, m, n, k, seconds * 1e3, gflops, gbps is { } g ? g.ToString("F1", inv) : "-"));
        }
    }

    /// <summary>Warms up (JIT tiers, caches), then times batches of calls lasting ≥ 50 ms; returns the median seconds per call.</summary>
    private static double MedianSeconds(Action op, int repeat)
    {
        var sw = Stopwatch.StartNew();
        int warm = 0;
        while (warm < 3 || sw.Elapsed.TotalMilliseconds < 200) { op(); warm++; }
        double perCall = sw.Elapsed.TotalSeconds / warm;
        int iters = Math.Max(1, (int)(0.05 / perCall));
        var times = new double[repeat];
        for (int r = 0; r < repeat; r++)
        {
            sw.Restart();
            for (int i = 0; i < iters; i++) op();
            times[r] = sw.Elapsed.TotalSeconds / iters;
        }
        Array.Sort(times);
        return times[repeat / 2];
    }

    /// <summary>Warms up, then returns the smallest process CPU time per call ÷ threads over the repeats (time the process actually ran).</summary>
    private static double CpuSeconds(Action op, int repeat, int threads)
    {
        var proc = Process.GetCurrentProcess();
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalMilliseconds < 200) op();
        double best = double.MaxValue;
        for (int r = 0; r < repeat; r++)
        {
            proc.Refresh();
            var t0 = proc.TotalProcessorTime;
            sw.Restart();
            int calls = 0;
            while (sw.Elapsed.TotalMilliseconds < 100) { op(); calls++; }
            proc.Refresh();
            best = Math.Min(best, (proc.TotalProcessorTime - t0).TotalSeconds / calls / threads);
        }
        return best;
    }

    private static unsafe float* Alloc(long count, Rng rng)
    {
        var p = (float*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(float)), 64);
        for (long i = 0; i < count; i++) p[i] = rng.NextFloat() * 2 - 1;
        return p;
    }
}
