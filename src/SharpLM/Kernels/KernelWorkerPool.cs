using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace SharpLM.Kernels;

/// <summary>
/// The persistent worker threads behind <see cref="KernelThreads.For"/>. A training step
/// runs hundreds of small GEMMs; handing a chunk to a worker that is already spinning costs
/// about a microsecond, while <c>Parallel.For</c> pays several per call. Chunks are claimed
/// from a shared counter by whoever is free (the caller included), so a worker the OS has not
/// scheduled yet never holds the caller up; which thread runs a chunk never changes what the
/// chunk computes. Workers spin briefly after each job (the next kernel usually follows at
/// once), then sleep on a semaphore, so an idle engine uses no CPU.
/// </summary>
internal static class KernelWorkerPool
{
    /// <summary>How long a worker keeps polling for the next job before it goes to sleep.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000; // 200 µs

    /// <summary>One parallel loop: its body, its fixed split, and counters for claimed and finished chunks.</summary>
    private sealed class Job(Action<int, int> body, int count, int chunks)
    {
        private int _next = -1, _done;
        public Exception? Failure;
        public bool Finished => Volatile.Read(ref _done) == chunks;

        /// <summary>Claims and runs chunks until none are left.</summary>
        public void Work()
        {
            int c;
            while ((c = Interlocked.Increment(ref _next)) < chunks)
            {
                int s = ChunkStart(count, chunks, c), e = ChunkStart(count, chunks, c + 1);
                try
                {
                    RunChunk(body, s, e);
                }
                catch (Exception ex)
                {
                    Interlocked.CompareExchange(ref Failure, ex, null);
                }
                Interlocked.Increment(ref _done);
            }
        }
    }

    private sealed class Worker
    {
        public readonly SemaphoreSlim Wake = new(0);
        public int Sleeping; // 1 while the worker is (about to be) blocked on Wake
    }

    private static readonly object Gate = new();
    private static Worker[] _workers = [];
    private static Job? _job;
    private static int _generation;

    [ThreadStatic] private static bool _insideParallel;

    /// <summary>True on a thread that is currently running one chunk of a parallel loop (nested loops then run inline).</summary>
    public static bool InsideParallel => _insideParallel;

    /// <summary>
    /// Runs chunk c of <paramref name="chunks"/> (the contiguous range [count·c/chunks, count·(c+1)/chunks))
    /// for every c, on the calling thread and up to chunks−1 workers. If another caller is using the
    /// pool, all chunks run here one after another: the split, and so the result, is the same.
    /// </summary>
    public static void Run(int count, int chunks, Action<int, int> body)
    {
        var job = new Job(body, count, chunks);
        if (!Monitor.TryEnter(Gate))
        {
            job.Work();
        }
        else
        {
            try
            {
                EnsureWorkers(chunks - 1);
                Volatile.Write(ref _job, job);
                Interlocked.Increment(ref _generation);
                for (int i = 0; i < chunks - 1; i++)
                    if (Volatile.Read(ref _workers[i].Sleeping) == 1) _workers[i].Wake.Release();
                job.Work();
                var spin = new SpinWait();
                while (!job.Finished) spin.SpinOnce(sleep1Threshold: -1);
            }
            finally
            {
                Monitor.Exit(Gate);
            }
        }
        if (job.Failure is { } e) ExceptionDispatchInfo.Capture(e).Throw();
    }

    /// <summary>Start of chunk c when [0,count) is cut into <paramref name="chunks"/> near-equal contiguous pieces.</summary>
    public static int ChunkStart(int count, int chunks, int c) => (int)((long)count * c / chunks);

    private static void RunChunk(Action<int, int> body, int start, int end)
    {
        if (end <= start) return;
        bool outer = _insideParallel;
        _insideParallel = true;
        try
        {
            body(start, end);
        }
        finally
        {
            _insideParallel = outer;
        }
    }

    private static void EnsureWorkers(int needed)
    {
        if (_workers.Length >= needed) return;
        var grown = new Worker[needed];
        Array.Copy(_workers, grown, _workers.Length);
        for (int i = _workers.Length; i < needed; i++)
        {
            var w = new Worker();
            grown[i] = w;
            var thread = new Thread(() => WorkerLoop(w)) { IsBackground = true, Name = $"SharpLM kernel worker {i + 1}" };
            thread.Start();
        }
        _workers = grown;
    }

    private static void WorkerLoop(Worker w)
    {
        int seen = Volatile.Read(ref _generation);
        while (true)
        {
            // Poll for the next job for a short while, then sleep until a caller wakes us.
            long deadline = Stopwatch.GetTimestamp() + SpinTicks;
            while (Volatile.Read(ref _generation) == seen && Stopwatch.GetTimestamp() < deadline) Thread.SpinWait(20);
            if (Volatile.Read(ref _generation) == seen)
            {
                Interlocked.Exchange(ref w.Sleeping, 1);
                if (Volatile.Read(ref _generation) == seen) w.Wake.Wait();
                Interlocked.Exchange(ref w.Sleeping, 0);
                if (Volatile.Read(ref _generation) == seen) continue; // a stale wake-up: no new job
            }
            seen = Volatile.Read(ref _generation);
            Volatile.Read(ref _job)?.Work();
        }
    }
}
