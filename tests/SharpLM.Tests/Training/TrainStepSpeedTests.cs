using SharpLM.Autograd;
using SharpLM.Models;
using SharpLM.Tensors;
using SharpLM.Training;

namespace SharpLM.Tests.Training;

public class TrainStepSpeedTests
{
    private static readonly GptConfig Tiny = new() { VocabSize = 500, BlockSize = 32, Layers = 2, Heads = 2, Width = 64 };

    [Fact]
    public void FusedHeadAndLossEqualLinearThenCrossEntropy()
    {
        int n = 6, c = 8, vp = 16, v = 13;
        var rng = new Rng(9);
        var targets = Enumerable.Range(0, n).Select(_ => rng.NextInt(v)).ToArray();
        targets[2] = -1; // ignored row
        Variable X() => new(Tensor.RandomNormal([2, 3, c], 0, 1, 1), requiresGrad: true);
        Variable W()
        {
            var w = Tensor.RandomNormal([vp, c], 0, 0.5f, 2);
            w.Span[(v * c)..].Clear(); // padding rows, as a GPT keeps them
            return new Variable(w, requiresGrad: true);
        }

        var (x1, w1) = (X(), W());
        var tape1 = new Tape();
        var fused = tape1.LinearCrossEntropy(x1, w1, targets, classes: v);
        tape1.Backward(fused);

        var (x2, w2) = (X(), W());
        var tape2 = new Tape();
        var reference = tape2.CrossEntropy(tape2.Linear(x2, w2), targets, classes: v);
        tape2.Backward(reference);

        Assert.Equal(reference.Data[0], fused.Data[0], 5);
        AssertClose(x2.Grad!.Span, x1.Grad!.Span);
        AssertClose(w2.Grad!.Span, w1.Grad!.Span);
        Assert.All(w1.Grad!.Span[(v * c)..].ToArray(), g => Assert.Equal(0f, g)); // padding rows get no gradient
    }

    [Fact]
    public void ProfilerAccountsForTheWholeStepInEveryCategory()
    {
        var runner = new TrainStepRunner(new Gpt(Tiny, seed: 1), batch: 4, time: 16, seed: 2);
        var profiler = new TapeProfiler();
        runner.Profiler = profiler;
        runner.Run(); // warm-up: JIT, buffer pool, the profiler's table
        profiler.Clear();
        double stepMs = 0;
        for (int i = 0; i < 3; i++) stepMs += runner.Run().TotalMs;

        var categories = profiler.Categories().Select(c => c.Category).ToHashSet();
        foreach (var expected in new[] { "matmul fwd", "matmul bwd", "attention fwd", "attention bwd", "norm fwd", "norm bwd",
                     "activation fwd", "activation bwd", "cross-entropy fwd", "cross-entropy bwd", "embedding fwd", "embedding bwd",
                     "residual fwd", "residual bwd", "optimizer" })
            Assert.Contains(expected, categories);
        double profiled = profiler.TotalMilliseconds;
        Assert.True(profiled <= stepMs * 1.001 + 0.05, $"profiled {profiled:F3} ms exceeds the steps' {stepMs:F3} ms");
        Assert.True(profiled >= stepMs * 0.6, $"profiled {profiled:F3} ms covers too little of the steps' {stepMs:F3} ms");
        // Every op's calls are per step: 2 layers × 4 Linear forwards, 3 steps.
        var linearFwd = profiler.Entries().Where(e => e.Name.StartsWith("Linear ", StringComparison.Ordinal) && e.Phase == "fwd").Sum(e => e.Calls);
        Assert.Equal(3 * 2 * 4, linearFwd);
        Assert.Equal(3, profiler.Entries().Single(e => e.Name.StartsWith("LinearCrossEntropy", StringComparison.Ordinal) && e.Phase == "bwd").Calls);
    }

    [Fact]
    public void StepsAfterTheFirstAllocateNoLargeBuffers()
    {
        var runner = new TrainStepRunner(new Gpt(Tiny, seed: 3), batch: 4, time: 32, seed: 4);
        runner.Run();
        runner.Run();
        int poolAllocations = runner.PoolAllocations;
        // Buffers are rented on the calling thread (kernel workers only compute), so this thread's count sees them.
        long before = GC.GetAllocatedBytesForCurrentThread();
        const int steps = 3;
        for (int i = 0; i < steps; i++) runner.Run();
        long perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / steps;

        Assert.Equal(poolAllocations, runner.PoolAllocations);
        // One step's activations alone are megabytes (the logits [128,512] are 256 KB); what remains
        // is small bookkeeping (graph nodes, closures), far below even one activation buffer.
        Assert.True(perStep < 64 * 1024, $"a steady-state training step allocated {perStep} bytes");
    }

    [Fact]
    public void ReleasedGradientsAreOverwrittenNotAddedTo()
    {
        var model = new Gpt(Tiny, seed: 5);
        var rng = new Rng(6);
        int[] Ids() => Enumerable.Range(0, 2 * 8).Select(_ => rng.NextInt(Tiny.VocabSize)).ToArray();
        var (ids1, targets1, ids2, targets2) = (Ids(), Ids(), Ids(), Ids());
        var parameters = model.Parameters().ToArray();

        var tape = new Tape();
        tape.Backward(model.Loss(tape, ids1, targets1, 2, 8));
        var buffers = parameters.Select(p => p.Grad!).ToArray();
        foreach (var p in parameters) p.ReleaseGradient();
        Assert.All(parameters, p => Assert.Null(p.Grad));
        tape.Reset();
        tape.Backward(model.Loss(tape, ids2, targets2, 2, 8));
        var reused = parameters.Select(p => p.Grad!.ToArray()).ToArray();
        Assert.All(parameters.Zip(buffers), pair => Assert.Same(pair.Second, pair.First.Grad)); // same storage, no new buffer

        foreach (var p in parameters) p.Grad = null; // a fresh gradient for batch 2 alone
        tape.Reset();
        tape.Backward(model.Loss(tape, ids2, targets2, 2, 8));
        for (int i = 0; i < parameters.Length; i++) AssertClose(parameters[i].Grad!.Span, reused[i]);
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6f + 1e-5f * Math.Abs(expected[i]), $"element {i}: expected {expected[i]}, got {actual[i]}");
    }
}
