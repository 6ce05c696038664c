using SharpLM.Kernels;

namespace SharpLM.Formats;

/// <summary>
/// One tensor's entry in a GGUF header: name, dimensions in ggml order (ne0 — the contiguous
/// row length — first), storage type, and where its bytes start relative to the data section.
/// </summary>
public sealed record GgufTensorInfo(string Name, long[] Dimensions, QuantType Type, long Offset)
{
    /// <summary>Total element count.</summary>
    public long ElementCount => Dimensions.Aggregate(1L, (a, d) => a * d);

    /// <summary>Bytes of the stored data (whole blocks per row).</summary>
    public long ByteCount => QuantTypes.RowBytes(Type, Dimensions.Length == 0 ? 1 : Dimensions[0]) * (ElementCount / Math.Max(1, Dimensions.Length == 0 ? 1 : Dimensions[0]));

    /// <summary>The shape outermost first, as SharpLM tensors and PyTorch list it (ggml order reversed).</summary>
    public int[] Shape => Dimensions.Reverse().Select(d => checked((int)d)).ToArray();
}
