using SharpLM.Kernels;

namespace SharpLM.Tests.Kernels;

public unsafe class GemmThreadingTests
{
    [Fact]
    public void SameThreadCountGivesBitIdenticalResults()
    {
        foreach (var v in new[] { "nn", "nt", "tn" })
        {
            var (c1, c2, _) = RunTwiceAndSerial(v, 259, 517, 300);
            Assert.Equal(c1, c2);
        }
    }

    [Fact]
    public void MultiThreadedResultMatchesSingleThreaded()
    {
        // The serial driver is exactly what one thread runs; the split one is what KernelThreads.Count threads run.
        foreach (var v in new[] { "nn", "nt", "tn" })
        {
            var (parallel, _, serial) = RunTwiceAndSerial(v, 131, 515, 260);
            for (int i = 0; i < serial.Length; i++)
                Assert.True(Math.Abs(parallel[i] - serial[i]) <= 1e-4f * (1 + Math.Abs(serial[i])), $"{v}: element {i}: {parallel[i]} vs {serial[i]}");
        }
    }

    [Fact]
    public void ForCoversEveryIndexOnceInContiguousChunks()
    {
        foreach (int count in new[] { 1, 2, 3, 17, 1000 })
            foreach (int minPerChunk in new[] { 1, 5, 2000 })
            {
                var hits = new int[count];
                var chunks = new System.Collections.Concurrent.ConcurrentBag<(int, int)>();
                KernelThreads.For(count, (s, e) =>
                {
                    chunks.Add((s, e));
                    for (int i = s; i < e; i++) Interlocked.Increment(ref hits[i]);
                }, minPerChunk);
                Assert.All(hits, h => Assert.Equal(1, h));
                Assert.Equal(KernelThreads.ChunkCount(count, minPerChunk), chunks.Count);
            }
    }

    [Fact]
    public void ForPropagatesExceptionsAndRunsNestedLoopsInline()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            KernelThreads.For(1000, (s, _) => { if (s > 0 || KernelThreads.Count == 1) throw new InvalidOperationException("boom"); }));
        Assert.Equal("boom", e.Message);
        int total = 0;
        KernelThreads.For(4, (s, e2) =>
        {
            for (int i = s; i < e2; i++) KernelThreads.For(10, (a, b) => Interlocked.Add(ref total, b - a));
        });
        Assert.Equal(40, total);
    }

    [Fact]
    public void ConcurrentCallersGetTheirOwnCorrectResults()
    {
        // Several threads (as in parallel test runs or a server) call threaded GEMMs at once:
        // one gets the pool, the others run their chunks inline; every result must equal the serial one.
        int m = 96, n = 200, k = 160;
        var a = GemmReference.Random(m * k, 71);
        var bs = Enumerable.Range(0, 4).Select(i => GemmReference.Random(k * n, 80 + (ulong)i)).ToArray();
        var expected = new float[4][];
        for (int t = 0; t < 4; t++)
        {
            expected[t] = new float[m * n];
            fixed (float* pa = a, pb = bs[t], pc = expected[t])
                GemmBlocked.RunSerial(GemmBlocked.Kernel, false, false, k, pa, k, pb, n, pc, n, false, 0, m, 0, n);
        }
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            var c = new float[m * n];
            for (int rep = 0; rep < 50; rep++)
            {
                fixed (float* pa = a, pb = bs[t], pc = c) Gemm.Multiply(false, false, m, n, k, pa, k, pb, n, pc, n, false);
                if (!c.AsSpan().SequenceEqual(expected[t])) failures.Enqueue($"caller {t}, repeat {rep}: result differs from the serial one");
            }
        })).ToArray();
        foreach (var th in threads) th.Start();
        foreach (var th in threads) th.Join();
        Assert.Empty(failures);
        // Re-run on this thread too: the pool must be usable after contention.
        var again = new float[m * n];
        fixed (float* pa = a, pb = bs[0], pc = again) Gemm.Multiply(false, false, m, n, k, pa, k, pb, n, pc, n, false);
        Assert.Equal(expected[0], again);
    }

    private static (float[] First, float[] Second, float[] Serial) RunTwiceAndSerial(string v, int m, int n, int k)
    {
        bool ta = v[0] == 't', tb = v[1] == 't';
        int lda = ta ? m : k, ldb = tb ? k : n;
        var a = GemmReference.Random(m * k, 51);
        var b = GemmReference.Random(k * n, 52);
        var c1 = new float[m * n];
        var c2 = new float[m * n];
        var cs = new float[m * n];
        fixed (float* pa = a, pb = b, p1 = c1, p2 = c2, ps = cs)
        {
            Gemm.Multiply(ta, tb, m, n, k, pa, lda, pb, ldb, p1, n, false);
            Gemm.Multiply(ta, tb, m, n, k, pa, lda, pb, ldb, p2, n, false);
            GemmBlocked.RunSerial(GemmBlocked.Kernel, ta, tb, k, pa, lda, pb, ldb, ps, n, false, 0, m, 0, n);
        }
        return (c1, c2, cs);
    }
}
