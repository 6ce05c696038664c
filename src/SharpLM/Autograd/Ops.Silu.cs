using SharpLM.Kernels;

namespace SharpLM.Autograd;

public static partial class Ops
{
    /// <summary>
    /// SiLU (swish) activation <c>y = x·σ(x)</c>, elementwise, any shape.
    /// Backward: <c>dx = dy·σ(x)·(1 + x·(1 − σ(x)))</c>.
    /// </summary>
    public static unsafe Variable Silu(this Tape tape, Variable x)
    {
        var y = tape.NewTensor(x.Data.ShapeArray);
        Activations.SiluForward(x.Data.Pointer, y.Pointer, y.Length);
        return tape.Record(y, r =>
        {
            var dx = x.GradBuffer(tape, out bool acc);
            Activations.SiluBackward(x.Data.Pointer, r.Grad!.Pointer, dx.Pointer, dx.Length, acc);
        }, x);
    }

    /// <summary>
    /// SwiGLU gating of LLaMA's feed-forward: <c>y = silu(a) ⊙ b</c> for same-shape a (gate) and b (up).
    /// Backward: <c>da = dy·b·silu'(a)</c>, <c>db = dy·silu(a)</c>.
    /// </summary>
    public static unsafe Variable SwiGlu(this Tape tape, Variable a, Variable b)
    {
        if (!a.Data.SameShape(b.Data)) throw new ArgumentException($"SwiGlu: gate {a.Data} and up {b.Data} must have the same shape.");
        var y = tape.NewTensor(a.Data.ShapeArray);
        Activations.SwiGluForward(a.Data.Pointer, b.Data.Pointer, y.Pointer, y.Length);
        return tape.Record(y, r =>
        {
            float* da = null, db = null;
            bool accA = false, accB = false;
            if (a.RequiresGrad) da = a.GradBuffer(tape, out accA).Pointer;
            if (b.RequiresGrad) db = b.GradBuffer(tape, out accB).Pointer;
            Activations.SwiGluBackward(a.Data.Pointer, b.Data.Pointer, r.Grad!.Pointer, da, accA, db, accB, y.Length);
        }, a, b);
    }
}
