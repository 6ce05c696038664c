namespace SharpLM.Kernels;

/// <summary>
/// How many CPU threads the kernels use, and the one place work is split across them.
/// Every multi-threaded kernel goes through <see cref="For"/>, so the thread count set
/// here (default: all cores) governs the whole engine. Work is split into contiguous,
/// deterministic chunks, so results do not depend on scheduling.
/// </summary>
public static class KernelThreads
{
    private static int _count = Environment.ProcessorCount;

    /// <summary>Number of threads kernels may use (at least 1).</summary>
    public static int Count
    {
        get => _count;
        set => _count = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), $"thread count must be ≥ 1, got {value}");
    }

    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over [0, <paramref name="count"/>) split into
    /// at most <see cref="Count"/> contiguous chunks. Runs inline when one chunk suffices.
    /// </summary>
    public static void For(int count, Action<int, int> body, int minPerChunk = 1)
    {
        if (count <= 0) return;
        int chunks = Math.Min(Count, Math.Max(1, count / Math.Max(1, minPerChunk)));
        if (chunks <= 1) { body(0, count); return; }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, c =>
        {
            int start = (int)((long)count * c / chunks);
            int end = (int)((long)count * (c + 1) / chunks);
            if (end > start) body(start, end);
        });
    }
}
