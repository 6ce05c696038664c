using SharpLM.Tensors;

namespace SharpLM.Autograd;

/// <summary>
/// A node of the computation graph: a tensor value and, after <see cref="Tape.Backward"/>,
/// the gradient of the loss with respect to it. Parameters (weights) are long-lived
/// variables with <see cref="RequiresGrad"/> set; activations are created by ops on a
/// <see cref="Tape"/> and live for one step.
/// </summary>
public sealed class Variable
{
    /// <summary>Creates a variable around <paramref name="data"/>.</summary>
    public Variable(Tensor data, bool requiresGrad = false, string? name = null)
    {
        Data = data;
        RequiresGrad = requiresGrad;
        Name = name;
    }

    /// <summary>The value.</summary>
    public Tensor Data { get; }

    private Tensor? _grad;
    private bool _gradReleased;

    /// <summary>∂loss/∂value, the same shape as <see cref="Data"/>; null until a backward pass reaches it (or after <see cref="ReleaseGradient"/>).</summary>
    public Tensor? Grad
    {
        get => _gradReleased ? null : _grad;
        set { _grad = value; _gradReleased = false; }
    }

    /// <summary>
    /// Forgets the gradient but keeps its buffer: <see cref="Grad"/> reads null, and the next backward
    /// overwrites the buffer instead of adding to zeros — zeroing between training steps without a pass over memory.
    /// </summary>
    public void ReleaseGradient() => _gradReleased = _grad is not null;

    /// <summary>Whether gradients flow to this variable (true for parameters and anything computed from them).</summary>
    public bool RequiresGrad { get; set; }

    /// <summary>An optional name (parameter names such as <c>h.0.attn.c_attn.weight</c>).</summary>
    public string? Name { get; set; }

    /// <summary>The shape of <see cref="Data"/>.</summary>
    public ReadOnlySpan<int> Shape => Data.Shape;

    /// <summary>
    /// The gradient buffer, created zero-filled on first use: from the tape's pool for
    /// activations, as a new long-lived tensor for leaves such as parameters.
    /// </summary>
    public Tensor GradOrZeros(Tape tape)
    {
        if (_gradReleased) { _gradReleased = false; _grad!.Clear(); return _grad; }
        if (Grad is null)
            Grad = IsLeaf ? new Tensor(Data.ShapeArray) : tape.NewTensor(Data.ShapeArray, zero: true);
        return Grad;
    }

    /// <summary>
    /// The gradient buffer for an op's backward to write into. <paramref name="accumulate"/>
    /// is true when it already holds a gradient (add to it); false when it is fresh and
    /// uninitialized (the caller must overwrite every element). Saves a zero-fill per op.
    /// </summary>
    public Tensor GradBuffer(Tape tape, out bool accumulate)
    {
        if (_gradReleased) { _gradReleased = false; accumulate = false; return _grad!; }
        if (Grad is not null) { accumulate = true; return Grad; }
        accumulate = false;
        Grad = IsLeaf ? new Tensor(Data.ShapeArray) : tape.NewTensor(Data.ShapeArray);
        return Grad;
    }

    /// <summary>Sets the gradient to zero, keeping its buffer (call on parameters before each training step).</summary>
    public void ZeroGrad() => Grad?.Clear();

    /// <summary>True for variables not produced by an op on a tape (parameters, inputs).</summary>
    public bool IsLeaf { get; internal set; } = true;

    /// <inheritdoc />
    public override string ToString() => $"Variable{(Name is null ? "" : " " + Name)} {Data}";
}
