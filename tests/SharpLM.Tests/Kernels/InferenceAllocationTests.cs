using SharpLM.Kernels;
using SharpLM.Tensors;

namespace SharpLM.Tests.Kernels;

public unsafe class InferenceAllocationTests
{
    [Fact]
    public void OneTokenKernelsAllocateNothing()
    {
        int c = 768;
        var x = Tensor.RandomNormal([4 * c], 0, 1, 1);
        var y = new Tensor(4 * c);
        var g = Tensor.Full(1f, c);
        var b = new Tensor(c);
        var stats = new Tensor(2);
        void Step()
        {
            Activations.GeluForward(x.Pointer, y.Pointer, 4 * c);
            Activations.SiluForward(x.Pointer, y.Pointer, 4 * c);
            Activations.SwiGluForward(x.Pointer, x.Pointer, y.Pointer, 4 * c);
            Activations.Tanh(x.Pointer, y.Pointer, 4 * c);
            Activations.Exp(x.Pointer, y.Pointer, c);
            Softmax.Row(x.Pointer, y.Pointer, c, 0.5f);
            Softmax.Rows(x.Pointer, y.Pointer, 1, c);
            LayerNormKernel.Forward(x.Pointer, g.Pointer, b.Pointer, y.Pointer, stats.Pointer, stats.Pointer + 1, 1, c, 1e-5f);
            RmsNormKernel.Forward(x.Pointer, g.Pointer, y.Pointer, stats.Pointer, 1, c, 1e-5f);
        }
        for (int i = 0; i < 3; i++) Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
