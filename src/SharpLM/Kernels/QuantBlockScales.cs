using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SharpLM.Kernels;

/// <summary>
/// The fp16 scales of eight consecutive 32-element weight blocks (Q8_0/Q4_0: the first two
/// bytes of each block) widened to float32 in one vector, so the dot kernels convert block
/// scales eight at a time instead of one scalar conversion per block. Exact, as
/// <see cref="HalfConversion.HalfToSingle(ushort)"/>.
/// </summary>
internal static unsafe class QuantBlockScales
{
    /// <summary>The scales of the eight blocks at <paramref name="blocks"/>, <paramref name="stride"/> bytes apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load8(byte* blocks, int stride)
    {
        var halves = Vector128.Create(
            *(ushort*)blocks, *(ushort*)(blocks + stride), *(ushort*)(blocks + 2 * stride), *(ushort*)(blocks + 3 * stride),
            *(ushort*)(blocks + 4 * stride), *(ushort*)(blocks + 5 * stride), *(ushort*)(blocks + 6 * stride), *(ushort*)(blocks + 7 * stride));
        return HalfToSingle(Vector256.WidenLower(halves.ToVector256Unsafe()));
    }

    /// <summary>Eight halves (in the low 16 bits of each lane) to float32: exponent and mantissa moved into place and rescaled by 2^112, infinities/NaNs given the all-ones exponent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> HalfToSingle(Vector256<uint> bits)
    {
        var magnitude = Vector256.ShiftLeft(bits & Vector256.Create(0x7fffu), 13);
        var scaled = (magnitude.AsSingle() * Vector256.Create(5.192296858534828e33f)).AsUInt32();
        var special = Vector256.GreaterThanOrEqual(magnitude, Vector256.Create(0x7c00u << 13));
        var value = Vector256.ConditionalSelect(special, magnitude | Vector256.Create(0x7f800000u), scaled);
        return (value | Vector256.ShiftLeft(bits & Vector256.Create(0x8000u), 16)).AsSingle();
    }
}
