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
    /// at most <see cref="Count"/> contiguous chunks of at least <paramref name="minPerChunk"/>
    /// items. The split depends only on the arguments and <see cref="Count"/>; chunks run on a
    /// persistent worker pool (inline, one after another, when called from inside another
    /// parallel loop or while the pool is busy with another caller).
    /// </summary>
    public static void For(int count, Action<int, int> body, int minPerChunk = 1)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count <= 0) return;
        int chunks = ChunkCount(count, minPerChunk);
        if (chunks <= 1) { body(0, count); return; }
        if (KernelWorkerPool.InsideParallel)
        {
            for (int c = 0; c < chunks; c++)
            {
                int s = KernelWorkerPool.ChunkStart(count, chunks, c), e = KernelWorkerPool.ChunkStart(count, chunks, c + 1);
                if (e > s) body(s, e);
            }
            return;
        }
        KernelWorkerPool.Run(count, chunks, body);
    }

    /// <summary>How many chunks <see cref="For"/> cuts <paramref name="count"/> items into.</summary>
    public static int ChunkCount(int count, int minPerChunk = 1) =>
        count <= 0 ? 0 : Math.Min(Count, Math.Max(1, count / Math.Max(1, minPerChunk)));
}
