namespace SharpLM.Kernels;

/// <summary>
/// A weight matrix [rows, columns] held in a ggml storage type exactly as a GGUF file lays it
/// out (row after row of blocks), pointing either into a memory-mapped file or into pinned
/// memory it owns: a model's linear layer kept quantized for inference, never widened.
/// </summary>
public sealed unsafe class QuantMatrix
{
    private readonly object? _owner;

    /// <summary>Wraps <paramref name="rows"/>×<paramref name="columns"/> elements of <paramref name="type"/> at <paramref name="data"/>, kept alive by <paramref name="owner"/>.</summary>
    public QuantMatrix(QuantType type, int rows, int columns, byte* data, object? owner)
    {
        if (!QuantTypes.IsComputable(type)) throw new NotSupportedException($"SharpLM cannot compute with {QuantTypes.Name(type)} weights");
        if (rows <= 0 || columns <= 0) throw new ArgumentOutOfRangeException(nameof(rows), $"a weight matrix needs positive rows and columns, got {rows}×{columns}");
        if (columns % QuantTypes.BlockElements(type) != 0)
            throw new ArgumentException($"{QuantTypes.Name(type)} rows need a multiple of {QuantTypes.BlockElements(type)} columns, got {columns}", nameof(columns));
        if (data == null) throw new ArgumentNullException(nameof(data));
        Type = type;
        Rows = rows;
        Columns = columns;
        RowBytes = QuantTypes.RowBytes(type, columns);
        Data = data;
        _owner = owner;
    }

    /// <summary>Quantizes a float32 matrix into new pinned memory.</summary>
    public static QuantMatrix FromFloats(QuantType type, ReadOnlySpan<float> values, int rows, int columns)
    {
        if ((long)rows * columns != values.Length) throw new ArgumentException($"{rows}×{columns} matrix needs {(long)rows * columns} values, got {values.Length}", nameof(values));
        long rowBytes = QuantTypes.RowBytes(type, columns);
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)(rowBytes * rows)), pinned: true);
        for (int r = 0; r < rows; r++)
            QuantCodec.Quantize(type, values.Slice(r * columns, columns), bytes.AsSpan((int)(r * rowBytes), (int)rowBytes));
        fixed (byte* p = bytes) return new QuantMatrix(type, rows, columns, p, bytes);
    }

    /// <summary>Storage type.</summary>
    public QuantType Type { get; }

    /// <summary>Output features (rows).</summary>
    public int Rows { get; }

    /// <summary>Input features (columns).</summary>
    public int Columns { get; }

    /// <summary>Bytes of one row.</summary>
    public long RowBytes { get; }

    /// <summary>Total bytes held.</summary>
    public long ByteCount => RowBytes * Rows;

    /// <summary>Pointer to the first byte (row-major blocks).</summary>
    public byte* Data { get; }

    /// <summary>What keeps <see cref="Data"/> alive (a mapped file or a pinned array).</summary>
    public object? Owner => _owner;

    /// <summary>Pointer to row <paramref name="r"/>.</summary>
    public byte* Row(int r) => Data + r * RowBytes;

    /// <summary>Dequantizes row <paramref name="r"/> into <paramref name="destination"/> (Columns long).</summary>
    public void DequantizeRow(int r, Span<float> destination) =>
        QuantCodec.Dequantize(Type, new ReadOnlySpan<byte>(Row(r), (int)RowBytes), destination);

    /// <summary>The whole matrix as float32 (row-major), for reference and tests.</summary>
    public float[] Dequantize()
    {
        var result = new float[(long)Rows * Columns];
        for (int r = 0; r < Rows; r++) DequantizeRow(r, result.AsSpan(r * Columns, Columns));
        return result;
    }
}
