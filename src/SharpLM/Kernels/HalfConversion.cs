using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SharpLM.Kernels;

/// <summary>
/// Conversions between float32 and the 16-bit weight formats: IEEE half (F16, rounded to
/// nearest even as F16C does) and bfloat16 (BF16, the top half of a float32, rounded to
/// nearest even with NaNs kept quiet, as ggml converts). Bulk and in-register forms.
/// </summary>
public static class HalfConversion
{
    /// <summary>
    /// One half (as raw bits) to float32, exactly: exponent and mantissa moved into float position and
    /// rescaled by 2^112 (normalizing subnormals), infinities/NaNs given the all-ones exponent. Branch-light,
    /// because the quantized dot kernels convert one block scale per 32 elements.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HalfToSingle(ushort bits)
    {
        uint magnitude = (uint)(bits & 0x7fff) << 13;
        uint value = magnitude >= (0x7c00u << 13)
            ? magnitude | 0x7f800000u
            : BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(magnitude) * 5.192296858534828e33f);
        return BitConverter.UInt32BitsToSingle(value | ((uint)(bits & 0x8000) << 16));
    }

    /// <summary>One float32 to half bits, rounded to nearest even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort SingleToHalf(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    /// <summary>One bfloat16 (raw bits) to float32 (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float BFloat16ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>One float32 to bfloat16 bits: round to nearest even; a NaN stays a (quiet) NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort SingleToBFloat16(float value)
    {
        uint u = BitConverter.SingleToUInt32Bits(value);
        if ((u & 0x7fffffffu) > 0x7f800000u) return (ushort)((u >> 16) | 64);
        return (ushort)((u + (0x7fffu + ((u >> 16) & 1))) >> 16);
    }

    /// <summary>Halves to float32 (vectorized).</summary>
    public static void HalfToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        CheckLengths(source.Length, destination.Length);
        TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<ushort, Half>(source), destination);
    }

    /// <summary>Float32 to halves, rounded to nearest even (vectorized).</summary>
    public static void SingleToHalf(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        CheckLengths(source.Length, destination.Length);
        TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<ushort, Half>(destination));
    }

    /// <summary>bfloat16s to float32 (vectorized: a 16-bit shift).</summary>
    public static void BFloat16ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        CheckLengths(source.Length, destination.Length);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= source.Length; i += 8)
            {
                var wide = Vector256.WidenLower(Vector128.Create(source.Slice(i, 8)).ToVector256Unsafe());
                Vector256.ShiftLeft(wide, 16).AsSingle().CopyTo(destination.Slice(i, 8));
            }
        }
        for (; i < source.Length; i++) destination[i] = BFloat16ToSingle(source[i]);
    }

    /// <summary>Float32 to bfloat16s with <see cref="SingleToBFloat16(float)"/>'s rounding.</summary>
    public static void SingleToBFloat16(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        CheckLengths(source.Length, destination.Length);
        for (int i = 0; i < source.Length; i++) destination[i] = SingleToBFloat16(source[i]);
    }

    /// <summary>
    /// Eight halves (raw bits) to eight float32 in a register: the half's exponent and mantissa
    /// are moved into float position and rescaled by 2^112 (which also normalizes subnormals);
    /// infinities and NaNs get the all-ones exponent back.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> HalfToSingle(Vector128<ushort> bits)
    {
        var h = Vector256.WidenLower(bits.ToVector256Unsafe()).AsUInt32();
        var magnitude = (h & Vector256.Create(0x7fffu)) << 13;
        var scaled = (magnitude.AsSingle() * Vector256.Create(5.192296858534828e33f)).AsUInt32(); // 2^112
        var special = Vector256.GreaterThanOrEqual(magnitude, Vector256.Create(0x7c00u << 13));
        scaled = Vector256.ConditionalSelect(special, magnitude | Vector256.Create(0x7f800000u), scaled);
        return (scaled | ((h & Vector256.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>Eight bfloat16s (raw bits) to eight float32 in a register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> BFloat16ToSingle(Vector128<ushort> bits) =>
        Vector256.ShiftLeft(Vector256.WidenLower(bits.ToVector256Unsafe()), 16).AsSingle();

    private static void CheckLengths(int source, int destination)
    {
        if (source != destination) throw new ArgumentException($"conversion needs equal lengths: source {source}, destination {destination}");
    }
}
