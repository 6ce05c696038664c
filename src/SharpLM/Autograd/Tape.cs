using SharpLM.Tensors;

namespace SharpLM.Autograd;

/// <summary>
/// Reverse-mode automatic differentiation (backpropagation). Each op run on the tape
/// computes its output and records a closure that, given the output's gradient, adds
/// the gradients of its inputs. <see cref="Backward"/> runs those closures newest first.
/// Activation and gradient buffers come from a pool that <see cref="Reset"/> recycles,
/// so a training loop with fixed shapes allocates no large buffers after its first step.
/// </summary>
public sealed class Tape
{
    private readonly List<(Variable Output, Action<Variable> Backward)> _backward = new();
    private readonly TensorPool _pool = new();

    /// <summary>Creates a tape; with <paramref name="recordGradients"/> false it only runs forward (evaluation).</summary>
    public Tape(bool recordGradients = true) => RecordGradients = recordGradients;

    /// <summary>When false, ops compute values but record nothing (no-grad evaluation).</summary>
    public bool RecordGradients { get; set; }

    /// <summary>When true, dropout and other training-only behaviour is active.</summary>
    public bool Training { get; set; } = true;

    /// <summary>When set, times every op's forward and backward by op name (see <see cref="TapeProfiler"/>); null (the default) costs nothing.</summary>
    public TapeProfiler? Profiler { get; set; }

    /// <summary>Number of recorded backward steps.</summary>
    public int Count => _backward.Count;

    /// <summary>A buffer of the given shape from the pool (valid until <see cref="Reset"/>).</summary>
    public Tensor NewTensor(int[] shape, bool zero = false) => _pool.Rent(shape, zero);

    /// <summary>How many buffers the pool has had to allocate since the tape was created (steady-state training adds none).</summary>
    public int PoolAllocations => _pool.Allocations;

    /// <summary>Wraps a batch's input data (no gradient) so ops can take it; same as <see cref="Constant"/>.</summary>
    public Variable Input(Tensor value) => new(value, requiresGrad: false);

    /// <summary>Wraps a non-trainable input (token ids as floats, masks, targets).</summary>
    public Variable Constant(Tensor value) => new(value, requiresGrad: false);

    /// <summary>
    /// Creates the output variable of an op and, when any input needs a gradient and the
    /// tape is recording, records <paramref name="backward"/> for the backward pass.
    /// </summary>
    public Variable Record(Tensor output, Action<Variable>? backward, params Variable[] inputs)
    {
        bool needsGrad = false;
        foreach (var v in inputs) needsGrad |= v is not null && v.RequiresGrad;
        var result = new Variable(output, requiresGrad: needsGrad && RecordGradients) { IsLeaf = false };
        bool recorded = result.RequiresGrad && backward is not null;
        if (recorded) _backward.Add((result, backward!));
        Profiler?.OnForward(backward, output, recorded);
        return result;
    }

    /// <summary>
    /// Backpropagation: sets ∂loss/∂loss = 1 and runs every recorded backward step in
    /// reverse order, accumulating gradients into the variables that need them.
    /// </summary>
    public void Backward(Variable loss)
    {
        if (loss.Data.Length != 1)
            throw new ArgumentException($"Backward: the loss must be a single number, got {loss.Data}.", nameof(loss));
        if (!loss.RequiresGrad)
            throw new InvalidOperationException("Backward: the loss does not depend on any parameter that requires a gradient (or the tape is not recording).");
        loss.GradOrZeros(this).Span.Fill(1f);
        BackwardFrom(loss);
    }

    /// <summary>
    /// Runs the recorded backward steps when the caller has already set the output's gradient
    /// (<paramref name="output"/>.Grad), e.g. to backpropagate a non-scalar output or in benchmarks.
    /// </summary>
    public void BackwardFrom(Variable output)
    {
        if (output.Grad is null)
            throw new InvalidOperationException("BackwardFrom: set the output's gradient first (GradOrZeros, then fill it).");
        var profiler = Profiler;
        for (int i = _backward.Count - 1; i >= 0; i--)
        {
            var (recorded, backward) = _backward[i];
            if (recorded.Grad is null) continue; // outputs the loss does not depend on are skipped
            if (profiler is null) { backward(recorded); continue; }
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            backward(recorded);
            profiler.OnBackward(i, start);
        }
    }

    /// <summary>Forgets the recorded graph and returns all pooled buffers for reuse in the next step.</summary>
    public void Reset()
    {
        _backward.Clear();
        _pool.ReturnAll();
        Profiler?.OnReset();
    }
}
