using System.Runtime.CompilerServices;

namespace SharpLM.Kernels;

/// <summary>
/// Activations quantized per block to int8 for the integer dot kernels, as ggml does before a
/// quantized mat-vec: for Q8_0/Q4_0 weights, blocks of 32 with scale fp16(max|x|/127) and the
/// block's quant sum (Q8_0 activation blocks); for Q4_K/Q6_K weights, super-blocks of 256 with
/// an fp32 scale and sums per 16 (Q8_K). Holds pinned buffers reused from token to token.
/// </summary>
public sealed unsafe class QuantActivations
{
    private sbyte[] _quants = [];
    private float[] _scales = [];
    private int[] _sums = [];

    /// <summary>Which layout the buffers hold: <see cref="QuantType.Q8_0"/> or <see cref="QuantType.Q8_K"/>.</summary>
    public QuantType Layout { get; private set; }

    /// <summary>Elements per row.</summary>
    public int Columns { get; private set; }

    /// <summary>Rows (tokens) held.</summary>
    public int Rows { get; private set; }

    /// <summary>Pointer to row <paramref name="r"/>'s int8 quants.</summary>
    public sbyte* Quants(int r) => (sbyte*)Unsafe.AsPointer(ref _quants[0]) + (long)r * Columns;

    /// <summary>Pointer to row <paramref name="r"/>'s block scales.</summary>
    public float* Scales(int r) => (float*)Unsafe.AsPointer(ref _scales[0]) + (long)r * (Columns / BlockOf(Layout));

    /// <summary>Pointer to row <paramref name="r"/>'s sums (per 32 for Q8_0, per 16 for Q8_K).</summary>
    public int* Sums(int r) => (int*)Unsafe.AsPointer(ref _sums[0]) + (long)r * (Columns / SumGroupOf(Layout));

    /// <summary>The activation layout the weight type's dot kernel reads.</summary>
    public static QuantType LayoutFor(QuantType weights) => weights switch
    {
        QuantType.Q8_0 or QuantType.Q4_0 => QuantType.Q8_0,
        QuantType.Q4_K or QuantType.Q6_K => QuantType.Q8_K,
        _ => throw new NotSupportedException($"no int8 activation layout for {QuantTypes.Name(weights)} weights"),
    };

    private static int BlockOf(QuantType layout) => layout == QuantType.Q8_K ? QuantTypes.SuperBlock : QuantTypes.Block;
    private static int SumGroupOf(QuantType layout) => layout == QuantType.Q8_K ? 16 : QuantTypes.Block;

    /// <summary>Quantizes <paramref name="rows"/> rows of <paramref name="columns"/> floats (row stride <paramref name="ldx"/>) into <paramref name="layout"/>.</summary>
    public void Quantize(QuantType layout, float* x, int rows, int columns, int ldx)
    {
        if (layout is not (QuantType.Q8_0 or QuantType.Q8_K)) throw new ArgumentException($"activation layout must be q8_0 or q8_k, got {QuantTypes.Name(layout)}", nameof(layout));
        int block = BlockOf(layout);
        if (columns <= 0 || columns % block != 0) throw new ArgumentException($"{QuantTypes.Name(layout)} activations need a positive multiple of {block} columns, got {columns}", nameof(columns));
        Layout = layout;
        Columns = columns;
        Rows = rows;
        Ensure(ref _quants, (long)rows * columns);
        Ensure(ref _scales, (long)rows * (columns / block));
        Ensure(ref _sums, (long)rows * (columns / SumGroupOf(layout)));
        for (int r = 0; r < rows; r++)
        {
            if (layout == QuantType.Q8_0) RowQ8_0(x + (long)r * ldx, columns, Quants(r), Scales(r), Sums(r));
            else RowQ8K(x + (long)r * ldx, columns, Quants(r), Scales(r), Sums(r));
        }
    }

    private static void Ensure<T>(ref T[] array, long length)
    {
        if (length > Array.MaxLength) throw new ArgumentException($"activation buffer of {length} elements is too large");
        if (array.Length < length) array = GC.AllocateArray<T>((int)Math.Max(length, 1), pinned: true);
    }

    // Q8_0: d = max|x|/127 stored as fp16 (as ggml's activation blocks), q = round-to-even(x·127/max|x|).
    private static void RowQ8_0(float* x, int columns, sbyte* q, float* scales, int* sums)
    {
        for (int b = 0; b < columns / 32; b++)
        {
            float* v = x + b * 32;
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = MathF.Max(amax, MathF.Abs(v[j]));
            float id = amax != 0 ? 127f / amax : 0f;
            scales[b] = HalfConversion.HalfToSingle(HalfConversion.SingleToHalf(amax / 127f));
            int sum = 0;
            for (int j = 0; j < 32; j++)
            {
                int l = QuantSearch.NearestInt(v[j] * id);
                q[b * 32 + j] = (sbyte)l;
                sum += l;
            }
            sums[b] = sum;
        }
    }

    // Q8_K: the element of largest magnitude m maps to −127 (d = −m/127, fp32), sums per 16.
    private static void RowQ8K(float* x, int columns, sbyte* q, float* scales, int* sums)
    {
        for (int b = 0; b < columns / 256; b++)
        {
            float* v = x + b * 256;
            float max = 0, amax = 0;
            for (int j = 0; j < 256; j++)
            {
                float ax = MathF.Abs(v[j]);
                if (ax > amax) { amax = ax; max = v[j]; }
            }
            if (amax == 0)
            {
                scales[b] = 0;
                new Span<sbyte>(q + b * 256, 256).Clear();
                new Span<int>(sums + b * 16, 16).Clear();
                continue;
            }
            float iscale = -127f / max;
            for (int g = 0; g < 16; g++)
            {
                int sum = 0;
                for (int j = 0; j < 16; j++)
                {
                    int l = Math.Min(127, QuantSearch.NearestInt(iscale * v[g * 16 + j]));
                    q[b * 256 + g * 16 + j] = (sbyte)l;
                    sum += l;
                }
                sums[b * 16 + g] = sum;
            }
            scales[b] = 1 / iscale;
        }
    }
}
