using SharpLM.Tensors;

namespace SharpLM.Autograd;

/// <summary>
/// Reuses activation and gradient buffers across training steps: a training step with the
/// same shapes as the last one gets back the same storage instead of allocating anew.
/// </summary>
internal sealed class TensorPool
{
    private readonly Dictionary<int, Stack<Tensor>> _free = new();
    private readonly List<Tensor> _rented = new();

    /// <summary>How many buffers this pool has allocated (not reused) so far.</summary>
    public int Allocations { get; private set; }

    public Tensor Rent(int[] shape, bool zero)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        int length = (int)n;
        Tensor storage;
        if (_free.TryGetValue(length, out var stack) && stack.Count > 0)
        {
            storage = stack.Pop();
            if (zero) storage.Clear();
        }
        else { storage = new Tensor(length); Allocations++; }
        _rented.Add(storage);
        return storage.Reshape(shape);
    }

    public void ReturnAll()
    {
        foreach (var t in _rented)
        {
            if (!_free.TryGetValue(t.Length, out var stack)) _free[t.Length] = stack = new Stack<Tensor>();
            stack.Push(t);
        }
        _rented.Clear();
    }
}
