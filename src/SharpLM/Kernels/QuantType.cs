namespace SharpLM.Kernels;

/// <summary>
/// A weight storage type of ggml (the tensor library behind llama.cpp and the GGUF format),
/// with ggml's numeric type ids. SharpLM computes with F32, F16, BF16, Q8_0, Q4_0, Q4_K and
/// Q6_K; the other ids are known so a file holding them can be described and refused clearly.
/// </summary>
public enum QuantType : uint
{
    /// <summary>32-bit float.</summary>
    F32 = 0,
    /// <summary>IEEE half precision.</summary>
    F16 = 1,
    /// <summary>Blocks of 32: fp16 scale d + 16 bytes of 4-bit quants; value = (q − 8)·d.</summary>
    Q4_0 = 2,
    /// <summary>Blocks of 32 with scale and minimum (not computed by SharpLM).</summary>
    Q4_1 = 3,
    /// <summary>5-bit blocks of 32 (not computed by SharpLM).</summary>
    Q5_0 = 6,
    /// <summary>5-bit blocks of 32 with minimum (not computed by SharpLM).</summary>
    Q5_1 = 7,
    /// <summary>Blocks of 32: fp16 scale d + 32 int8 quants; value = q·d.</summary>
    Q8_0 = 8,
    /// <summary>8-bit blocks of 32 with a block sum (ggml's activation type; not stored by SharpLM).</summary>
    Q8_1 = 9,
    /// <summary>2-bit super-blocks of 256 (not computed by SharpLM).</summary>
    Q2_K = 10,
    /// <summary>3-bit super-blocks of 256 (not computed by SharpLM).</summary>
    Q3_K = 11,
    /// <summary>Super-blocks of 256: fp16 d and dmin, eight 6-bit scales and mins, 4-bit quants; value = d·sc·q − dmin·m.</summary>
    Q4_K = 12,
    /// <summary>5-bit super-blocks of 256 (not computed by SharpLM).</summary>
    Q5_K = 13,
    /// <summary>Super-blocks of 256: 6-bit quants (low 4 + high 2 bits), sixteen int8 scales, fp16 d; value = d·sc·(q − 32).</summary>
    Q6_K = 14,
    /// <summary>8-bit super-blocks of 256 with fp32 scale and 16-element sums (ggml's activation type for the K quants).</summary>
    Q8_K = 15,
    /// <summary>8-bit integer.</summary>
    I8 = 24,
    /// <summary>16-bit integer.</summary>
    I16 = 25,
    /// <summary>32-bit integer.</summary>
    I32 = 26,
    /// <summary>64-bit integer.</summary>
    I64 = 27,
    /// <summary>64-bit float.</summary>
    F64 = 28,
    /// <summary>bfloat16: the top 16 bits of a float32.</summary>
    BF16 = 30,
}

/// <summary>Block sizes, byte sizes and names of the <see cref="QuantType"/>s.</summary>
public static class QuantTypes
{
    /// <summary>Elements in a K-quant super-block.</summary>
    public const int SuperBlock = 256;

    /// <summary>Elements in a Q8_0 / Q4_0 block.</summary>
    public const int Block = 32;

    /// <summary>True when <paramref name="id"/> is a ggml type id this table knows.</summary>
    public static bool IsKnown(uint id) => Enum.IsDefined(typeof(QuantType), id);

    /// <summary>True for the types SharpLM can dequantize, quantize and multiply with.</summary>
    public static bool IsComputable(QuantType type) =>
        type is QuantType.F32 or QuantType.F16 or QuantType.BF16 or QuantType.Q8_0 or QuantType.Q4_0 or QuantType.Q4_K or QuantType.Q6_K;

    /// <summary>Elements per block (1 for the plain number types).</summary>
    public static int BlockElements(QuantType type) => type switch
    {
        QuantType.Q4_0 or QuantType.Q4_1 or QuantType.Q5_0 or QuantType.Q5_1 or QuantType.Q8_0 or QuantType.Q8_1 => Block,
        QuantType.Q2_K or QuantType.Q3_K or QuantType.Q4_K or QuantType.Q5_K or QuantType.Q6_K or QuantType.Q8_K => SuperBlock,
        _ => 1,
    };

    /// <summary>Bytes per block, exactly as ggml lays the block out.</summary>
    public static int BlockBytes(QuantType type) => type switch
    {
        QuantType.F32 => 4,
        QuantType.F16 => 2,
        QuantType.BF16 => 2,
        QuantType.Q4_0 => 18,
        QuantType.Q4_1 => 20,
        QuantType.Q5_0 => 22,
        QuantType.Q5_1 => 24,
        QuantType.Q8_0 => 34,
        QuantType.Q8_1 => 36,
        QuantType.Q2_K => 84,
        QuantType.Q3_K => 110,
        QuantType.Q4_K => 144,
        QuantType.Q5_K => 176,
        QuantType.Q6_K => 210,
        QuantType.Q8_K => 292,
        QuantType.I8 => 1,
        QuantType.I16 => 2,
        QuantType.I32 => 4,
        QuantType.I64 => 8,
        QuantType.F64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), $"unknown ggml type id {(uint)type}"),
    };

    /// <summary>Bytes of a row of <paramref name="elements"/> (which must be a whole number of blocks).</summary>
    public static long RowBytes(QuantType type, long elements)
    {
        int block = BlockElements(type);
        if (elements % block != 0)
            throw new ArgumentException($"a {Name(type)} row needs a multiple of {block} elements, got {elements}", nameof(elements));
        return elements / block * BlockBytes(type);
    }

    /// <summary>ggml's lower-case name (<c>q8_0</c>, <c>q4_k</c>, <c>bf16</c>…).</summary>
    public static string Name(QuantType type) => type.ToString().ToLowerInvariant();

    /// <summary>Parses a type name as <see cref="Name"/> writes it (case-insensitive), or throws naming the choices.</summary>
    public static QuantType Parse(string text, string what = "type")
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (QuantType t in Enum.GetValues<QuantType>())
            if (IsComputable(t) && string.Equals(Name(t), text.Trim(), StringComparison.OrdinalIgnoreCase)) return t;
        throw new ArgumentException($"{what} '{text}' is not a weight type SharpLM can write; choose one of {string.Join(", ", Enum.GetValues<QuantType>().Where(IsComputable).Select(Name))}");
    }
}
