using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SharpLM.Tensors;

/// <summary>
/// A tensor: a block of float32 numbers with a shape, stored row-major and contiguous
/// (the last dimension varies fastest, as llm.c writes <c>[B,T,C]</c>). Every activation,
/// weight and gradient in SharpLM is one of these.
/// </summary>
/// <remarks>
/// Storage is a pinned array on the pinned-object heap with the first element aligned to
/// 64 bytes, so SIMD kernels can take a stable pointer. <see cref="Reshape"/> and
/// <see cref="Rows"/> are views that share storage; <see cref="Permute"/>,
/// <see cref="Concat"/> and <see cref="Split"/> copy.
/// </remarks>
public sealed unsafe class Tensor
{
    /// <summary>Alignment of the first element, in bytes (one AVX-512 register, one cache line).</summary>
    public const int Alignment = 64;

    private readonly float[] _storage;
    private readonly int _offset;
    private readonly int[] _shape;

    /// <summary>Creates a zero-filled tensor of the given shape.</summary>
    public Tensor(params int[] shape)
    {
        _shape = CheckShape(shape);
        Length = Product(_shape);
        (_storage, _offset) = AllocateAligned(Length);
    }

    private Tensor(float[] storage, int offset, int[] shape)
    {
        _storage = storage;
        _offset = offset;
        _shape = shape;
        Length = Product(shape);
    }

    /// <summary>The size of each dimension, outermost first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>A copy of the shape as an array.</summary>
    public int[] ShapeArray => (int[])_shape.Clone();

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>Total number of elements.</summary>
    public int Length { get; }

    /// <summary>Size of dimension <paramref name="axis"/>; negative counts from the end.</summary>
    public int Dim(int axis) => _shape[axis < 0 ? _shape.Length + axis : axis];

    /// <summary>The elements, row-major.</summary>
    public Span<float> Span => new(_storage, _offset, Length);

    /// <summary>Pointer to the first element; valid for the tensor's lifetime (storage is pinned).</summary>
    public float* Pointer => (float*)Unsafe.AsPointer(ref _storage[_offset]);

    /// <summary>Element access by flat (row-major) index.</summary>
    public float this[int flatIndex]
    {
        get => (uint)flatIndex < (uint)Length ? _storage[_offset + flatIndex] : throw IndexError(flatIndex);
        set => _storage[_offset + ((uint)flatIndex < (uint)Length ? flatIndex : throw IndexError(flatIndex))] = value;
    }

    /// <summary>Element access by one index per dimension.</summary>
    public float this[params int[] index]
    {
        get => _storage[_offset + FlatIndex(index)];
        set => _storage[_offset + FlatIndex(index)] = value;
    }

    /// <summary>Creates a tensor holding a copy of <paramref name="values"/> with the given shape.</summary>
    public static Tensor FromArray(ReadOnlySpan<float> values, params int[] shape)
    {
        var t = new Tensor(shape);
        if (values.Length != t.Length)
            throw new ArgumentException($"FromArray: {values.Length} values do not fill shape {FormatShape(shape)} ({t.Length} elements).", nameof(values));
        values.CopyTo(t.Span);
        return t;
    }

    /// <summary>A zero-filled tensor.</summary>
    public static Tensor Zeros(params int[] shape) => new(shape);

    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(float value, params int[] shape)
    {
        var t = new Tensor(shape);
        t.Span.Fill(value);
        return t;
    }

    /// <summary>Normal(mean, std) samples from an explicit seed (randomness always flows from a seed).</summary>
    public static Tensor RandomNormal(int[] shape, float mean, float std, ulong seed)
    {
        var t = new Tensor(shape);
        var rng = new Rng(seed);
        rng.FillNormal(t.Span, mean, std);
        return t;
    }

    /// <summary>Uniform samples in [low, high) from an explicit seed.</summary>
    public static Tensor RandomUniform(int[] shape, float low, float high, ulong seed)
    {
        var t = new Tensor(shape);
        var rng = new Rng(seed);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = low + (high - low) * rng.NextFloat();
        return t;
    }

    /// <summary>A deep copy with its own storage.</summary>
    public Tensor Clone()
    {
        var t = new Tensor(_shape);
        Span.CopyTo(t.Span);
        return t;
    }

    /// <summary>Copies this tensor's elements into <paramref name="destination"/> (same length).</summary>
    public void CopyTo(Tensor destination)
    {
        if (destination.Length != Length)
            throw new ArgumentException($"CopyTo: destination has {destination.Length} elements, source {Length}.", nameof(destination));
        Span.CopyTo(destination.Span);
    }

    /// <summary>Sets every element to zero.</summary>
    public void Clear() => Span.Clear();

    /// <summary>The elements as a new array.</summary>
    public float[] ToArray() => Span.ToArray();

