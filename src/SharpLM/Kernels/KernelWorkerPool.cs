using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace SharpLM.Kernels;

/// <summary>
/// The persistent worker threads behind <see cref="KernelThreads.For"/>. A training step
/// runs hundreds of small GEMMs; waking a worker that is already spinning costs well under a
/// microsecond, while <c>Parallel.For</c> pays several microseconds per call. Workers spin
/// briefly after each job (the next kernel usually follows at once) and then sleep on a
/// semaphore, so an idle engine uses no CPU.
/// </summary>
internal static class KernelWorkerPool
{
    /// <summary>How long a worker keeps polling for the next job before it goes to sleep.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000; // 200 µs

    private sealed class Worker
    {
        public readonly SemaphoreSlim Wake = new(0);
        public Action<int, int>? Body;
        public int Start, End;
        public int Posted;   // job sequence number written by the caller
        public int Sleeping; // 1 while the worker is (about to be) blocked on Wake
    }

    private static readonly object Gate = new();
    private static Worker[] _workers = [];
    private static int _pending;
    private static Exception? _failure;

    [ThreadStatic] private static bool _insideParallel;

    /// <summary>True on a thread that is currently running one chunk of a parallel loop (nested loops then run inline).</summary>
    public static bool InsideParallel => _insideParallel;

    /// <summary>
    /// Runs chunk c of <paramref name="chunks"/> (the contiguous range [count·c/chunks, count·(c+1)/chunks))
    /// for every c, chunk 0 on the calling thread and the rest on workers. If another caller is
    /// using the pool, all chunks run here one after another: the split, and so the result, is the same.
    /// </summary>
    public static void Run(int count, int chunks, Action<int, int> body)
    {
        if (!Monitor.TryEnter(Gate))
        {
            RunInline(count, chunks, body);
            return;
        }
        try
        {
            EnsureWorkers(chunks - 1);
            _failure = null;
            Volatile.Write(ref _pending, chunks - 1);
            for (int c = 1; c < chunks; c++)
            {
                var w = _workers[c - 1];
                w.Body = body;
                w.Start = ChunkStart(count, chunks, c);
                w.End = ChunkStart(count, chunks, c + 1);
                Interlocked.Increment(ref w.Posted);
                if (Volatile.Read(ref w.Sleeping) == 1) w.Wake.Release();
            }
            RunChunk(body, 0, ChunkStart(count, chunks, 1));
            var spin = new SpinWait();
            while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
            if (_failure is { } e) ExceptionDispatchInfo.Capture(e).Throw();
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    /// <summary>Start of chunk c when [0,count) is cut into <paramref name="chunks"/> near-equal contiguous pieces.</summary>
    public static int ChunkStart(int count, int chunks, int c) => (int)((long)count * c / chunks);

    private static void RunInline(int count, int chunks, Action<int, int> body)
    {
        for (int c = 0; c < chunks; c++)
        {
            int s = ChunkStart(count, chunks, c), e = ChunkStart(count, chunks, c + 1);
            if (e > s) RunChunk(body, s, e);
        }
    }

    private static void RunChunk(Action<int, int> body, int start, int end)
    {
        bool outer = _insideParallel;
        _insideParallel = true;
        try
        {
            if (end > start) body(start, end);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
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
        int seen = 0;
        while (true)
        {
            // Poll for the next job for a short while, then sleep until the caller wakes us.
            long deadline = Stopwatch.GetTimestamp() + SpinTicks;
            while (Volatile.Read(ref w.Posted) == seen && Stopwatch.GetTimestamp() < deadline) Thread.SpinWait(20);
            if (Volatile.Read(ref w.Posted) == seen)
            {
                Interlocked.Exchange(ref w.Sleeping, 1);
                if (Volatile.Read(ref w.Posted) == seen) w.Wake.Wait();
                Interlocked.Exchange(ref w.Sleeping, 0);
                if (Volatile.Read(ref w.Posted) == seen) continue; // a stale wake-up: no new job
            }
            seen = Volatile.Read(ref w.Posted);
            var body = w.Body!;
            RunChunk(body, w.Start, w.End);
            w.Body = null;
            Interlocked.Decrement(ref _pending);
        }
    }
}
