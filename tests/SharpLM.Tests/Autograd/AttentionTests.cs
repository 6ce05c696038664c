using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

public class AttentionTests
{
    private static double[][] HeadRows(Tensor t, int bh, int rows, int d) =>
        Enumerable.Range(0, rows).Select(i => Enumerable.Range(0, d).Select(x => (double)t[(bh * rows + i) * d + x]).ToArray()).ToArray();

    /// <summary>Runs the op and compares every head with the double-precision reference under the same mask rule.</summary>
    private static void CheckForward(int b, int h, int tq, int tk, int d, bool causal, int[]? lengths, bool[]? mask)
    {
        var q = Tensor.RandomNormal([b, h, tq, d], 0, 1, 1);
        var k = Tensor.RandomNormal([b, h, tk, d], 0, 1, 2);
        var v = Tensor.RandomNormal([b, h, tk, d], 0, 1, 3);
        var tape = new Tape();
        var y = tape.ScaledDotProductAttention(tape.Input(q), tape.Input(k), tape.Input(v), causal, lengths, mask);
        for (int bh = 0; bh < b * h; bh++)
        {
            int bi = bh / h;
            var o = AttentionReference.Head(HeadRows(q, bh, tq, d), HeadRows(k, bh, tk, d), HeadRows(v, bh, tk, d),
                (i, j) => (!causal || j <= i + tk - tq) && (lengths is null || j < lengths[bi]) && (mask is null || mask[(bi * tq + i) * tk + j]));
            for (int i = 0; i < tq; i++)
                for (int x = 0; x < d; x++) Assert.Equal(o[i][x], y.Data[(bh * tq + i) * d + x], 1e-4);
        }
    }

    private static bool[] RandomMask(int n, ulong seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, n).Select(_ => rng.NextFloat() < 0.7f).ToArray();
    }

    [Fact] public void BidirectionalForward() => CheckForward(2, 2, 9, 9, 5, false, null, null);
    [Fact] public void CausalForwardAcrossBlocks() => CheckForward(1, 2, SharpLM.Kernels.AttentionKernel.BlockRows + 9, SharpLM.Kernels.AttentionKernel.BlockRows + 9, 4, true, null, null);
    [Fact] public void PaddedCrossAttentionAcrossBlocks() => CheckForward(2, 1, SharpLM.Kernels.AttentionKernel.BlockRows + 2, 13, 4, false, [13, 3], null);
    [Fact] public void CausalWithFewerQueriesThanKeys() => CheckForward(1, 1, 3, 8, 4, true, null, null);
    [Fact] public void PaddingByKeyLengths() => CheckForward(3, 2, 6, 6, 4, false, [6, 2, 0], null);
    [Fact] public void BoolMaskForward() => CheckForward(2, 2, 5, 7, 3, false, null, RandomMask(2 * 5 * 7, 4));
    [Fact] public void CrossAttentionForward() => CheckForward(2, 3, 4, 11, 6, false, [11, 5], null);

    [Theory]
    [InlineData(false, false, false, 5, 7)]
    [InlineData(true, false, false, 6, 6)]
    [InlineData(false, true, false, 4, 9)]
    [InlineData(false, false, true, 5, 6)]
    [InlineData(true, true, false, SharpLM.Kernels.AttentionKernel.BlockRows + 2, SharpLM.Kernels.AttentionKernel.BlockRows + 2)]
    public void GradientsMatchFiniteDifferences(bool causal, bool lengths, bool useMask, int tq, int tk)
    {
        int b = 2, h = 2, d = 4;
        var q = new Variable(Tensor.RandomNormal([b, h, tq, d], 0, 1, 5), requiresGrad: true);
        var k = new Variable(Tensor.RandomNormal([b, h, tk, d], 0, 1, 6), requiresGrad: true);
        var v = new Variable(Tensor.RandomNormal([b, h, tk, d], 0, 1, 7), requiresGrad: true);
        var m = Tensor.RandomNormal([b, h, tq, d], 0, 1, 8);
        int[]? len = lengths ? [tk, tk / 2] : null;
        bool[]? mask = useMask ? RandomMask(b * tq * tk, 9) : null;
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.ScaledDotProductAttention(q, k, v, causal, len, mask), m),
            [q, k, v], maxChecksPerInput: 80);
    }

    [Fact]
    public void OnlyValuesNeedGradient()
    {
        var q = new Variable(Tensor.RandomNormal([1, 1, 3, 4], 0, 1, 10));
        var k = new Variable(Tensor.RandomNormal([1, 1, 3, 4], 0, 1, 11));
        var v = new Variable(Tensor.RandomNormal([1, 1, 3, 4], 0, 1, 12), requiresGrad: true);
        var m = Tensor.RandomNormal([1, 1, 3, 4], 0, 1, 13);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.ScaledDotProductAttention(q, k, v), m), [v]);
        Assert.Null(q.Grad);
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        var tape = new Tape();
        var q = tape.Input(new Tensor(1, 2, 3, 4));
        Assert.Throws<ArgumentException>(() => tape.ScaledDotProductAttention(q, tape.Input(new Tensor(1, 2, 3, 5)), tape.Input(new Tensor(1, 2, 3, 5))));
        Assert.Throws<ArgumentOutOfRangeException>(() => tape.ScaledDotProductAttention(q, q, q, keyLengths: [4]));
        Assert.Throws<ArgumentException>(() => tape.ScaledDotProductAttention(q, q, q, mask: new bool[5]));
    }
}
