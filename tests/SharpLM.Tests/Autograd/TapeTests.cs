using SharpLM.Autograd;
using SharpLM.Kernels;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

/// <summary>Tests that change the global kernel thread count run alone, after the parallel ones.</summary>
[CollectionDefinition("KernelThreadCount", DisableParallelization = true)]
public class KernelThreadCountCollection;

[Collection("KernelThreadCount")]
public class TapeTests
{
    private const int B = 2, T = SharpLM.Kernels.AttentionKernel.BlockRows + 3, C = 16, H = 2, V = 23;

    private sealed class TinyGpt
    {
        public readonly Variable Wte = P([V, C], 1, 0.5f), Wpe = P([T, C], 2, 0.5f), G = P([C], 3, 0.1f, 1), Bt = P([C], 4, 0.1f);
        public readonly Variable Wqkv = P([3 * C, C], 5, 0.3f), Bqkv = P([3 * C], 6, 0.1f), Wo = P([C, C], 7, 0.3f);
        public readonly Variable Wfc = P([4 * C, C], 8, 0.3f), Wout = P([V, 4 * C], 9, 0.3f);
        public Variable[] All => [Wte, Wpe, G, Bt, Wqkv, Bqkv, Wo, Wfc, Wout];

        private static Variable P(int[] shape, ulong seed, float std, float mean = 0) => new(Tensor.RandomNormal(shape, mean, std, seed), requiresGrad: true);

        /// <summary>Embeddings → LayerNorm → attention → residual → MLP with GELU and dropout → cross-entropy.</summary>
        public Variable Loss(Tape tape, int[] ids, int[] targets, ulong dropoutSeed)
        {
            var x = tape.AddBroadcast(tape.Embedding(Wte, ids, B, T), Wpe);
            var h = tape.LayerNorm(x, G, Bt);
            var att = tape.Linear(tape.CausalSelfAttention(tape.Linear(h, Wqkv, Bqkv), H), Wo);
            x = tape.Add(x, att);
            var mlp = tape.Dropout(tape.Gelu(tape.Linear(x, Wfc)), 0.1f, new Rng(dropoutSeed));
            return tape.CrossEntropy(tape.Linear(mlp, Wout), targets);
        }
    }

    private static (int[] ids, int[] targets) Batch()
    {
        var rng = new Rng(42);
        var ids = Enumerable.Range(0, B * T).Select(_ => rng.NextInt(V)).ToArray();
        var targets = Enumerable.Range(0, B * T).Select(i => i % 7 == 3 ? -1 : rng.NextInt(V)).ToArray();
        return (ids, targets);
    }

    private static uint[] Bits(float[] values) => values.Select(BitConverter.SingleToUInt32Bits).ToArray();

    [Fact]
    public void SameSeedAndThreadCountGiveBitIdenticalForwardAndBackward()
    {
        int saved = KernelThreads.Count;
        try
        {
            KernelThreads.Count = 2;
            var (ids, targets) = Batch();
            var runs = new List<uint[]>();
            for (int run = 0; run < 2; run++)
            {
                var model = new TinyGpt();
                var tape = new Tape();
                var loss = model.Loss(tape, ids, targets, 7);
                tape.Backward(loss);
                runs.Add([.. Bits(loss.Data.ToArray()), .. model.All.SelectMany(p => Bits(p.Grad!.ToArray()))]);
            }
            Assert.Equal(runs[0], runs[1]);
        }
        finally { KernelThreads.Count = saved; }
    }

    [Fact]
    public void PoolReusesBuffersOnTheSecondIdenticalStep()
    {
        var (ids, targets) = Batch();
        var model = new TinyGpt();
        var tape = new Tape();
        float first = 0;
        int allocationsAfterFirstStep = 0;
        for (int step = 0; step < 3; step++)
        {
            foreach (var p in model.All) p.ZeroGrad();
            var loss = model.Loss(tape, ids, targets, 7);
            tape.Backward(loss);
            if (step == 0) { first = loss.Data[0]; allocationsAfterFirstStep = tape.PoolAllocations; }
            else Assert.Equal(first, loss.Data[0]); // recycled buffers hold no stale state
            tape.Reset();
        }
        Assert.True(allocationsAfterFirstStep > 10);
        Assert.Equal(allocationsAfterFirstStep, tape.PoolAllocations);
    }

    [Fact]
    public void NoGradTapeRecordsNothingAndBackwardExplains()
    {
        var (ids, targets) = Batch();
        var tape = new Tape(recordGradients: false);
        var loss = new TinyGpt().Loss(tape, ids, targets, 7);
        Assert.Equal(0, tape.Count);
        Assert.False(loss.RequiresGrad);
        Assert.Throws<InvalidOperationException>(() => tape.Backward(loss));
    }

    [Fact]
    public void ATinyModelLearnsWithPlainGradientDescent()
    {
        var (ids, _) = Batch();
        var targets = ids.Select(i => (i * 5 + 1) % V).ToArray(); // a learnable mapping of the current token
        var model = new TinyGpt();
        var tape = new Tape { Training = false };
        float first = 0, last = 0;
        for (int step = 0; step < 60; step++)
        {
            foreach (var p in model.All) p.ZeroGrad();
            var loss = model.Loss(tape, ids, targets, 7);
            tape.Backward(loss);
            if (step == 0) first = loss.Data[0];
            last = loss.Data[0];
            foreach (var p in model.All) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(p.Grad!.Span, -0.5f, p.Data.Span, p.Data.Span);
            tape.Reset();
        }
        Assert.True(last < 0.5f * first, $"loss went from {first} to {last}");
    }
}
