namespace SharpLM.Generation;

/// <summary>The inference forward pass over this generator's KV cache (no autograd tape, no allocation).</summary>
public sealed unsafe partial class Generator
{
    /// <summary>
    /// Runs <paramref name="n"/> tokens (already in <c>_tokens</c> at positions p0 … p0+n−1)
    /// through every layer with the engine's one forward (<see cref="BatchForward"/>), appending
    /// their keys and values to this generator's cache, and leaves the last token's logits in the
    /// state. n = 1 is the decode step (matrix-vector products); n &gt; 1 is a prefill chunk
    /// (matrix-matrix products, causal attention against the cache).
    /// </summary>
    private void Forward(int p0, int n, float* capture, int captureStride)
    {
        _rows.Clear();
        float* keys = _state.KeyCache.Pointer, values = _state.ValueCache.Pointer;
        for (int i = 0; i < n; i++) _rows.Add(_tokens[p0 + i], p0 + i, keys, values);
        _forward.Run(_rows, everyRow: false, _state.Logits.Pointer, capture, captureStride);
    }
}