    /// <summary>
    /// A view with a new shape and the same elements (no copy). One dimension may be -1
    /// and is then inferred.
    /// </summary>
    public Tensor Reshape(params int[] shape)
    {
        var s = (int[])shape.Clone();
        int infer = -1, known = 1;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"Reshape: only one dimension may be -1 in {FormatShape(shape)}.", nameof(shape));
                infer = i;
            }
            else if (s[i] < 0) throw new ArgumentException($"Reshape: negative dimension in {FormatShape(shape)}.", nameof(shape));
            else known *= s[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || Length % known != 0)
                throw new ArgumentException($"Reshape: cannot infer -1 in {FormatShape(shape)} from {Length} elements.", nameof(shape));
            s[infer] = Length / known;
        }
        if (Product(s) != Length)
            throw new ArgumentException($"Reshape: shape {FormatShape(shape)} does not hold the {Length} elements of {FormatShape(_shape)}.", nameof(shape));
        return new Tensor(_storage, _offset, s);
    }

    /// <summary>
    /// A view of rows <paramref name="start"/> .. start+count-1 of the outermost dimension
    /// (no copy; writes go through to this tensor).
    /// </summary>
    public Tensor Rows(int start, int count)
    {
        if (Rank == 0) throw new InvalidOperationException("Rows: a scalar tensor has no rows.");
        if (start < 0 || count < 0 || start + count > _shape[0])
            throw new ArgumentOutOfRangeException(nameof(start), $"Rows: [{start}, {start + count}) is outside 0..{_shape[0]} of shape {FormatShape(_shape)}.");
        int rowLen = _shape[0] == 0 ? 0 : Length / _shape[0];
        var s = (int[])_shape.Clone();
        s[0] = count;
        return new Tensor(_storage, _offset + start * rowLen, s);
    }

    /// <summary>A view of row <paramref name="index"/> of the outermost dimension, with that dimension dropped.</summary>
    public Tensor Row(int index) => Rows(index, 1).Reshape(_shape[1..]);

    /// <summary>
    /// A copy with dimensions reordered: result dimension i is this tensor's dimension
    /// <paramref name="axes"/>[i] (e.g. <c>[B,T,H,D] → Permute(0,2,1,3) → [B,H,T,D]</c>).
    /// </summary>
    public Tensor Permute(params int[] axes)
    {
        int r = Rank;
        if (axes.Length != r) throw new ArgumentException($"Permute: {axes.Length} axes given for a rank-{r} tensor.", nameof(axes));
        var seen = new bool[r];
        foreach (var a in axes)
        {
            if (a < 0 || a >= r || seen[a]) throw new ArgumentException($"Permute: axes ({string.Join(",", axes)}) are not a permutation of 0..{r - 1}.", nameof(axes));
            seen[a] = true;
        }
        var newShape = new int[r];
        for (int i = 0; i < r; i++) newShape[i] = _shape[axes[i]];
        var result = new Tensor(newShape);
        if (Length == 0) return result;

        var srcStrides = Strides(_shape);
        var stride = new int[r];
        for (int i = 0; i < r; i++) stride[i] = srcStrides[axes[i]];
        var src = Span;
        var dst = result.Span;
        var idx = new int[r];
        int inner = newShape[r - 1], innerStride = stride[r - 1];
        int outerCount = Length / inner;
        for (int o = 0, d = 0; o < outerCount; o++)
        {
            int srcBase = 0;
            for (int i = 0; i < r - 1; i++) srcBase += idx[i] * stride[i];
            for (int j = 0; j < inner; j++) dst[d++] = src[srcBase + j * innerStride];
            for (int i = r - 2; i >= 0; i--)
            {
                if (++idx[i] < newShape[i]) break;
                idx[i] = 0;
            }
        }
        return result;
    }

    /// <summary>A copy with the last two dimensions swapped (matrix transpose, batched).</summary>
    public Tensor Transpose()
    {
        if (Rank < 2) throw new InvalidOperationException($"Transpose: needs rank ≥ 2, shape is {FormatShape(_shape)}.");
        var axes = Enumerable.Range(0, Rank).ToArray();
        (axes[^1], axes[^2]) = (axes[^2], axes[^1]);
        return Permute(axes);
    }

    /// <summary>Joins tensors along <paramref name="axis"/>; all other dimensions must match.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> parts, int axis)
    {
        if (parts.Count == 0) throw new ArgumentException("Concat: no tensors given.", nameof(parts));
        var first = parts[0];
        int r = first.Rank;
        if (axis < 0) axis += r;
        if (axis < 0 || axis >= r) throw new ArgumentOutOfRangeException(nameof(axis), $"Concat: axis out of range for rank {r}.");
        var shape = first.ShapeArray;
        shape[axis] = 0;
        foreach (var p in parts)
        {
            if (p.Rank != r) throw new ArgumentException($"Concat: ranks differ ({FormatShape(first._shape)} vs {FormatShape(p._shape)}).", nameof(parts));
            for (int i = 0; i < r; i++)
                if (i != axis && p._shape[i] != first._shape[i])
                    throw new ArgumentException($"Concat: shapes {FormatShape(first._shape)} and {FormatShape(p._shape)} differ outside axis {axis}.", nameof(parts));
            shape[axis] += p._shape[axis];
        }
        var result = new Tensor(shape);
        int outer = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        int innerOut = result.Length / Math.Max(outer, 1);
        var dst = result.Span;
        int colOffset = 0;
        foreach (var p in parts)
        {
            int innerIn = outer == 0 ? 0 : p.Length / outer;
            var src = p.Span;
            for (int o = 0; o < outer; o++)
                src.Slice(o * innerIn, innerIn).CopyTo(dst.Slice(o * innerOut + colOffset, innerIn));
            colOffset += innerIn;
        }
        return result;
    }

    /// <summary>Splits into pieces of the given sizes along <paramref name="axis"/> (copies); sizes must add up.</summary>
    public Tensor[] Split(int axis, params int[] sizes)
    {
        int r = Rank;
        if (axis < 0) axis += r;
        if (axis < 0 || axis >= r) throw new ArgumentOutOfRangeException(nameof(axis), $"Split: axis out of range for rank {r}.");
        if (sizes.Sum() != _shape[axis] || sizes.Any(s => s < 0))
            throw new ArgumentException($"Split: sizes ({string.Join(",", sizes)}) do not add up to dimension {axis} of {FormatShape(_shape)}.", nameof(sizes));
        int outer = 1;
        for (int i = 0; i < axis; i++) outer *= _shape[i];
        int innerIn = outer == 0 ? 0 : Length / outer;
        var src = Span;
        var results = new Tensor[sizes.Length];
        int colOffset = 0;
        for (int k = 0; k < sizes.Length; k++)
        {
            var shape = ShapeArray;
            shape[axis] = sizes[k];
            var part = new Tensor(shape);
            int innerOut = outer == 0 ? 0 : part.Length / outer;
            var dst = part.Span;
            for (int o = 0; o < outer; o++)
                src.Slice(o * innerIn + colOffset, innerOut).CopyTo(dst.Slice(o * innerOut, innerOut));
            colOffset += innerOut;
            results[k] = part;
        }
        return results;
    }

    /// <summary>True when both tensors have the same shape.</summary>
    public bool SameShape(Tensor other) => _shape.AsSpan().SequenceEqual(other._shape);

    /// <summary>Throws a clear error when the shape is not <paramref name="expected"/> (-1 matches any size).</summary>
    public void ExpectShape(string what, params int[] expected)
    {
        bool ok = expected.Length == _shape.Length;
        for (int i = 0; ok && i < expected.Length; i++) ok = expected[i] == -1 || expected[i] == _shape[i];
        if (!ok) throw new ArgumentException($"{what}: expected shape {FormatShape(expected)}, got {FormatShape(_shape)}.");
    }

    /// <inheritdoc />
    public override string ToString() => $"Tensor{FormatShape(_shape)}";

    /// <summary>Formats a shape as <c>[2,3,4]</c> (-1 as ?).</summary>
    public static string FormatShape(ReadOnlySpan<int> shape)
    {
        var parts = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++) parts[i] = shape[i] == -1 ? "?" : shape[i].ToString();
        return "[" + string.Join(",", parts) + "]";
    }

    /// <summary>Row-major strides (in elements) of a shape.</summary>
    public static int[] Strides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { strides[i] = s; s *= shape[i]; }
        return strides;
    }

    private int FlatIndex(int[] index)
    {
        if (index.Length != _shape.Length) throw new ArgumentException($"Index has {index.Length} coordinates, tensor has rank {_shape.Length}.");
        int flat = 0;
        for (int i = 0; i < index.Length; i++)
        {
            if ((uint)index[i] >= (uint)_shape[i]) throw new IndexOutOfRangeException($"Index {index[i]} out of range for dimension {i} of {FormatShape(_shape)}.");
            flat = flat * _shape[i] + index[i];
        }
        return flat;
    }

    private IndexOutOfRangeException IndexError(int i) => new($"Flat index {i} out of range for {FormatShape(_shape)} ({Length} elements).");

    private static int[] CheckShape(int[] shape)
    {
        foreach (var d in shape)
            if (d < 0) throw new ArgumentException($"Tensor shape {FormatShape(shape)} has a negative dimension.", nameof(shape));
        return (int[])shape.Clone();
    }

    private static int Product(ReadOnlySpan<int> shape)
    {
        long p = 1;
        foreach (var d in shape) p *= d;
        if (p > int.MaxValue - 64) throw new ArgumentException($"Tensor shape {FormatShape(shape)} has too many elements ({p}).");
        return (int)p;
    }

    private static (float[] storage, int offset) AllocateAligned(int length)
    {
        const int pad = Alignment / sizeof(float);
        var storage = GC.AllocateArray<float>(length + pad, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(storage));
        int misalign = (int)(address & (Alignment - 1));
        int offset = misalign == 0 ? 0 : (Alignment - misalign) / sizeof(float);
        return (storage, offset);
    }
}
