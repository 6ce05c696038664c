using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SharpLM.Generation;

/// <summary>
/// What one forward pass over the decoder computes: row r is token <see cref="Tokens"/>[r] at
/// position <see cref="Positions"/>[r] of the sequence whose KV cache is
/// (<see cref="KeyCaches"/>[r], <see cref="ValueCaches"/>[r]), each <c>[L, T, Hkv·D]</c>. A
/// prefill chunk is rows of one sequence at consecutive positions; a batched decode step is one
/// row per sequence, each in its own cache at its own position. The arrays are pinned and
/// allocated once, so filling them per step allocates nothing.
/// </summary>
internal sealed unsafe class BatchRows
{
    private readonly int[] _tokens, _positions;
    private readonly nint[] _keys, _values;

    /// <summary>Room for <paramref name="capacity"/> rows.</summary>
    public BatchRows(int capacity)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), $"a forward pass needs room for ≥ 1 row, got {capacity}.");
        Capacity = capacity;
        _tokens = GC.AllocateArray<int>(capacity, pinned: true);
        _positions = GC.AllocateArray<int>(capacity, pinned: true);
        _keys = GC.AllocateArray<nint>(capacity, pinned: true);
        _values = GC.AllocateArray<nint>(capacity, pinned: true);
        Tokens = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_tokens));
        Positions = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_positions));
        KeyCaches = (float**)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_keys));
        ValueCaches = (float**)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_values));
    }

    /// <summary>Most rows one pass can hold.</summary>
    public int Capacity { get; }

    /// <summary>Rows in use.</summary>
    public int Count { get; private set; }

    /// <summary>Token id of each row.</summary>
    public int* Tokens { get; }

    /// <summary>Position of each row in its own sequence (where its key and value are written).</summary>
    public int* Positions { get; }

    /// <summary>Key cache of each row's sequence.</summary>
    public float** KeyCaches { get; }

    /// <summary>Value cache of each row's sequence.</summary>
    public float** ValueCaches { get; }

    /// <summary>Largest position among the rows (attention's longest context this pass).</summary>
    public int MaxPosition { get; private set; }

    /// <summary>Forgets the rows.</summary>
    public void Clear() { Count = 0; MaxPosition = 0; }

    /// <summary>Adds a row: <paramref name="token"/> at <paramref name="position"/> of the sequence cached in (<paramref name="keys"/>, <paramref name="values"/>).</summary>
    public void Add(int token, int position, float* keys, float* values)
    {
        if (Count == Capacity) throw new InvalidOperationException($"forward rows: all {Capacity} rows are in use.");
        int r = Count++;
        Tokens[r] = token; Positions[r] = position; KeyCaches[r] = keys; ValueCaches[r] = values;
        if (r == 0 || position > MaxPosition) MaxPosition = position;
    }
}
