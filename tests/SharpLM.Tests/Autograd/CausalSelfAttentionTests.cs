using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

public class CausalSelfAttentionTests
{
    [Theory]
    [InlineData(2, SharpLM.Kernels.AttentionKernel.BlockRows + 5, 12, 3)]  // T crosses a query block boundary
    [InlineData(1, 1, 8, 2)]
    [InlineData(2, 5, 6, 1)]
    public void ForwardMatchesReference(int b, int t, int c, int h)
    {
        var qkv = Tensor.RandomNormal([b, t, 3 * c], 0, 1, 1);
        var tape = new Tape();
        var y = tape.CausalSelfAttention(tape.Input(qkv), h);
        Assert.Equal([b, t, c], y.Data.ShapeArray);
        int d = c / h;
        for (int bi = 0; bi < b; bi++)
            for (int hi = 0; hi < h; hi++)
            {
                double[][] Part(int which) => Enumerable.Range(0, t).Select(ti =>
                    Enumerable.Range(0, d).Select(x => (double)qkv[(bi * t + ti) * 3 * c + which * c + hi * d + x]).ToArray()).ToArray();
                var o = AttentionReference.Head(Part(0), Part(1), Part(2), (i, j) => j <= i);
                for (int ti = 0; ti < t; ti++)
                    for (int x = 0; x < d; x++)
                        Assert.Equal(o[ti][x], y.Data[(bi * t + ti) * c + hi * d + x], 1e-4);
            }
    }

    [Theory]
    [InlineData(1, SharpLM.Kernels.AttentionKernel.BlockRows + 3, 8, 2)]
    [InlineData(2, 5, 12, 3)]
    public void GradientMatchesFiniteDifferences(int b, int t, int c, int h)
    {
        var qkv = new Variable(Tensor.RandomNormal([b, t, 3 * c], 0, 1, 2), requiresGrad: true);
        var m = Tensor.RandomNormal([b, t, c], 0, 1, 3);
        GradCheck.AssertGradients(tape => GradCheck.WeightedSum(tape, tape.CausalSelfAttention(qkv, h), m), [qkv], maxChecksPerInput: 200);
    }

    [Fact]
    public void BadShapesAreRejected()
    {
        var tape = new Tape();
        Assert.Throws<ArgumentException>(() => tape.CausalSelfAttention(tape.Input(new Tensor(1, 2, 12)), 3));
        Assert.Throws<ArgumentException>(() => tape.CausalSelfAttention(tape.Input(new Tensor(1, 2, 10)), 3));
    }
}
