using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

public class GroupedQueryAttentionTests
{
    /// <summary>Splits a fused qkv [B,T,(H+2Hkv)D] into q [B,H,T,D] and k, v repeated to H heads (each kv head copied to its H/Hkv query heads).</summary>
    private static (Tensor Q, Tensor K, Tensor V) Expand(Tensor qkv, int h, int hkv)
    {
        int b = qkv.Dim(0), t = qkv.Dim(1), w = qkv.Dim(2), d = w / (h + 2 * hkv), g = h / hkv;
        var q = new Tensor(b, h, t, d); var k = new Tensor(b, h, t, d); var v = new Tensor(b, h, t, d);
        for (int bi = 0; bi < b; bi++)
            for (int hi = 0; hi < h; hi++)
                for (int ti = 0; ti < t; ti++)
                    for (int x = 0; x < d; x++)
                    {
                        int src = (bi * t + ti) * w, dst = ((bi * h + hi) * t + ti) * d + x;
                        q[dst] = qkv[src + hi * d + x];
                        k[dst] = qkv[src + h * d + hi / g * d + x];
                        v[dst] = qkv[src + (h + hkv) * d + hi / g * d + x];
                    }
        return (q, k, v);
    }

    [Theory]
    [InlineData(2, 7, 4, 2, 4)]
    [InlineData(1, SharpLM.Kernels.AttentionKernel.BlockRows + 3, 6, 1, 8)]   // multi-query, T crossing a query block
    [InlineData(2, 5, 3, 3, 4)]                                                // KvHeads == Heads: ordinary multi-head attention
    public void EqualsOrdinaryAttentionWithRepeatedKeyValueHeadsIncludingGradients(int b, int t, int h, int hkv, int d)
    {
        int w = (h + 2 * hkv) * d, g = h / hkv;
        var qkv = new Variable(Tensor.RandomNormal([b, t, w], 0, 1, 21), requiresGrad: true);
        var dy = Tensor.RandomNormal([b, t, h * d], 0, 1, 22);
        var tape = new Tape();
        var y = tape.CausalSelfAttention(qkv, h, hkv);
        y.GradOrZeros(tape);
        dy.CopyTo(y.Grad!);
        tape.BackwardFrom(y);

        var (q0, k0, v0) = Expand(qkv.Data, h, hkv);
        Variable q = new(q0, true), k = new(k0, true), v = new(v0, true);
        var refTape = new Tape();
        var o = refTape.ScaledDotProductAttention(q, k, v, causal: true);   // [B,H,T,D]
        var dO = o.GradOrZeros(refTape);
        for (int bi = 0; bi < b; bi++)
            for (int hi = 0; hi < h; hi++)
                for (int ti = 0; ti < t; ti++)
                    for (int x = 0; x < d; x++)
                    {
                        int oi = ((bi * h + hi) * t + ti) * d + x, yi = (bi * t + ti) * h * d + hi * d + x;
                        Assert.Equal(o.Data[oi], y.Data[yi], 1e-5);
                        dO[oi] = dy[yi];
                    }
        refTape.BackwardFrom(o);

        // dq equals; dk and dv of a shared head are the sums over the query heads that read it.
        for (int bi = 0; bi < b; bi++)
            for (int ti = 0; ti < t; ti++)
            {
                int row = (bi * t + ti) * w;
                for (int hi = 0; hi < h; hi++)
                    for (int x = 0; x < d; x++)
                        Assert.Equal(q.Grad![((bi * h + hi) * t + ti) * d + x], qkv.Grad![row + hi * d + x], 1e-4);
                for (int kv = 0; kv < hkv; kv++)
                    for (int x = 0; x < d; x++)
                    {
                        double sk = 0, sv = 0;
                        for (int j = 0; j < g; j++)
                        {
                            int e = ((bi * h + kv * g + j) * t + ti) * d + x;
                            sk += k.Grad![e]; sv += v.Grad![e];
                        }
                        Assert.Equal(sk, qkv.Grad![row + h * d + kv * d + x], 1e-4);
                        Assert.Equal(sv, qkv.Grad![row + (h + hkv) * d + kv * d + x], 1e-4);
                    }
            }
    }

    [Fact]
    public void KvHeadsEqualToHeadsIsTheOrdinaryFusedAttention()
    {
        var qkv = Tensor.RandomNormal([2, 9, 3 * 12], 0, 1, 5);
        var a = new Tape(false).CausalSelfAttention(new Variable(qkv), 3).Data.ToArray();
        var b = new Tape(false).CausalSelfAttention(new Variable(qkv), 3, kvHeads: 3).Data.ToArray();
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData(1, SharpLM.Kernels.AttentionKernel.BlockRows + 2, 4, 2, 2)]
    [InlineData(2, 5, 4, 1, 3)]
    [InlineData(2, 4, 6, 2, 2)]
    public void GradientMatchesFiniteDifferences(int b, int t, int h, int hkv, int d)
    {
        var qkv = new Variable(Tensor.RandomNormal([b, t, (h + 2 * hkv) * d], 0, 1, 7), requiresGrad: true) { Name = "qkv" };
        var m = Tensor.RandomNormal([b, t, h * d], 0, 1, 8);
        GradCheck.AssertGradients(tape => GradCheck.WeightedSum(tape, tape.CausalSelfAttention(qkv, h, hkv), m), [qkv], maxChecksPerInput: 200);
    }

    [Fact]
    public void HeadsNotDivisibleByKeyValueHeadsAreRejected()
    {
        var tape = new Tape();
        var e = Assert.Throws<ArgumentException>(() => tape.CausalSelfAttention(tape.Input(new Tensor(1, 2, 7 * 4)), 3, kvHeads: 2));
        Assert.Contains("not divisible", e.Message);
        Assert.Throws<ArgumentException>(() => tape.CausalSelfAttention(tape.Input(new Tensor(1, 2, 30)), 4, kvHeads: 2));
    }
}
