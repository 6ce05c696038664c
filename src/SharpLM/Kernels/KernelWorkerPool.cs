using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace SharpLM.Kernels;

/// <summary>
/// The persistent worker threads behind <see cref="KernelThreads.For"/>. A training step
/// runs hundreds of small GEMMs; handing a chunk to a worker that is already spinning costs
/// about a microsecond and allocates nothing, while <c>Parallel.For</c> pays several
/// microseconds per call. Chunks are claimed
/// from a shared counter by whoever is free (the caller included), so a worker the OS has not
/// scheduled yet never holds the caller up; which thread runs a chunk never changes what the
/// chunk computes. Workers spin briefly after each job (the next kernel usually follows at
/// once), then sleep on a semaphore, so an idle engine uses no CPU.
/// </summary>
internal static class KernelWorkerPool
{
    /// <summary>How long a worker keeps polling for the next job before it goes to sleep.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000; // 200 µs

    private sealed class Worker
    {
        public readonly SemaphoreSlim Wake = new(0);
        public int Sleeping; // 1 while the worker is (about to be) blocked on Wake
    }

    private static readonly object Gate = new();
    private static Worker[] _workers = [];
    private static int _generation;

    // The current job (one at a time, under Gate; reused so that a call allocates nothing).
    // _claim packs (job id << 32 | next chunk): a chunk is claimed by a compare-and-swap that
    // also checks the id, so a late worker can never claim a chunk of a job it did not see start.
    private static Action<int, int>? _body;
    private static int _count, _chunks, _done, _jobId;
    private static long _claim = -1L << 32;
    private static Exception? _failure;

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
        if (!Monitor.TryEnter(Gate))
        {
            for (int c = 0; c < chunks; c++) RunChunk(body, ChunkStart(count, chunks, c), ChunkStart(count, chunks, c + 1));
            return;
        }
        Exception? failure;
        try
        {
            EnsureWorkers(chunks - 1);
            _body = body; _count = count; _chunks = chunks; _failure = null;
            Volatile.Write(ref _done, 0);
            int id = ++_jobId;
            Volatile.Write(ref _claim, (long)id << 32);
            Interlocked.Increment(ref _generation);
            for (int i = 0; i < chunks - 1; i++)
                if (Volatile.Read(ref _workers[i].Sleeping) == 1) _workers[i].Wake.Release();
            WorkOnCurrentJob();
            var spin = new SpinWait();
            while (Volatile.Read(ref _done) != chunks) spin.SpinOnce(sleep1Threshold: -1);
            failure = _failure;
            _body = null;
        }
        finally
        {
            Monitor.Exit(Gate);
        }
        if (failure != null) ExceptionDispatchInfo.Capture(failure).Throw();
    }

    /// <summary>Claims and runs chunks of the current job until none are left (or the job has changed).</summary>
    private static void WorkOnCurrentJob()
    {
        while (true)
        {
            long claim = Volatile.Read(ref _claim);
            int c = (int)claim;
            // Read the job's fields after its claim word; if a newer job replaced them, the CAS below fails.
            var body = Volatile.Read(ref _body);
            int count = _count, chunks = _chunks;
            if (c >= chunks || body == null) return;
            if (Interlocked.CompareExchange(ref _claim, claim + 1, claim) != claim) continue;
            try
            {
                RunChunk(body, ChunkStart(count, chunks, c), ChunkStart(count, chunks, c + 1));
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }
            Interlocked.Increment(ref _done);
        }
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
            WorkOnCurrentJob();
        }
    }
}
