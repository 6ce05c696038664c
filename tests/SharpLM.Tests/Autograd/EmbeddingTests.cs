using SharpLM.Autograd;
using SharpLM.Tensors;

namespace SharpLM.Tests.Autograd;

public class EmbeddingTests
{
    [Fact]
    public void ForwardCopiesRowsAndBackwardScatterAdds()
    {
        var table = new Variable(Tensor.RandomNormal([6, 4], 0, 1, 1), requiresGrad: true);
        int[] ids = [2, 5, 2, 0, 3, 2];
        var tape = new Tape();
        var y = tape.Embedding(table, ids, 2, 3);
        Assert.Equal([2, 3, 4], y.Data.ShapeArray);
        for (int i = 0; i < ids.Length; i++)
            for (int c = 0; c < 4; c++) Assert.Equal(table.Data[ids[i] * 4 + c], y.Data[i * 4 + c]);

        var m = Tensor.RandomNormal([2, 3, 4], 0, 1, 2);
        GradCheck.AssertGradients(t => GradCheck.WeightedSum(t, t.Embedding(table, ids, 2, 3), m), [table]);
        // id 2 appears three times: its gradient row is the sum of three weight rows; id 1 never: zero.
        for (int c = 0; c < 4; c++)
        {
            Assert.Equal(m[0 * 4 + c] + m[2 * 4 + c] + m[5 * 4 + c], table.Grad![2 * 4 + c], 1e-5);
            Assert.Equal(0f, table.Grad![1 * 4 + c]);
        }
    }

    [Fact]
    public void OutOfRangeIdIsRejected()
    {
        var tape = new Tape();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => tape.Embedding(new Variable(new Tensor(3, 2)), [0, 3], 2));
        Assert.Contains("id 3", ex.Message);
    }
}
